"""The W3C vc-di-eddsa ``eddsa-rdfc-2022`` test vectors, every intermediate value."""
import copy
import json
from pathlib import Path

import pytest

from competency.passport import dataintegrity, multikey
from competency.passport.did import did_key_document, did_of, public_key_for

VECTORS = Path(__file__).parent / "vectors"
SUITE = VECTORS / "eddsa-rdfc-2022"


def read_json(path: Path):
    return json.loads(path.read_text())


def read_text(name: str) -> str:
    return (SUITE / name).read_text()


@pytest.fixture(scope="module")
def key_pair():
    return read_json(VECTORS / "keyPair.json")


@pytest.fixture(scope="module")
def unsigned():
    return read_json(VECTORS / "unsigned.json")


@pytest.fixture(scope="module")
def proof_config():
    return read_json(SUITE / "proofConfigDataInt.json")


@pytest.fixture(scope="module")
def hashes(unsigned, proof_config):
    return dataintegrity.hash_data(unsigned, proof_config)


def test_key_pair_multibase_round_trips(key_pair):
    private_key = multikey.decode_secret_key(key_pair["privateKeyMultibase"])
    assert multikey.encode_public_key(private_key.public_key()) == key_pair["publicKeyMultibase"]
    assert multikey.encode_secret_key(private_key) == key_pair["privateKeyMultibase"]
    public_key = multikey.decode_public_key(key_pair["publicKeyMultibase"])
    assert multikey.public_key_bytes(public_key) == multikey.public_key_bytes(private_key.public_key())


def test_proof_configuration_is_built_like_the_vector(unsigned, proof_config):
    built = dataintegrity.proof_configuration(
        unsigned, verification_method=proof_config["verificationMethod"], created=proof_config["created"]
    )
    assert built == proof_config


def test_canonical_document(hashes):
    assert hashes.canonical_document == read_text("canonDocDataInt.txt")


def test_document_hash(hashes):
    assert hashes.document_hash.hex() == read_text("docHashDataInt.txt").strip()


def test_canonical_proof_configuration(hashes):
    assert hashes.canonical_proof_config == read_text("proofCanonDataInt.txt")


def test_proof_configuration_hash(hashes):
    assert hashes.proof_config_hash.hex() == read_text("proofHashDataInt.txt").strip()


def test_combined_hash(hashes):
    assert hashes.combined.hex() == read_text("combinedHashDataInt.txt").strip()


def test_signature_hex_and_base58(key_pair, hashes):
    signature = multikey.decode_secret_key(key_pair["privateKeyMultibase"]).sign(hashes.combined)
    assert signature.hex() == read_text("sigHexDataInt.txt").strip()
    assert multikey.encode_base58btc(signature) == read_text("sigBTC58DataInt.txt").strip()


def test_signing_reproduces_the_signed_credential(key_pair, unsigned, proof_config):
    signed = dataintegrity.create_proof(
        unsigned,
        multikey.decode_secret_key(key_pair["privateKeyMultibase"]),
        verification_method=proof_config["verificationMethod"],
        created=proof_config["created"],
    )
    assert signed == read_json(SUITE / "signedDataInt.json")


def test_signed_vector_verifies_with_the_did_key():
    signed = read_json(SUITE / "signedDataInt.json")
    method = signed["proof"]["verificationMethod"]
    key = public_key_for(did_key_document(did_of(method)), method)
    result = dataintegrity.verify_proof(signed, key)
    assert result.is_valid, result.reason


def test_signed_vector_with_a_changed_claim_is_rejected(key_pair):
    signed = read_json(SUITE / "signedDataInt.json")
    signed["credentialSubject"]["alumniOf"] = "The School of Forgery"
    result = dataintegrity.verify_proof(signed, multikey.decode_public_key(key_pair["publicKeyMultibase"]))
    assert not result.is_valid
    assert result.failure is dataintegrity.ProofFailure.signature_mismatch
    assert "changed after it was issued" in result.reason


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        (lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019"), "unsupported_cryptosuite"),
        (lambda d: d["proof"].update(type="Ed25519Signature2020"), "unsupported_cryptosuite"),
        (lambda d: d["proof"].pop("proofValue"), "malformed_proof"),
        (lambda d: d["proof"].update(proofValue="not-multibase"), "malformed_proof"),
        (lambda d: d["proof"].update(proofValue="z" + "1" * 40), "malformed_proof"),
        (lambda d: d["proof"].update(proofPurpose="authentication"), "malformed_proof"),
        (lambda d: d["proof"].update(created="yesterday"), "malformed_proof"),
        (lambda d: d.pop("proof"), "malformed_proof"),
        (lambda d: d["@context"].append("https://example.org/unknown-context"), "unknown_context"),
        (lambda d: d.pop("@context"), "invalid_document"),
    ],
)
def test_malformed_inputs_fail_with_a_reason_and_never_raise(key_pair, change, failure):
    signed = copy.deepcopy(read_json(SUITE / "signedDataInt.json"))
    change(signed)
    result = dataintegrity.verify_proof(signed, multikey.decode_public_key(key_pair["publicKeyMultibase"]))
    assert not result.is_valid
    assert result.failure == failure
    assert result.reason


def test_another_key_does_not_verify_the_vector():
    signed = read_json(SUITE / "signedDataInt.json")
    result = dataintegrity.verify_proof(signed, multikey.generate_private_key().public_key())
    assert result.failure is dataintegrity.ProofFailure.signature_mismatch
