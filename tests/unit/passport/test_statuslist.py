"""Bitstring Status List: bit order, encoding, decoding and the list credential."""
import base64
import gzip
from datetime import UTC, datetime

import pytest

from competency.passport.canonical import canonicalize
from competency.passport.statuslist import (
    MIN_ENTRIES,
    Bitstring,
    StatusEntry,
    StatusListError,
    StatusPurpose,
    build_status_list_credential,
)


def test_a_new_list_has_131072_clear_entries():
    bits = Bitstring()
    assert bits.length == MIN_ENTRIES == 131_072
    assert len(bits.to_bytes()) == 16 * 1024
    assert bits.set_indexes() == []


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    bits = Bitstring()
    bits.set(0)
    bits.set(9)
    raw = bits.to_bytes()
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000


def test_round_trip_through_encoded_list_keeps_every_set_index():
    bits = Bitstring()
    for index in (0, 7, 8, 94_567, MIN_ENTRIES - 1):
        bits.set(index)
    bits.set(7, False)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    decoded = Bitstring.decode(encoded)
    assert decoded.set_indexes() == [0, 8, 94_567, MIN_ENTRIES - 1]
    assert decoded.get(94_567) and not decoded.get(94_566)


def test_encoded_list_is_gzip_of_the_raw_bits_in_base64url():
    bits = Bitstring()
    bits.set(3)
    body = bits.encode()[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert raw == bits.to_bytes()


def test_encoding_is_deterministic():
    assert Bitstring().encode() == Bitstring().encode()


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, True, "3"])
def test_indexes_outside_the_list_are_refused(index):
    with pytest.raises(StatusListError):
        Bitstring().get(index)


@pytest.mark.parametrize(
    "encoded",
    [
        None,
        "zabc",  # wrong multibase prefix
        "u!!!",  # not base64url
        "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 100)).decode().rstrip("="),  # too short
    ],
)
def test_malformed_encoded_lists_are_refused(encoded):
    with pytest.raises(StatusListError):
        Bitstring.decode(encoded)


def test_lists_shorter_than_the_minimum_cannot_be_created():
    with pytest.raises(StatusListError):
        Bitstring(1024)


def test_status_entry_json_round_trip():
    entry = StatusEntry(StatusPurpose.suspension, 1234, "https://trust.example/status/7")
    as_json = entry.to_json()
    assert as_json == {
        "id": "https://trust.example/status/7#1234",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "1234",
        "statusListCredential": "https://trust.example/status/7",
    }
    assert StatusEntry.from_json(as_json) == entry


@pytest.mark.parametrize(
    "change",
    [
        {"type": "StatusList2021Entry"},
        {"statusPurpose": "refresh"},
        {"statusSize": 2},  # two bits need four messages
        {"statusListIndex": 12},
        {"statusListIndex": "-3"},
        {"statusListCredential": ""},
    ],
)
def test_unusable_status_entries_are_refused(change):
    entry = StatusEntry(StatusPurpose.revocation, 1, "https://trust.example/status/1").to_json() | change
    with pytest.raises(StatusListError):
        StatusEntry.from_json(entry)


def test_list_credential_uses_only_defined_terms():
    bits = Bitstring()
    bits.set(42)
    credential = build_status_list_credential(
        list_url="https://trust.example/status/1",
        issuer="did:web:trust.example:orgs:north",
        purpose=StatusPurpose.revocation,
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert Bitstring.decode(subject["encodedList"]).set_indexes() == [42]
    nquads = canonicalize(credential, allow_issuer_dependent=False)
    assert "https://www.w3.org/ns/credentials/status#encodedList" in nquads
