"""Bringing a passport to a new employer ("say it once").

The practitioner uploads their bundle or gives a share link.  Every credential
is verified here and now, and the result is recorded on an :class:`ImportItem`.
Credentials that are Valid and name this practitioner (their email or
registration matches the salted hashes) go into their passport here and wait
for a lead.  A lead accepting a sign-off credential makes a **recognised prior
sign-off** (the sign-off area's ``record_recognised_signoff``), with the
issuer, assessor and date as provenance; it then counts as signed everywhere
and is never requested again.  Acceptance re-verifies first, so a credential
revoked since the import is refused.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.accounts.policies import can_lead, org_ids_with_role
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import DomainError, PermissionDenied
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport.issuing import store_credential
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    CredentialOrigin,
    ImportDecision,
    ImportItem,
    ImportSource,
    PassportCredential,
)
from competency.passport.verification import Outcome
from competency.passport.verifying import CheckedCredential, UnreadableUpload, check_credential, check_payload


RECOGNISED_RECORDS = (CredentialKind.employment, CredentialKind.completion, CredentialKind.progress)
_SHA256_HEX = re.compile(r"\b[0-9a-f]{64}\b")


def cited_evidence(document: Any) -> list[dict]:
    """The evidence a sign-off credential says it cited: [{"content_hash", "kind"}], read defensively.

    Kept on the recognised sign-off so evidence counts elsewhere (readiness checklists) count
    evidence that exists only in another employer's records, once.
    """
    out, seen = [], set()
    entries = document.get("evidence") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        match = _SHA256_HEX.search(str(entry.get("description") or ""))
        if match is None or match.group(0) in seen:
            continue
        seen.add(match.group(0))
        out.append({"content_hash": match.group(0), "kind": str(entry.get("genre") or "Evidence")[:60]})
    return out


class NoLongerValid(DomainError):
    """Re-checked at acceptance, the credential is no longer valid (the new result is kept)."""


def holder_matches(document: Any, holder: User) -> bool:
    registration = (ob.Registration(holder.registration_body, holder.registration_number)
                    if holder.registration_body and holder.registration_number else None)
    return isinstance(document, dict) and (
        ob.identity_matches(document, email=holder.email)
        or (registration is not None and ob.identity_matches(document, registration=registration)))


def can_import_to(holder: User, organisation: Organisation) -> bool:
    return organisation.id in org_ids_with_role(holder)


def _apply_check(item: ImportItem, checked: CheckedCredential, holder: User) -> None:
    """Record a check; whether it names the holder is read from the signed view (the statements the proof covers)."""
    item.outcome = checked.outcome
    item.reasons = checked.result.reasons
    item.checked_at = utcnow()
    view = checked.result.view if checked.result.is_valid else None
    item.is_holder_match = view is not None and holder_matches(view, holder)
    if item.decision in (ImportDecision.pending, ImportDecision.not_acceptable):
        acceptable = checked.outcome is Outcome.valid and item.is_holder_match
        item.decision = ImportDecision.pending if acceptable else ImportDecision.not_acceptable


def _add_to_passport(item: ImportItem, holder: User, checked: CheckedCredential) -> None:
    """A valid credential naming the holder joins their passport here (once), named from its signed view."""
    if item.passport_credential_id is not None or not item.credential_uri:
        return
    existing = db.session.scalar(sa.select(PassportCredential).where(
        PassportCredential.holder_id == holder.id, PassportCredential.credential_uri == item.credential_uri))
    if existing is None:
        existing = store_credential(item.document, holder_id=holder.id, origin=CredentialOrigin.imported,
                                    summary=checked.summary)
        db.session.flush()
    item.passport_credential_id = existing.id


def import_credentials(holder: User, organisation: Organisation, payload: Any, *, source: ImportSource,
                       source_url: str | None = None) -> CredentialImport:
    """Verify and record every credential of a bundle brought to ``organisation``.

    :raises PermissionDenied: the holder does not belong to the organisation.
    :raises UnreadableUpload: the payload holds no credentials.
    """
    if not can_import_to(holder, organisation):
        raise PermissionDenied("You can only bring your passport to an organisation you belong to.",
                               field="organisation_id")
    checked = check_payload(payload)
    record = CredentialImport(holder_id=holder.id, organisation_id=organisation.id, source=source,
                              source_url=(source_url or None) and source_url[:500])
    db.session.add(record)
    for position, result in enumerate(checked):
        summary = result.summary
        item = ImportItem(
            position=position, document=result.result.credential, credential_uri=summary.credential_uri,
            kind=CredentialKind(summary.kind), name=summary.name, issuer_did=summary.issuer_did,
            issuer_name=summary.issuer_name or result.issuer.name, capability_uuid=summary.capability_uuid,
            capability_code=summary.capability_code, level_name=summary.level_name,
            assessor_name=summary.assessor_name, awarded_on=summary.awarded_on,
            outcome=result.outcome, decision=ImportDecision.pending)
        _apply_check(item, result, holder)
        record.items.append(item)
    db.session.flush()
    for item, result in zip(record.items, checked):
        if item.decision == ImportDecision.pending:
            _add_to_passport(item, holder, result)
    record_event("passport.imported", actor=holder, organisation=organisation, subject=record,
                 data={"source": source.value, "credentials": len(record.items),
                       "valid": sum(1 for i in record.items if i.outcome is Outcome.valid)})
    return record


def recheck(record: CredentialImport, *, by: User) -> CredentialImport:
    """Verify every undecided item again (e.g. the issuer was unreachable at import)."""
    for item in record.items:
        if item.decision in (ImportDecision.pending, ImportDecision.not_acceptable):
            checked = _recheck(item)
            _apply_check(item, checked, record.holder)
            if item.decision == ImportDecision.pending:
                _add_to_passport(item, record.holder, checked)
    record_event("passport.import_rechecked", actor=by, organisation=record.organisation_id, subject=record)
    return record


def _recheck(item: ImportItem) -> CheckedCredential:
    """Verify an imported credential again; one now too costly to check is no longer valid."""
    try:
        return check_credential(item.document)
    except UnreadableUpload as error:
        db.session.flush()
        raise NoLongerValid(f"This credential cannot be recognised: {error.message}") from None


def _require_lead(item: ImportItem, by: User) -> CredentialImport:
    record = item.credential_import
    if not can_lead(by, record.organisation_id):
        raise PermissionDenied("Only a lead of the receiving organisation can decide on imported credentials.")
    if by.id == record.holder_id:
        raise PermissionDenied("Nobody can recognise their own credentials.", rule="not_self")
    if item.decision != ImportDecision.pending:
        raise DomainError(f"This credential has already been decided ({item.decision_label.lower()}).")
    return record


def _local_level_code(level_uuid: str | None, level_name: str | None) -> str:
    from competency.frameworks.models import Level

    if level_uuid:
        code = db.session.scalar(sa.select(Level.code).where(Level.uuid == level_uuid).limit(1))
        if code:
            return code
    return (level_name or "not stated")[:60]


def accept(item: ImportItem, *, by: User) -> ImportItem:
    """Recognise a valid imported credential; sign-offs become recognised prior sign-offs.

    :raises DomainError: not pending, no longer valid on re-check, or already signed here.
    """
    record = _require_lead(item, by)
    checked = _recheck(item)
    _apply_check(item, checked, record.holder)
    if item.decision != ImportDecision.pending:
        reasons = " ".join(item.reasons)
        db.session.flush()
        raise NoLongerValid(f"This credential is no longer valid, so it cannot be recognised. {reasons}".strip())
    summary = checked.summary
    if item.kind == CredentialKind.signoff and item.capability_uuid:
        from competency.signoff.capabilities import find_capability
        from competency.signoff.services import record_recognised_signoff

        capability = find_capability(item.capability_uuid)
        body, _, number = (summary.assessor_registration or "").partition(" ")
        awarded = summary.awarded_on
        signed_at = (datetime.fromisoformat(checked.result.valid_from.replace("Z", "+00:00"))
                     if checked.result.valid_from else datetime.combine(awarded, time(12), tzinfo=UTC))
        signoff = record_recognised_signoff(
            record.holder, organisation=record.organisation, actor=by, capability_uuid=item.capability_uuid,
            capability_code=item.capability_code or (capability.code if capability else "unknown"),
            level_code=_local_level_code(summary.level_uuid, summary.level_name), signed_at=signed_at,
            assessor_name=summary.assessor_name or "Not stated",
            issuer_name=item.issuer_name or summary.issuer_did or "Unknown issuer", issuer_did=item.issuer_did,
            credential_id=item.credential_uri, framework_version_id=capability.version_id if capability else None,
            assessor_profession=summary.assessor_profession, assessor_registration_body=body or None,
            assessor_registration_number=number or None, evidence_hashes=cited_evidence(item.document))
        item.signoff_id = signoff.id
    elif item.kind in RECOGNISED_RECORDS:
        # Say it once: employment history and programmes count here too (competency.recognition).
        from competency.recognition.services import recognise_credential

        recognise_credential(item.kind.value, record.holder, record.organisation, item.document,
                             issuer_did=item.issuer_did, issuer_name=item.issuer_name or "Unknown issuer",
                             credential_uri=item.credential_uri or "", by=by)
    item.decision = ImportDecision.accepted
    item.decided_by_id = by.id
    item.decided_at = utcnow()
    db.session.flush()
    record_event("passport.import_accepted", actor=by, organisation=record.organisation_id, subject=item,
                 data={"credential": item.credential_uri, "issuer": item.issuer_did,
                       "holder_id": record.holder_id})
    return item


def decline(item: ImportItem, *, by: User) -> ImportItem:
    record = _require_lead(item, by)
    item.decision = ImportDecision.declined
    item.decided_by_id = by.id
    item.decided_at = utcnow()
    record_event("passport.import_declined", actor=by, organisation=record.organisation_id, subject=item,
                 data={"credential": item.credential_uri, "holder_id": record.holder_id})
    return item
