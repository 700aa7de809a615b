"""Remembered proof checks never change an answer: only exact content, key and purpose match."""
import copy
import json
from pathlib import Path

from competency.passport import dataintegrity, multikey

VECTORS = Path(__file__).parent / "vectors"


def _signed_and_key():
    signed = json.loads((VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    return signed, multikey.decode_public_key(pair["publicKeyMultibase"])


def test_a_second_check_of_the_same_credential_gives_the_same_answer():
    signed, key = _signed_and_key()
    first = dataintegrity.verify_proof(signed, key)
    second = dataintegrity.verify_proof(copy.deepcopy(signed), key)
    assert first.is_valid and second == first


def test_a_change_after_a_valid_check_is_still_caught():
    signed, key = _signed_and_key()
    assert dataintegrity.verify_proof(signed, key).is_valid
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "The School of Impersonation"
    answer = dataintegrity.verify_proof(tampered, key)
    assert not answer.is_valid and answer.failure is dataintegrity.ProofFailure.signature_mismatch


def test_a_different_key_is_not_answered_from_memory():
    signed, key = _signed_and_key()
    assert dataintegrity.verify_proof(signed, key).is_valid
    other = multikey.generate_private_key().public_key()
    assert not dataintegrity.verify_proof(signed, other).is_valid
