"""did:web identifiers, DID documents with Multikey keys, and key lookup."""
import pytest

from competency.passport.canonical import canonicalize
from competency.passport.contexts import UnknownContextError, document_loader
from competency.passport.did import (
    DidError,
    DidKey,
    build_did_document,
    did_web_for,
    did_web_to_url,
    organisation_did,
    public_key_for,
)
from competency.passport.multikey import (
    MultikeyError,
    decode_public_key,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
    generate_private_key,
    public_key_bytes,
)


def test_public_keys_are_z6mk_multikeys_that_round_trip():
    key = generate_private_key()
    encoded = encode_public_key(key.public_key())
    assert encoded.startswith("z6Mk")
    assert public_key_bytes(decode_public_key(encoded)) == public_key_bytes(key.public_key())
    assert encode_secret_key(decode_secret_key(encode_secret_key(key))) == encode_secret_key(key)


@pytest.mark.parametrize("value", ["", "z", "6Mkabc", "z0OIl", "zabc"])
def test_malformed_multikeys_are_refused(value):
    with pytest.raises(MultikeyError):
        decode_public_key(value)


def test_secret_key_is_not_accepted_as_public_key():
    with pytest.raises(MultikeyError):
        decode_public_key(encode_secret_key(generate_private_key()))


@pytest.mark.parametrize(
    ("base_url", "did", "url"),
    [
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000:orgs:north-downs",
         "http://127.0.0.1:5000/orgs/north-downs/did.json"),
        ("https://passport.example.nhs.uk", "did:web:passport.example.nhs.uk:orgs:north-downs",
         "https://passport.example.nhs.uk/orgs/north-downs/did.json"),
        ("https://care.example.org:8443/competency/", "did:web:care.example.org%3A8443:competency:orgs:north-downs",
         "https://care.example.org:8443/competency/orgs/north-downs/did.json"),
        ("http://localhost:8000", "did:web:localhost%3A8000:orgs:north-downs",
         "http://localhost:8000/orgs/north-downs/did.json"),
    ],
)
def test_organisation_did_maps_to_its_document_url(base_url, did, url):
    assert organisation_did(base_url, "north-downs") == did
    assert did_web_to_url(did) == url


def test_a_did_without_path_uses_the_well_known_location():
    assert did_web_for("https://trust.example") == "did:web:trust.example"
    assert did_web_to_url("did:web:trust.example") == "https://trust.example/.well-known/did.json"


@pytest.mark.parametrize("did", ["did:key:z6Mk", "did:web:", "did:web:host:..:x", "did:web:host#key", "did:web:a%2Fb"])
def test_unsafe_or_foreign_dids_are_refused(did):
    with pytest.raises(DidError):
        did_web_to_url(did)


def test_rotated_keys_stay_listed_and_resolve():
    did = organisation_did("http://127.0.0.1:5000", "north-downs")
    old, new = generate_private_key(), generate_private_key()
    document = build_did_document(did, [encode_public_key(new.public_key()), encode_public_key(old.public_key())])
    for key in (old, new):
        method_id = DidKey(encode_public_key(key.public_key())).method_id(did)
        assert method_id in document["assertionMethod"]
        assert public_key_bytes(public_key_for(document, method_id)) == public_key_bytes(key.public_key())
    assert canonicalize(document, allow_issuer_dependent=False)  # every term is defined


def test_a_key_not_listed_for_assertion_is_refused():
    did = organisation_did("http://127.0.0.1:5000", "north-downs")
    key = encode_public_key(generate_private_key().public_key())
    document = build_did_document(did, [DidKey(key, fragment="key-1")])
    document["assertionMethod"] = []
    with pytest.raises(DidError, match="not listed"):
        public_key_for(document, f"{did}#key-1")
    with pytest.raises(DidError):
        public_key_for(build_did_document(did, [key]), f"{did}#key-2")


def test_a_document_for_another_did_is_refused():
    key = encode_public_key(generate_private_key().public_key())
    document = build_did_document("did:web:other.example", [key])
    with pytest.raises(DidError):
        public_key_for(document, f"did:web:trust.example#{key}")


def test_document_loader_serves_only_bundled_contexts():
    loaded = document_loader("https://www.w3.org/ns/credentials/v2", {})
    assert loaded["document"]["@context"]["@protected"] is True
    with pytest.raises(UnknownContextError, match="never fetched"):
        document_loader("https://example.org/context.jsonld", {})
