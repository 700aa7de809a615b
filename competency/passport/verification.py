"""Verify a passport credential: signature, issuer key, validity dates, status.

Pure: the web layer injects how DID documents and status lists are fetched
(HTTP with short timeouts and caching), tests inject dictionaries.  Either
callable raises :class:`FetchError` when it cannot get the document.

Every check ends in one of three outcomes and the credential's outcome is the
worst of them: any ``not_valid`` check makes it Not valid; otherwise any check
that could not run makes it Could not check; only when every check ran and
passed is it Valid.  A check that did not run is never counted as passed.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from competency.passport.contexts import CREDENTIALS_V2
from competency.passport.dataintegrity import ProofError, ProofFailure, read_proof, verify_proof
from competency.passport.did import DidError, did_of, public_key_for
from competency.passport.statuslist import (
    LIST_CREDENTIAL_TYPE,
    LIST_SUBJECT_TYPE,
    Bitstring,
    StatusEntry,
    StatusListError,
    StatusPurpose,
    status_entries,
)

DidResolver = Callable[[str], dict[str, Any]]
StatusListFetcher = Callable[[str], dict[str, Any]]
#: Remembers status list proofs already found valid: (document digest, public key) -> True.
ProofCache = MutableMapping[tuple[str, bytes], bool]


class Outcome(StrEnum):
    valid = "valid"
    not_valid = "not_valid"
    could_not_check = "could_not_check"

    @property
    def label(self) -> str:
        return {"valid": "Valid", "not_valid": "Not valid", "could_not_check": "Could not check"}[self.value]


_SEVERITY = {Outcome.valid: 0, Outcome.could_not_check: 1, Outcome.not_valid: 2}


class FetchError(Exception):
    """A DID document or status list could not be fetched (unreachable, timed out, bad reply)."""


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class VerificationResult:
    outcome: Outcome
    checks: tuple[Check, ...]
    credential_id: str | None = None
    name: str | None = None
    issuer_id: str | None = None
    issuer_name: str | None = None
    verification_method: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    credential: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def is_valid(self) -> bool:
        return self.outcome is Outcome.valid

    @property
    def reasons(self) -> list[str]:
        """Why it is not valid or could not be checked (or what passed, when valid)."""
        if self.outcome is Outcome.valid:
            return [check.message for check in self.checks]
        return [check.message for check in self.checks if check.outcome is not Outcome.valid]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "reasons": self.reasons,
            "checks": [{"name": c.name, "outcome": c.outcome.value, "message": c.message} for c in self.checks],
            "credential_id": self.credential_id,
            "name": self.name,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name},
            "verification_method": self.verification_method,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def human_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _issuer(document: dict[str, Any]) -> tuple[str | None, str | None]:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer, None
    if isinstance(issuer, dict):
        name = issuer.get("name")
        return (issuer.get("id") if isinstance(issuer.get("id"), str) else None,
                name if isinstance(name, str) else None)
    return None, None


def _types(document: dict[str, Any]) -> list[Any]:
    value = document.get("type")
    return value if isinstance(value, list) else [value]


class _Memo:
    """Resolve each DID once per verification (the credential and its status lists share an issuer)."""

    def __init__(self, resolve_did: DidResolver) -> None:
        self._resolve = resolve_did
        self._documents: dict[str, Any] = {}

    def __call__(self, did: str) -> Any:
        if did not in self._documents:
            self._documents[did] = self._resolve(did)
        return self._documents[did]


def _document_digest(document: dict[str, Any]) -> str:
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _check_signature(document: dict[str, Any], issuer_id: str | None, resolve: _Memo, *,
                     what: str, name: str, proof_cache: ProofCache | None = None) -> tuple[Check, str | None]:
    """Check ``document``'s proof with its issuer's listed key.

    With ``proof_cache``, a byte-identical document already verified with the
    same key is not canonicalised again; the key is still looked up in the
    issuer's current DID document every time, so a withdrawn key still fails.
    """
    try:
        proof = read_proof(document)
    except ProofError as error:
        outcome = Outcome.could_not_check if error.failure is ProofFailure.unsupported_cryptosuite else Outcome.not_valid
        return Check(name, outcome, f"{what}: {error}"), None
    method = proof["verificationMethod"]
    if not issuer_id or not issuer_id.startswith("did:"):
        return Check(name, Outcome.not_valid, f"{what} does not name its issuer by a DID, so its key cannot be found."), method
    if did_of(method) != issuer_id:
        return Check(name, Outcome.not_valid, f"{what} was signed with a key that does not belong to its issuer."), method
    try:
        did_document = resolve(issuer_id)
    except Exception as error:  # any failure to fetch is "could not check", never "valid"
        detail = f" ({error})" if isinstance(error, FetchError) and str(error) else ""
        return Check(name, Outcome.could_not_check, f"The issuer's key could not be fetched{detail}."), method
    try:
        key = public_key_for(did_document, method)
    except DidError as error:
        return Check(name, Outcome.not_valid, f"{what}: {error}"), method
    cache_key = None
    if proof_cache is not None:
        cache_key = (_document_digest(document), key.public_bytes_raw())
        if proof_cache.get(cache_key):
            return Check(name, Outcome.valid, f"{what}: the signature matches the issuer's key."), method
    result = verify_proof(document, key)
    if result.is_valid and cache_key is not None:
        proof_cache[cache_key] = True
    if result.is_valid:
        return Check(name, Outcome.valid, f"{what}: the signature matches the issuer's key."), method
    if result.failure in (ProofFailure.unknown_context, ProofFailure.unsupported_cryptosuite):
        return Check(name, Outcome.could_not_check, f"{what} could not be checked: {result.reason}"), method
    if result.failure is ProofFailure.signature_mismatch:
        return Check(name, Outcome.not_valid,
                     "The signature does not match: the credential was changed after it was issued."
                     if what == "The credential" else f"{what}: {result.reason}"), method
    return Check(name, Outcome.not_valid, f"{what}: {result.reason}"), method


def _check_dates(document: dict[str, Any], now: datetime) -> list[Check]:
    checks = []
    valid_from = document.get("validFrom")
    start = _parse_time(valid_from)
    if valid_from is not None and start is None:
        checks.append(Check("dates", Outcome.not_valid, "The credential's start date is not a valid date."))
    elif start is not None and start > now:
        checks.append(Check("dates", Outcome.not_valid, f"The credential is not valid until {human_date(start)}."))
    valid_until = document.get("validUntil")
    end = _parse_time(valid_until)
    if valid_until is not None and end is None:
        checks.append(Check("dates", Outcome.not_valid, "The credential's expiry date is not a valid date."))
    elif end is not None and end <= now:
        checks.append(Check("dates", Outcome.not_valid, f"The credential expired on {human_date(end)}."))
    if not checks:
        message = f"Not expired (valid until {human_date(end)})." if end else "The credential has no expiry date."
        checks.append(Check("dates", Outcome.valid, message))
    return checks


def _check_status(entry_json: Any, issuer_id: str | None, resolve: _Memo,
                  fetch_status_list: StatusListFetcher, now: datetime,
                  proof_cache: ProofCache | None = None) -> list[Check]:
    try:
        entry = StatusEntry.from_json(entry_json)
    except StatusListError as error:
        return [Check("status", Outcome.could_not_check, f"The credential's status could not be checked: {error}")]
    name = f"status:{entry.purpose.value}"
    try:
        status_list = fetch_status_list(entry.list_credential)
    except Exception as error:
        detail = f" ({error})" if isinstance(error, FetchError) and str(error) else ""
        return [Check(name, Outcome.could_not_check, f"The issuer's {entry.purpose.value} list could not be fetched{detail}.")]
    if not isinstance(status_list, dict) or LIST_CREDENTIAL_TYPE not in _types(status_list):
        return [Check(name, Outcome.could_not_check, "The issuer's status list is not a status list credential.")]
    if status_list.get("id") != entry.list_credential:
        return [Check(name, Outcome.could_not_check, "The status list fetched is not the one the credential names.")]
    list_issuer, _ = _issuer(status_list)
    if list_issuer != issuer_id:
        return [Check(name, Outcome.could_not_check, "The status list was not published by the credential's issuer.")]
    signature, _ = _check_signature(status_list, list_issuer, resolve, what="The issuer's status list", name=name,
                                    proof_cache=proof_cache)
    if signature.outcome is not Outcome.valid:
        # An unverifiable list cannot vouch for the credential either way.
        return [Check(name, Outcome.could_not_check, signature.message)]
    list_until = _parse_time(status_list.get("validUntil"))
    if list_until is not None and list_until <= now:
        return [Check(name, Outcome.could_not_check, "The issuer's status list is out of date.")]
    subject = status_list.get("credentialSubject")
    if (not isinstance(subject, dict) or LIST_SUBJECT_TYPE not in _types(subject)
            or subject.get("statusPurpose") != entry.purpose.value):
        return [Check(name, Outcome.could_not_check, "The issuer's status list is for a different purpose.")]
    try:
        is_set = Bitstring.decode(subject.get("encodedList")).get(entry.index)
    except StatusListError as error:
        return [Check(name, Outcome.could_not_check, f"The issuer's status list could not be read: {error}")]
    if is_set:
        published = _parse_time(status_list.get("validFrom"))
        label = "Revoked" if entry.purpose is StatusPurpose.revocation else "Suspended"
        when = f" on {human_date(published)}" if published else ""
        return [Check(name, Outcome.not_valid,
                      f"{label} by the issuer (recorded in its status list published{when}).")]
    verb = "revoked" if entry.purpose is StatusPurpose.revocation else "suspended"
    return [Check(name, Outcome.valid, f"Not {verb} (checked with the issuer's status list).")]


def verify_credential(
    credential: Any,
    *,
    resolve_did: DidResolver,
    fetch_status_list: StatusListFetcher,
    now: datetime | None = None,
    status_proof_cache: ProofCache | None = None,
) -> VerificationResult:
    """Check one credential; never raises for a bad credential or an unreachable issuer.

    ``status_proof_cache`` (optional) remembers status lists whose proofs were
    already checked, so a server verifying many credentials of one issuer
    canonicalises each published list once; the credential's own proof is
    always checked.
    """
    now = now or datetime.now(UTC)
    if not isinstance(credential, dict):
        return VerificationResult(Outcome.not_valid, (Check("format", Outcome.not_valid, "This is not a credential."),))
    issuer_id, issuer_name = _issuer(credential)
    details = {
        "credential_id": credential.get("id") if isinstance(credential.get("id"), str) else None,
        "name": credential.get("name") if isinstance(credential.get("name"), str) else None,
        "issuer_id": issuer_id,
        "issuer_name": issuer_name,
        "valid_from": credential.get("validFrom") if isinstance(credential.get("validFrom"), str) else None,
        "valid_until": credential.get("validUntil") if isinstance(credential.get("validUntil"), str) else None,
        "credential": credential,
    }
    context = credential.get("@context")
    first_context = context[0] if isinstance(context, list) and context else context
    if "VerifiableCredential" not in _types(credential) or first_context != CREDENTIALS_V2:
        check = Check("format", Outcome.not_valid, "This is not a W3C Verifiable Credential 2.0.")
        return VerificationResult(Outcome.not_valid, (check,), **details)
    resolve = _Memo(resolve_did)
    signature, method = _check_signature(credential, issuer_id, resolve, what="The credential", name="signature")
    checks = [signature, *_check_dates(credential, now)]
    if signature.outcome is Outcome.valid:
        # Status entries of an unverified credential are untrusted URLs: not fetched.
        for entry in status_entries(credential):
            checks.extend(_check_status(entry, issuer_id, resolve, fetch_status_list, now, status_proof_cache))
    outcome = max((check.outcome for check in checks), key=_SEVERITY.__getitem__)
    return VerificationResult(outcome, tuple(checks), verification_method=method, **details)


def extract_credentials(payload: Any) -> list[Any]:
    """The credentials in an uploaded document: one credential, or a presentation (bundle) of them.

    :raises ValueError: neither a credential nor a presentation.
    """
    if isinstance(payload, dict) and "VerifiablePresentation" in _types(payload):
        found = payload.get("verifiableCredential", [])
        return found if isinstance(found, list) else [found]
    if isinstance(payload, dict) and "VerifiableCredential" in _types(payload):
        return [payload]
    if isinstance(payload, list) and payload and all(isinstance(item, dict) for item in payload):
        return list(payload)
    raise ValueError("The file is neither a credential nor a passport bundle.")


def verify_document(
    payload: Any,
    *,
    resolve_did: DidResolver,
    fetch_status_list: StatusListFetcher,
    now: datetime | None = None,
    status_proof_cache: ProofCache | None = None,
) -> list[VerificationResult]:
    """Verify every credential in an upload (one credential or a bundle), in order.

    :raises ValueError: the payload is neither a credential nor a bundle.
    """
    now = now or datetime.now(UTC)
    return [
        verify_credential(credential, resolve_did=resolve_did, fetch_status_list=fetch_status_list, now=now,
                          status_proof_cache=status_proof_cache)
        for credential in extract_credentials(payload)
    ]
