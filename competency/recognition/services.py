"""Recording what a person brings from earlier employers. Services flush; callers commit.

The rule for employment elsewhere (issue 16.4): nobody adds a post at an organisation
they do not belong to. The person may *declare* a previous post themselves; it is
shown as declared and does not count for anything until it is verified, either by
an employment credential from that employer that a lead recognises at import (the
usual way), or by a lead of the person's current employer who checked a reference
(for employers that issue no credentials).
"""
from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import current_employer_ids, has_role
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.passport.records import EmploymentClaim, ProgrammeClaim, read_employment, read_programme
from competency.recognition.models import EmploymentSource, PriorEmployment, RecognisedKind, RecognisedProgramme

LEVEL_CODES = ("support", "senior_support", "assistant_practitioner", "pre_registration", "registered", "enhanced",
               "advanced", "consultant")
MAX_NOTE = 2000


def _overlaps(record: PriorEmployment, start_on: date, end_on: date | None) -> bool:
    far = date.max
    return record.start_on <= (end_on or far) and start_on <= (record.end_on or far)


def _level_code(level_uuid: str | None, level_name: str | None) -> str:
    from competency.frameworks.models import Level

    if level_uuid:
        code = db.session.scalar(sa.select(Level.code).where(Level.uuid == level_uuid).limit(1))
        if code:
            return code
    if level_name:
        code = db.session.scalar(sa.select(Level.code).where(sa.func.lower(Level.name) == level_name.lower())
                                 .limit(1))
        if code:
            return code
    return "not_stated"


def _organisation_for(did: str | None) -> Organisation | None:
    if not did:
        return None
    from competency.passport.queries import organisation_for_did

    return organisation_for_did(did)


def recognise_employment(holder: User, organisation: Organisation, claim: EmploymentClaim, *, issuer_did: str | None,
                         issuer_name: str, credential_uri: str, by: User) -> PriorEmployment | None:
    """A verified previous post from an employment credential; None when the post is already here.

    A post at an organisation on this installation is already an Employment row (that
    organisation recorded it), so nothing is added. A declared post that overlaps the
    credential's dates at the same employer becomes verified instead of being duplicated.
    """
    employer = _organisation_for(issuer_did)
    if employer is not None and any(job.organisation_id == employer.id and job.start_on == claim.start_on
                                    for job in holder.employments):
        return None
    existing = db.session.scalar(sa.select(PriorEmployment).where(
        PriorEmployment.user_id == holder.id, PriorEmployment.credential_uri == credential_uri))
    if existing is not None:
        return existing
    name = (claim.employer_name or issuer_name)[:200]
    declared = next((r for r in db.session.scalars(sa.select(PriorEmployment).where(
        PriorEmployment.user_id == holder.id, PriorEmployment.source == EmploymentSource.declared,
        PriorEmployment.verified_at.is_(None)))
        if r.employer_name.strip().lower() == name.strip().lower() and _overlaps(r, claim.start_on, claim.end_on)),
        None)
    record = declared or PriorEmployment(user_id=holder.id, source=EmploymentSource.credential)
    record.employer_name, record.issuer_did = name, issuer_did
    record.organisation_id = employer.id if employer else None
    record.role_title, record.level_code = claim.role_title[:120], _level_code(claim.level_uuid, claim.level_name)
    record.band_label, record.fte = claim.band_label, claim.fte
    record.start_on, record.end_on, record.as_of_on = claim.start_on, claim.end_on, claim.as_of_on
    record.credential_uri = credential_uri
    record.verified_at, record.verified_by_id = utcnow(), by.id
    record.verification_note = f"Employment credential issued by {issuer_name}, recognised at {organisation.name}."
    db.session.add(record)
    db.session.flush()
    record_event("employment.prior_recognised", actor=by, organisation=organisation, subject=record,
                 data={"user_id": holder.id, "employer": name, "credential": credential_uri,
                       "start_on": claim.start_on.isoformat(), "end_on": claim.end_on.isoformat() if claim.end_on
                       else None})
    return record


def _template_for(claim: ProgrammeClaim) -> tuple[str | None, str | None]:
    """The template here the credential's programme is a version of (slug, version), if any."""
    from competency.passport.completions import PROGRAMME_NAMESPACE
    from competency.preceptorship.models import ProgrammeTemplate, TemplateVersion

    rows = db.session.execute(sa.select(ProgrammeTemplate.slug, TemplateVersion.version)
                              .join(TemplateVersion, TemplateVersion.template_id == ProgrammeTemplate.id)).all()
    for slug, version in rows:
        if claim.programme_id == str(uuid.uuid5(PROGRAMME_NAMESPACE, f"{slug}@{version}")):
            return slug, version
    if claim.slug and any(slug == claim.slug for slug, _ in rows):
        return claim.slug, claim.version
    return None, None


def recognise_programme(holder: User, organisation: Organisation, claim: ProgrammeClaim, kind: RecognisedKind, *,
                        issuer_did: str | None, issuer_name: str, credential_uri: str, by: User) -> RecognisedProgramme:
    """A completion or progress from another employer, recognised here (once per credential)."""
    existing = db.session.scalar(sa.select(RecognisedProgramme).where(
        RecognisedProgramme.user_id == holder.id, RecognisedProgramme.credential_uri == credential_uri))
    if existing is not None:
        return existing
    slug, version = _template_for(claim)
    record = RecognisedProgramme(
        user_id=holder.id, organisation_id=organisation.id, recognised_by_id=by.id, recognised_at=utcnow(), kind=kind,
        credential_uri=credential_uri, issuer_name=issuer_name[:200], issuer_did=issuer_did,
        programme_name=claim.name[:300], programme_kind=claim.kind, template_slug=slug, template_version=version,
        started_on=claim.started_on, ended_on=claim.ended_on,
        milestones=[{"code": code, "title": title, "completed_on": on.isoformat() if on else None}
                    for code, title, on in claim.milestones],
        evidence_counts=dict(claim.evidence_counts), practice_days=claim.practice_days)
    db.session.add(record)
    db.session.flush()
    record_event("programme.recognised", actor=by, organisation=organisation, subject=record,
                 data={"user_id": holder.id, "kind": kind.value, "programme": claim.name, "issuer": issuer_name,
                       "credential": credential_uri})
    return record


def recognise_credential(kind: str, holder: User, organisation: Organisation, document, *, issuer_did: str | None,
                         issuer_name: str, credential_uri: str, by: User) -> object | None:
    """For passport import: what an accepted employment, completion or progress credential becomes here.

    Reads the document defensively; a credential it cannot read is accepted with nothing recorded.
    """
    if kind == "employment":
        claim = read_employment(document)
        return recognise_employment(holder, organisation, claim, issuer_did=issuer_did, issuer_name=issuer_name,
                                    credential_uri=credential_uri, by=by) if claim else None
    if kind in ("completion", "progress"):
        claim = read_programme(document)
        if claim is None:
            return None
        return recognise_programme(holder, organisation, claim, RecognisedKind(kind), issuer_did=issuer_did,
                                   issuer_name=issuer_name, credential_uri=credential_uri, by=by)
    return None


# --- declared posts ----------------------------------------------------------------------------

def declare_prior_employment(holder: User, *, employer_name: str, role_title: str, level_code: str, start_on: date,
                             end_on: date | None, fte: float = 1.0, band_label: str | None = None,
                             today: date) -> PriorEmployment:
    """The person records a previous post; it counts once verified.

    :raises DomainError: a field is missing or the dates do not make sense.
    """
    employer_name, role_title = (employer_name or "").strip(), (role_title or "").strip()
    if not employer_name:
        raise DomainError("Enter the employer's name.", field="employer_name")
    if not role_title:
        raise DomainError("Enter your role title there.", field="role_title")
    if level_code not in LEVEL_CODES:
        raise DomainError("Choose the level of practice of the post.", field="level_code")
    if start_on > today:
        raise DomainError("A previous post starts in the past.", field="start_on")
    if end_on is not None and end_on < start_on:
        raise DomainError("The end date must be on or after the start date.", field="end_on")
    if end_on is not None and end_on > today:
        raise DomainError("A previous post ends today or earlier.", field="end_on")
    if not 0 < fte <= 1:
        raise DomainError("FTE must be more than 0 and at most 1, for example 1 or 0.6.", field="fte")
    record = PriorEmployment(user_id=holder.id, employer_name=employer_name[:200], role_title=role_title[:120],
                             level_code=level_code, band_label=(band_label or "").strip()[:40] or None,
                             start_on=start_on, end_on=end_on, fte=round(float(fte), 2),
                             source=EmploymentSource.declared, verification_note="")
    db.session.add(record)
    db.session.flush()
    record_event("employment.prior_declared", actor=holder, subject=record,
                 data={"user_id": holder.id, "employer": employer_name, "start_on": start_on.isoformat()})
    return record


def remove_declared(record: PriorEmployment, *, by: User) -> None:
    if record.user_id != by.id:
        raise PermissionDenied("Only the person who recorded a previous post can remove it.")
    if record.is_verified:
        raise Conflict("A verified post stays in your history; it cannot be removed.")
    record_event("employment.prior_removed", actor=by, subject=record,
                 data={"user_id": by.id, "employer": record.employer_name})
    db.session.delete(record)
    db.session.flush()


def can_verify(user: User | None, record: PriorEmployment, today: date) -> bool:
    """A lead of an organisation where the person works now (never the person themselves)."""
    if user is None or record.user_id == user.id or record.is_verified:
        return False
    return any(has_role(user, org_id, Role.lead) for org_id in current_employer_ids(record.user, today))


def verify_prior_employment(record: PriorEmployment, *, by: User, note: str, today: date) -> PriorEmployment:
    """A lead confirms a declared post after checking a reference; from then on it counts."""
    if not can_verify(by, record, today):
        raise PermissionDenied("Only a lead where this person works now can verify a previous post.")
    note = (note or "").strip()
    if not note:
        raise DomainError("Say how you checked it, for example 'Reference from the care home manager, 3 May'.",
                          field="note")
    if len(note) > MAX_NOTE:
        raise DomainError(f"Keep the note to {MAX_NOTE:,} characters.", field="note")
    record.verified_at, record.verified_by_id, record.verification_note = utcnow(), by.id, note
    db.session.flush()
    where = min(org for org in current_employer_ids(record.user, today) if has_role(by, org, Role.lead))
    record_event("employment.prior_verified", actor=by, organisation=where, subject=record, data={"user_id": record.user_id, "employer": record.employer_name, "note": note})
    return record
