"""A tiny in-memory issuing installation for the passport core tests.

It holds one organisation's keys, DID document and status lists, issues
sign-off credentials the way the web layer will, and exposes the resolver and
fetcher callables a verifier is given.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from competency.passport import credentials as oc
from competency.passport.dataintegrity import create_proof
from competency.passport.did import DidKey, build_did_document, organisation_did
from competency.passport.multikey import encode_public_key, generate_private_key
from competency.passport.statuslist import (
    FLAG_BITS,
    MIN_ENTRIES,
    STATUS_SIZE,
    Bitstring,
    StatusEntry,
    StatusPurpose,
    build_status_list_credential,
)
from competency.passport.verification import FetchError, verify_credential

BASE_URL = "http://127.0.0.1:5000"
ISSUED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def signoff_facts(*, did: str, credential_id: str, status: list[StatusEntry], salt: str | None = "fixed-salt",
                  valid_until: datetime | None = None, signed_off_at: datetime = ISSUED_AT) -> oc.SignOffFacts:
    return oc.SignOffFacts(
        credential_id=credential_id,
        issuer=oc.IssuerProfile(did=did, name="North Downs NHS Foundation Trust"),
        holder=oc.Holder("Priya.Shah@example.org", oc.Registration("HCPC", "OT 61234"), "Priya Shah"),
        capability=oc.Capability(
            identifier="3f2a1c44-5b6d-5e7f-8a9b-0c1d2e3f4a5b",
            code="CP2.4",
            statement="Carries out occupational therapy assessments of functional ability",
            pillar="Clinical practice",
            framework_name="Multiprofessional AHP capability framework 1.0",
            case_item_url=f"{BASE_URL}/case/items/3f2a1c44-5b6d-5e7f-8a9b-0c1d2e3f4a5b",
        ),
        level=oc.Level("7d1e9c20-1111-5222-8333-444455556666", "Enhanced"),
        levels=[
            oc.Level("7d1e9c20-0000-5222-8333-444455556666", "Pre-registration"),
            oc.Level("7d1e9c20-1111-5222-8333-444455556666", "Enhanced"),
        ],
        assessor=oc.Assessor("Tom Okafor", "Occupational therapist", oc.Registration("HCPC", "OT 50001")),
        evidence=[
            oc.EvidenceRecord("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "Direct observation"),
            oc.EvidenceRecord("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", "Reflection"),
        ],
        signed_off_at=signed_off_at,
        status=status,
        valid_until=valid_until,
        salt=salt,
    )


@dataclass
class Installation:
    slug: str = "north-downs"
    keys: list[Ed25519PrivateKey] = field(default_factory=list)
    withdrawn: set[str] = field(default_factory=set)
    lists: dict[StatusPurpose, Bitstring] = field(default_factory=dict)
    is_reachable: bool = True
    next_index: int = 0
    _signed_lists: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.did = organisation_did(BASE_URL, self.slug)
        if not self.keys:
            self.keys.append(generate_private_key())
        for purpose in StatusPurpose:
            size = MIN_ENTRIES * (STATUS_SIZE if purpose is StatusPurpose.message else 1)
            self.lists.setdefault(purpose, Bitstring(size))

    @property
    def current_key(self) -> Ed25519PrivateKey:
        return self.keys[-1]

    def method_id(self, key: Ed25519PrivateKey) -> str:
        return DidKey(encode_public_key(key.public_key())).method_id(self.did)

    def rotate(self) -> None:
        self.keys.append(generate_private_key())

    def did_document(self) -> dict:
        listed = [key for key in reversed(self.keys) if self.method_id(key) not in self.withdrawn]
        return build_did_document(self.did, [DidKey(encode_public_key(key.public_key())) for key in listed])

    def list_url(self, purpose: StatusPurpose) -> str:
        return f"{BASE_URL}/status/{self.slug}-{purpose.value}"

    def status_list_credential(self, purpose: StatusPurpose) -> dict:
        cache_key = (purpose, self.lists[purpose].encode(), self.method_id(self.current_key))
        if cache_key not in self._signed_lists:
            self._signed_lists[cache_key] = self._sign_list(purpose)
        return copy.deepcopy(self._signed_lists[cache_key])

    def _sign_list(self, purpose: StatusPurpose) -> dict:
        unsigned = build_status_list_credential(
            list_url=self.list_url(purpose),
            issuer=self.did,
            purpose=purpose,
            bitstring=self.lists[purpose],
            valid_from=ISSUED_AT + timedelta(days=10),
            ttl_ms=300_000,
        )
        return create_proof(unsigned, self.current_key, verification_method=self.method_id(self.current_key))

    def issue(self, *, legacy_status: bool = False, **overrides) -> dict:
        """A sign-off credential with one 2-bit status entry, as issued today (or, with ``legacy_status``,
        separate revocation and suspension entries, as issued before issue 12)."""
        index, self.next_index = self.next_index, self.next_index + 1
        if legacy_status:
            status = [StatusEntry(purpose, index, self.list_url(purpose))
                      for purpose in (StatusPurpose.revocation, StatusPurpose.suspension)]
        else:
            status = [StatusEntry.ours(index, self.list_url(StatusPurpose.message))]
        facts = signoff_facts(did=self.did, credential_id=f"0b6c3a52-0000-4000-8000-{index:012d}", status=status,
                              **overrides)
        return oc.sign_credential(oc.build_signoff_credential(facts), self.current_key,
                                  verification_method=self.method_id(self.current_key), created=ISSUED_AT)

    def set_status(self, credential: dict, purpose: StatusPurpose, value: bool = True) -> None:
        entries = credential["credentialStatus"]
        entries = entries if isinstance(entries, list) else [entries]
        entry = next((e for e in entries if e["statusPurpose"] == purpose.value), None)
        if entry is not None:
            self.lists[purpose].set(int(entry["statusListIndex"]), value)
            return
        entry = next(e for e in entries if e["statusPurpose"] == StatusPurpose.message.value)
        index = int(entry["statusListIndex"])
        self.lists[StatusPurpose.message].set(index * STATUS_SIZE + FLAG_BITS[purpose], value)

    # The callables a verifier is given.
    def resolve_did(self, did: str) -> dict:
        if not self.is_reachable:
            raise FetchError("connection refused")
        if did != self.did:
            raise FetchError("unknown host")
        return copy.deepcopy(self.did_document())

    def fetch_status_list(self, url: str) -> dict:
        if not self.is_reachable:
            raise FetchError("connection refused")
        for purpose in StatusPurpose:
            if url == self.list_url(purpose):
                return self.status_list_credential(purpose)
        raise FetchError("404")

    def verify(self, credential, now: datetime | None = None):
        return verify_credential(credential, resolve_did=self.resolve_did, fetch_status_list=self.fetch_status_list,
                                 now=now or ISSUED_AT + timedelta(days=30))
