"""Verifying uploads and share links, and saying who the issuer is (the trust list).

Trust is separate from validity: a credential whose signature, key, dates and
status all check out is Valid whoever issued it; the page then says whether
the issuer is one this installation knows (an organisation here, or an entry
on the administrators' trust list) or an issuer it does not know.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from competency import bounded_json
from competency.accounts.models import SECTOR_LABELS, Organisation, Sector, User
from competency.audit.services import record_event
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.passport import freshness, resolver
from competency.passport.canonical import TooComplex, WorkBudget
from competency.passport.dataintegrity import PreparedProof, ProofError, document_digest, read_proof
from competency.passport.did import DidError, did_web_to_url
from competency.passport.keys import base_url, did_for
from competency.passport.models import TrustedIssuer
from competency.passport.policies import can_manage_trust_list
from competency.passport.summary import AssessingOrganisation, CredentialSummary, assessing_organisation_of, summarise
from competency.passport.verification import (
    Check,
    FetchError,
    Outcome,
    VerificationResult,
    check_dates,
    extract_credentials,
    verify_credential,
)

MAX_CREDENTIALS = 500

# What a recruiter reads under each outcome.
OUTCOME_EXPLANATIONS = {
    Outcome.valid: "This credential is genuine: the issuer's signature checks, the issuer has not revoked or "
                   "suspended it, and it has not expired.",
    Outcome.not_valid: "Do not rely on this credential.",
    Outcome.could_not_check: "We could not confirm this credential. It has not been shown to be genuine; "
                             "try again later or contact the issuer.",
}


class UnreadableUpload(DomainError):
    """The upload or link did not give a credential or passport bundle (or one too costly to check)."""

    def __init__(self, message: str, *, status: int = 422, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status


@dataclass(frozen=True)
class IssuerTrust:
    is_known: bool
    name: str | None
    sector: str | None
    source: str | None  # "this installation" | "trust list"

    @property
    def label(self) -> str:
        if not self.is_known:
            return "Not on this service's list of known issuers"
        sector = f", {self.sector}" if self.sector else ""
        return f"Known issuer: {self.name}{sector}"


@dataclass(frozen=True)
class CheckedCredential:
    result: VerificationResult
    summary: CredentialSummary
    issuer: IssuerTrust

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome

    @property
    def explanation(self) -> str:
        return OUTCOME_EXPLANATIONS[self.result.outcome]

    @property
    def colour(self) -> str:
        return {Outcome.valid: "green", Outcome.not_valid: "red", Outcome.could_not_check: "yellow"}[self.outcome]

    @property
    def assessing_organisation(self) -> AssessingOrganisation | None:
        """The assessor's organisation, read from the signed view only, and only when the issuer's signature
        holds (a revoked or expired credential still says who signed it; a changed one says nothing)."""
        signature = next((check for check in self.result.checks if check.name == "signature"), None)
        if self.result.view is None or signature is None or signature.outcome is not Outcome.valid:
            return None
        return assessing_organisation_of(self.result.view)

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["explanation"] = self.explanation
        data["issuer"].update({"is_known": self.issuer.is_known, "known_name": self.issuer.name,
                               "sector": self.issuer.sector, "known_from": self.issuer.source})
        data["summary"] = {
            "kind": self.summary.kind, "holder_name": self.summary.holder_name,
            "achievement": self.summary.achievement_name, "capability_code": self.summary.capability_code,
            "pillar": self.summary.pillar, "level": self.summary.level_name,
            "assessor": self.summary.assessor_name, "assessor_registration": self.summary.assessor_registration,
            "awarded_on": self.summary.awarded_on.isoformat() if self.summary.awarded_on else None,
        }
        assessing = self.assessing_organisation
        data["summary"]["assessing_organisation"] = assessing.to_json() if assessing is not None else None
        return data


def issuer_trust(did: str | None, own=None) -> IssuerTrust:
    """Whether the issuer is one of ours (``own``, when the caller already read it) or on the trust list."""
    if not did:
        return IssuerTrust(False, None, None, None)
    if own is None:
        slug = resolver._own_slug(did)
        own = freshness.own_issuer(slug) if slug is not None else None
    if own is not None:
        return IssuerTrust(True, own.name, SECTOR_LABELS[own.sector], "this installation")
    entry = db.session.scalar(sa.select(TrustedIssuer).where(TrustedIssuer.did == did))
    if entry is not None:
        return IssuerTrust(True, entry.name, SECTOR_LABELS[entry.sector], "trust list")
    return IssuerTrust(False, None, None, None)


def _issued_here(credential: Any) -> tuple[PreparedProof | None, freshness.IssuedHere | None, str | None]:
    """For a byte-identical copy of a credential this installation issued: the proof facts, without RDF work.

    We signed exactly this JSON (its digest matches the stored signed document),
    and our documents use only the compact VC 2.0 / OB 3.0 terms, so the JSON
    is its own signed view.  The key is still looked up in the current DID
    document and the status in the current list, every time (or the whole
    answer is taken from a check made under the same stamp).
    """
    if not isinstance(credential, dict):
        return None, None, None
    digest = document_digest(credential)
    found = freshness.issued_here(digest.hex()) if digest is not None else None
    if found is None:
        return None, None, None
    try:
        proof = read_proof(credential)
    except ProofError:
        return None, None, None
    view = {key: value for key, value in credential.items() if key != "proof"}
    freshness.remember(found.issuer)
    prepared = PreparedProof(None, "", proof["verificationMethod"], view=view, issued_here=True)
    return prepared, found, digest.hex()


def _dates(result: VerificationResult) -> list[Check]:
    return [check for check in result.checks if check.name == "dates"]


def check_credential(credential: Any, *, now: datetime | None = None,
                     budget: WorkBudget | None = None) -> CheckedCredential:
    """Verify one credential and say who issued it.

    A credential issued here is answered from a check of the same JSON made
    under the organisation's current stamp, when the clock gives the same date
    checks (see :mod:`competency.passport.freshness`).

    :raises UnreadableUpload: the credential is over the limits of what this
        service checks (too deep, too many values or blank nodes, too costly
        to canonicalise): answered 422, never checked as far as a verdict.
    """
    now = now or datetime.now(UTC)
    with resolver.request_budget(), freshness.one_reading():
        prepared, found, digest_hex = _issued_here(credential)
        key = freshness.check_key(digest_hex, found.issuer, base_url()) if found is not None else None
        remembered = freshness.remembered_check(key) if key is not None else None
        if remembered is not None and remembered.result.view is not None and \
                check_dates(remembered.result.view, now) == _dates(remembered.result):
            return remembered
        with freshness.consulting() as consulted:
            try:
                result = verify_credential(credential, resolve_did=resolver.resolve_did,
                                           fetch_status_list=resolver.fetch_status_list, now=now,
                                           budget=budget or WorkBudget(deadline=_deadline()), prepared=prepared)
            except TooComplex as error:
                raise UnreadableUpload(f"This credential cannot be checked: {error}") from None
        # A valid credential is described from its signed view; anything else from its JSON (display only).
        summary = summarise(result.view if result.is_valid and result.view is not None else credential)
        own = found.issuer if found is not None and result.issuer_id == own_did(found.issuer) else None
        checked = CheckedCredential(result, summary, issuer_trust(result.issuer_id, own))
        if key is not None and own is not None and consulted == {own}:
            freshness.remember_check(key, checked)
        return checked


def own_did(own) -> str:
    from competency.passport.did import organisation_did

    return organisation_did(base_url(), own.slug)


def _deadline() -> float:
    budget = resolver.current_budget()
    if budget is not None:
        return budget.deadline
    return time.monotonic() + float(current_app.config.get("PASSPORT_VERIFY_DEADLINE_SECONDS", 5.0))


def check_payload(payload: Any, *, now: datetime | None = None) -> list[CheckedCredential]:
    """Verify every credential in a credential or bundle, within one request budget (time and fetches).

    :raises UnreadableUpload: neither a credential nor a bundle, too many
        credentials, or a credential too costly to check.
    """
    try:
        credentials = extract_credentials(payload)
    except ValueError as error:
        raise UnreadableUpload(str(error)) from None
    if not credentials:
        raise UnreadableUpload("The bundle holds no credentials.")
    if len(credentials) > MAX_CREDENTIALS:
        raise UnreadableUpload(f"The bundle holds more than {MAX_CREDENTIALS} credentials.")
    now = now or datetime.now(UTC)
    with resolver.request_budget() as budget, freshness.one_reading():
        work = WorkBudget(deadline=budget.deadline)
        return [check_credential(credential, now=now, budget=work) for credential in credentials]


def parse_upload(raw: bytes) -> Any:
    """The JSON in an uploaded file, read within the app's JSON limits (size, depth, values, surrogates).

    :raises UnreadableUpload: not UTF-8 JSON, or over a limit (status 413 when too large, else 422).
    """
    try:
        return bounded_json.loads(raw, what="The file")
    except bounded_json.JSONLimitError as error:
        raise UnreadableUpload(error.message, status=error.status) from None
    except ValueError:
        raise UnreadableUpload("The file is not a JSON credential or passport bundle.") from None


def payload_from_share_url(url: str) -> Any:
    """The bundle behind a share link, here or on another installation (or a QR code's credential link here).

    :raises UnreadableUpload: not a share link, or the link is revoked, expired or unreachable.
    """
    from competency.passport import sharing

    url = (url or "").strip()
    own_credential = f"{base_url()}/verify/c/"
    if url.startswith(own_credential):  # a scanned QR code from one of our PDFs
        from competency.passport.queries import credential_by_public_id

        found = credential_by_public_id(url[len(own_credential):].split("?", 1)[0].strip("/"))
        if found is None:
            raise UnreadableUpload("No credential here has that link.")
        return found.document
    token = sharing.token_from_url(url, base_url())
    if token is not None:
        share = sharing.open_share(token, channel="verify")
        if share is None:
            raise UnreadableUpload("This share link has expired or was withdrawn by its holder.")
        return sharing.bundle_for(share)
    if not url.startswith(("https://", "http://")):
        raise UnreadableUpload("Enter the full share link, starting with https://")
    try:
        return resolver.fetch_shared_bundle(url)
    except FetchError as error:
        if "404" in str(error):
            raise UnreadableUpload("This share link has expired or was withdrawn by its holder.") from None
        raise UnreadableUpload(f"The share link could not be opened: {error}.") from None


# -- the trust list ---------------------------------------------------------------------------

def _require_trust_list_manager(user: User) -> None:
    if not can_manage_trust_list(user):
        raise PermissionDenied("Only a trust-list manager changes the trust list.")


def add_trusted_issuer(*, did: str, name: str, sector: Sector, by: User) -> TrustedIssuer:
    """:raises PermissionDenied: ``by`` manages no trust list; DomainError: not a did:web; Conflict: already listed."""
    _require_trust_list_manager(by)
    did = did.strip()
    try:
        did_web_to_url(did)
    except DidError:
        raise DomainError("Enter the issuer's identifier, starting did:web:", field="did") from None
    if db.session.scalar(sa.select(TrustedIssuer.id).where(TrustedIssuer.did == did)):
        raise Conflict("That issuer is already on the trust list.", field="did")
    entry = TrustedIssuer(did=did, name=name.strip(), sector=sector, added_by_id=by.id)
    db.session.add(entry)
    db.session.flush()
    record_event("passport.trusted_issuer_added", actor=by, subject=entry, data={"did": did, "name": entry.name})
    return entry


def remove_trusted_issuer(entry: TrustedIssuer, *, by: User) -> None:
    """:raises PermissionDenied: ``by`` manages no trust list."""
    _require_trust_list_manager(by)
    record_event("passport.trusted_issuer_removed", actor=by, subject=entry, data={"did": entry.did,
                                                                                  "name": entry.name})
    db.session.delete(entry)
    db.session.flush()


def own_issuers() -> list[tuple[Organisation, str]]:
    """This installation's organisations that have issued credentials or hold a key, with their DIDs."""
    from competency.passport.models import SigningKey

    organisations = db.session.scalars(
        sa.select(Organisation).where(sa.exists().where(SigningKey.organisation_id == Organisation.id))
        .order_by(Organisation.name))
    return [(organisation, did_for(organisation)) for organisation in organisations]
