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

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from competency.passport.contexts import CREDENTIALS_V2
from competency.passport.canonical import TooComplex, WorkBudget
from competency.passport.dataintegrity import PreparedProof, ProofFailure, check_prepared, prepare_proof
from competency.passport.did import DidError, did_of, public_key_for
from competency.passport.statuslist import (
    LIST_CREDENTIAL_TYPE,
    LIST_SUBJECT_TYPE,
    REVOKED_MESSAGES,
    SUSPENDED_MESSAGES,
    UNSET_MESSAGES,
    Bitstring,
    LocalStatusList,
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
    #: The signed view (see competency.passport.signedview) when the proof could be read; decide from it.
    view: dict[str, Any] | None = field(default=None, repr=False, compare=False)

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
    """(id, name) of a credential's issuer, in its JSON or its signed view."""
    issuer = document.get("issuer")
    if isinstance(issuer, list):  # several issuers: the signed statements do not name one
        return None, None
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


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _Memo:
    """Resolve each DID once per verification (the credential and its status lists share an issuer)."""

    def __init__(self, resolve_did: DidResolver) -> None:
        self._resolve = resolve_did
        self._documents: dict[str, Any] = {}

    def __call__(self, did: str) -> Any:
        if did not in self._documents:
            self._documents[did] = self._resolve(did)
        return self._documents[did]


def _proof_failure(prepared: PreparedProof, what: str) -> Outcome:
    if prepared.failure in (ProofFailure.unknown_context, ProofFailure.unsupported_cryptosuite):
        return Outcome.could_not_check
    return Outcome.not_valid


def _check_signature(document: dict[str, Any], prepared: PreparedProof, issuer_id: str | None, resolve: _Memo, *,
                     what: str, name: str) -> Check:
    """Check a prepared proof with the key its issuer lists now (looked up every time, so a withdrawn key fails)."""
    if prepared.failure is not None and prepared.method is None:
        return Check(name, _proof_failure(prepared, what), f"{what}: {prepared.reason}")
    method = prepared.method
    if not issuer_id or not issuer_id.startswith("did:"):
        return Check(name, Outcome.not_valid, f"{what} does not name its issuer by a DID, so its key cannot be found.")
    if did_of(method) != issuer_id:
        return Check(name, Outcome.not_valid, f"{what} was signed with a key that does not belong to its issuer.")
    try:
        did_document = resolve(issuer_id)
    except Exception as error:  # any failure to fetch is "could not check", never "valid"
        detail = f" ({error})" if isinstance(error, FetchError) and str(error) else ""
        return Check(name, Outcome.could_not_check, f"The issuer's key could not be fetched{detail}.")
    try:
        key = public_key_for(did_document, method)
    except DidError as error:
        return Check(name, Outcome.not_valid, f"{what}: {error}")
    result = check_prepared(prepared, document, key)
    if result.is_valid:
        return Check(name, Outcome.valid, f"{what}: the signature matches the issuer's key.")
    if result.failure in (ProofFailure.unknown_context, ProofFailure.unsupported_cryptosuite):
        return Check(name, Outcome.could_not_check, f"{what} could not be checked: {result.reason}")
    if result.failure is ProofFailure.signature_mismatch:
        return Check(name, Outcome.not_valid,
                     "The signature does not match: the credential was changed after it was issued."
                     if what == "The credential" else f"{what}: {result.reason}")
    return Check(name, Outcome.not_valid, f"{what}: {result.reason}")


def check_dates(view: dict[str, Any], now: datetime) -> list[Check]:
    """Validity dates from the signed view: a date stated twice (two statements) counts as not valid."""
    checks = []
    valid_from = view.get("validFrom")
    start = _parse_time(valid_from)
    if valid_from is not None and start is None:
        checks.append(Check("dates", Outcome.not_valid, "The credential's start date is not a valid date."))
    elif start is not None and start > now:
        checks.append(Check("dates", Outcome.not_valid, f"The credential is not valid until {human_date(start)}."))
    valid_until = view.get("validUntil")
    end = _parse_time(valid_until)
    if valid_until is not None and end is None:
        checks.append(Check("dates", Outcome.not_valid, "The credential's expiry date is not a valid date."))
    elif end is not None and end <= now:
        checks.append(Check("dates", Outcome.not_valid, f"The credential expired on {human_date(end)}."))
    if not checks:
        message = f"Not expired (valid until {human_date(end)})." if end else "The credential has no expiry date."
        checks.append(Check("dates", Outcome.valid, message))
    return checks


@dataclass(frozen=True)
class _ListState:
    """A status list whose authenticity is established: its bits, purposes and publication time."""

    purposes: tuple[str, ...]
    bits: Bitstring
    published: datetime | None


def _status_list_state(entry: StatusEntry, issuer_id: str | None, resolve: _Memo,
                       fetch_status_list: StatusListFetcher, now: datetime, name: str,
                       budget: WorkBudget | None) -> _ListState | Check:
    try:
        status_list = fetch_status_list(entry.list_credential)
    except Exception as error:
        detail = f" ({error})" if isinstance(error, FetchError) and str(error) else ""
        return Check(name, Outcome.could_not_check, f"The issuer's {_purpose_words(entry)} list could not be fetched"
                                                    f"{detail}.")
    if isinstance(status_list, LocalStatusList):  # this installation's own list, read from its database
        if status_list.url != entry.list_credential or status_list.issuer != issuer_id:
            return Check(name, Outcome.could_not_check, "The status list was not published by the credential's issuer.")
        return _ListState((status_list.purpose.value,), status_list.bits, status_list.changed_at)
    if not isinstance(status_list, dict):
        return Check(name, Outcome.could_not_check, "The issuer's status list is not a status list credential.")
    try:
        prepared = prepare_proof(status_list, budget=budget)
    except TooComplex:
        return Check(name, Outcome.could_not_check, "The issuer's status list is too large or complex to check.")
    view = prepared.view
    if view is None or LIST_CREDENTIAL_TYPE not in _types(view):
        if prepared.failure is not None:
            return Check(name, Outcome.could_not_check, f"The issuer's status list: {prepared.reason}")
        return Check(name, Outcome.could_not_check, "The issuer's status list is not a status list credential.")
    if view.get("id") != entry.list_credential:
        return Check(name, Outcome.could_not_check, "The status list fetched is not the one the credential names.")
    list_issuer, _ = _issuer(view)
    if list_issuer != issuer_id:
        return Check(name, Outcome.could_not_check, "The status list was not published by the credential's issuer.")
    signature = _check_signature(status_list, prepared, list_issuer, resolve, what="The issuer's status list",
                                 name=name)
    if signature.outcome is not Outcome.valid:
        # An unverifiable list cannot vouch for the credential either way.
        return Check(name, Outcome.could_not_check, signature.message)
    list_until = _parse_time(view.get("validUntil"))
    if list_until is not None and list_until <= now:
        return Check(name, Outcome.could_not_check, "The issuer's status list is out of date.")
    subject = view.get("credentialSubject")
    purposes = subject.get("statusPurpose") if isinstance(subject, dict) else None
    purposes = tuple(item for item in (purposes if isinstance(purposes, list) else [purposes]) if isinstance(item, str))
    if not isinstance(subject, dict) or LIST_SUBJECT_TYPE not in _types(subject):
        return Check(name, Outcome.could_not_check, "The issuer's status list is not a status list credential.")
    try:
        bits = Bitstring.decode(subject.get("encodedList"))
    except StatusListError as error:
        return Check(name, Outcome.could_not_check, f"The issuer's status list could not be read: {error}")
    return _ListState(purposes, bits, _parse_time(view.get("validFrom")))


def _purpose_words(entry: StatusEntry) -> str:
    return "status" if entry.purpose is StatusPurpose.message else entry.purpose.value


def _check_status(entry_json: Any, issuer_id: str | None, resolve: _Memo,
                  fetch_status_list: StatusListFetcher, now: datetime,
                  budget: WorkBudget | None = None) -> list[Check]:
    try:
        entry = StatusEntry.from_json(entry_json)
    except StatusListError as error:
        return [Check("status", Outcome.could_not_check, f"The credential's status could not be checked: {error}")]
    name = "status" if entry.purpose is StatusPurpose.message else f"status:{entry.purpose.value}"
    state = _status_list_state(entry, issuer_id, resolve, fetch_status_list, now, name, budget)
    if isinstance(state, Check):
        return [state]
    if entry.purpose.value not in state.purposes:
        return [Check(name, Outcome.could_not_check, "The issuer's status list is for a different purpose.")]
    try:
        value = state.bits.value(entry.index, entry.size)
    except StatusListError as error:
        return [Check(name, Outcome.could_not_check, f"The issuer's status list could not be read: {error}")]
    when = f" on {human_date(state.published)}" if state.published else ""
    if entry.purpose is StatusPurpose.message:
        message = (entry.message_for(value) or "").strip().lower()
        if message in REVOKED_MESSAGES:
            label = "Revoked"
        elif message in SUSPENDED_MESSAGES:
            label = "Suspended"
        elif value == 0 or message in UNSET_MESSAGES:
            return [Check(name, Outcome.valid, "Not revoked or suspended (checked with the issuer's status list).")]
        else:
            return [Check(name, Outcome.could_not_check,
                          f"The issuer's status for this credential is {message or hex(value)!r}, which this service "
                          "does not know how to read.")]
        return [Check(name, Outcome.not_valid, f"{label} by the issuer (recorded in its status list published{when}).")]
    if value:
        label = "Revoked" if entry.purpose is StatusPurpose.revocation else "Suspended"
        return [Check(name, Outcome.not_valid, f"{label} by the issuer (recorded in its status list published{when}).")]
    verb = "revoked" if entry.purpose is StatusPurpose.revocation else "suspended"
    return [Check(name, Outcome.valid, f"Not {verb} (checked with the issuer's status list).")]


def verify_credential(
    credential: Any,
    *,
    resolve_did: DidResolver,
    fetch_status_list: StatusListFetcher,
    now: datetime | None = None,
    status_proof_cache: Any = None,
    budget: WorkBudget | None = None,
    prepared: PreparedProof | None = None,
) -> VerificationResult:
    """Check one credential; never raises for a bad credential or an unreachable issuer.

    Every fact the outcome depends on (issuer, validity dates, status entries,
    types) is read from the credential's signed view, the RDF statements its
    proof covers, never from JSON keys: an RDF-identical rewrite of a document
    gets the same outcome.  ``prepared`` may be given by a caller that already
    knows the document (a byte-identical copy of one this installation issued);
    ``status_proof_cache`` is accepted for compatibility (status list proofs are
    remembered by content in :mod:`competency.passport.dataintegrity`).

    :raises TooComplex: the credential is over the limits of what this
        installation checks (depth, values, blank nodes, canonicalisation work);
        that is a refusal to do the work, not a verdict.
    """
    now = now or datetime.now(UTC)
    if not isinstance(credential, dict):
        return VerificationResult(Outcome.not_valid, (Check("format", Outcome.not_valid, "This is not a credential."),))
    context = credential.get("@context")
    first_context = context[0] if isinstance(context, list) and context else context
    details = _details(credential)
    if first_context != CREDENTIALS_V2:
        check = Check("format", Outcome.not_valid, "This is not a W3C Verifiable Credential 2.0.")
        return VerificationResult(Outcome.not_valid, (check,), **details)
    prepared = prepared or prepare_proof(credential, budget=budget)
    view = prepared.view
    if prepared.failure is None and view is None:
        check = Check("format", Outcome.not_valid, "This is not a W3C Verifiable Credential 2.0.")
        return VerificationResult(Outcome.not_valid, (check,), verification_method=prepared.method, **details)
    if view is not None:
        details = _details(view, credential)
    resolve = _Memo(resolve_did)
    signature = _check_signature(credential, prepared, details["issuer_id"], resolve, what="The credential",
                                 name="signature")
    if signature.outcome is not Outcome.valid or view is None:
        checks = [signature]
    else:
        checks = [signature, *check_dates(view, now)]
        # Status entries of an unverified credential are untrusted URLs: not fetched.
        for entry in status_entries(view):
            checks.extend(_check_status(entry, details["issuer_id"], resolve, fetch_status_list, now, budget))
    outcome = max((check.outcome for check in checks), key=_SEVERITY.__getitem__)
    return VerificationResult(outcome, tuple(checks), verification_method=prepared.method, **details)


def _details(source: dict[str, Any], credential: dict[str, Any] | None = None) -> dict[str, Any]:
    issuer_id, issuer_name = _issuer(source)
    return {
        "credential_id": _text(source.get("id")),
        "name": _text(source.get("name")),
        "issuer_id": issuer_id,
        "issuer_name": issuer_name,
        "valid_from": _text(source.get("validFrom")),
        "valid_until": _text(source.get("validUntil")),
        "credential": credential if credential is not None else source,
        "view": source if credential is not None else None,
    }


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
    budget: WorkBudget | None = None,
) -> list[VerificationResult]:
    """Verify every credential in an upload (one credential or a bundle), in order.

    :raises ValueError: the payload is neither a credential nor a bundle.
    """
    now = now or datetime.now(UTC)
    return [
        verify_credential(credential, resolve_did=resolve_did, fetch_status_list=fetch_status_list, now=now,
                          budget=budget)
        for credential in extract_credentials(payload)
    ]
