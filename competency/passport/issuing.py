"""Issuing credentials for sign-offs and programme completions, and revoking them.

When credentials are made (decision): signing costs about 20 ms of CPU
(RDF canonicalisation), so it never happens inside the sign-off request.
Credentials are issued lazily, the first time the holder's passport is needed
(passport page, downloads, sharing, the API) by :func:`ensure_issued`, and in
the background by the ``worker.passport_tasks.issue_pending`` task; both call
the same idempotent :func:`issue_signoff_credential`.  A signed document is
stored and never re-signed, so every later view costs no signature.

Revocation: revoking a sign-off (a ``SignOffRevocation`` row, written by the
sign-off area) sets the credential's bit in the revocation list in the same
transaction, through the session hook in :mod:`competency.passport.hooks`;
:func:`reconcile_revocations` catches up anything the hook could not see.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Organisation, User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport.assessors import assessor_identifier
from competency.passport.did import organisation_did
from competency.passport.keys import base_url, signer_for
from competency.passport.models import CredentialKind, CredentialOrigin, PassportCredential
from competency.passport.dataintegrity import document_digest
from competency.passport.status import allocate, set_status
from competency.passport.statuslist import StatusPurpose
from competency.passport.summary import summarise
from competency.uniqueness import UniqueViolation, unique_savepoint

log = logging.getLogger(__name__)
CASE_ITEM_PATH = "/ims/case/v1p1/CFItems/"


def holder_of(user: User) -> ob.Holder:
    registration = (ob.Registration(user.registration_body, user.registration_number)
                    if user.registration_body and user.registration_number else None)
    return ob.Holder(email=user.email, registration=registration, name=user.display_name)


def issuer_of(organisation: Organisation, did: str) -> ob.IssuerProfile:
    return ob.IssuerProfile(did=did, name=organisation.name, url=base_url())


def signoff_assessor(signoff) -> ob.Assessor:
    """The assessor as the sign-off recorded them: a registered one is named by the registration, an
    unregistered one (a trained assessor) by an identifier of their own, never a shared placeholder."""
    from competency.grants.models import AssessorBasis

    body, number = signoff.assessor_registration_body, signoff.assessor_registration_number
    registration = ob.Registration(body, number) if body and number else None
    is_trained = signoff.assessor_basis == AssessorBasis.trained_assessor
    profession = signoff.assessor_profession or ("Registered practitioner" if registration else
                                                 "Trained assessor" if is_trained else "Assessor")
    return ob.Assessor(name=signoff.assessor_name, profession=profession, registration=registration,
                       organisation=assessing_organisation_profile(signoff.assessing_organisation),
                       identifier=assessor_identifier(signoff.assessor_id) if registration is None else None,
                       is_trained_assessor=is_trained)


def assessing_organisation_profile(organisation: Organisation | None) -> ob.IssuerProfile | None:
    """The assessing organisation as a profile named by its DID (None when not recorded)."""
    if organisation is None:
        return None
    return ob.IssuerProfile(did=organisation_did(base_url(), organisation.slug), name=organisation.name)


def _evidence_records(hashes: list) -> list[ob.EvidenceRecord]:
    from competency.evidence.models import KIND_LABELS, Evidence

    ids = [item.get("evidence_id") for item in hashes if isinstance(item, dict)]
    kinds = dict(db.session.execute(sa.select(Evidence.id, Evidence.kind).where(Evidence.id.in_(ids))).all()) \
        if ids else {}
    records = []
    for item in hashes:
        if isinstance(item, dict) and isinstance(item.get("content_hash"), str):
            kind = kinds.get(item.get("evidence_id"))
            records.append(ob.EvidenceRecord(item["content_hash"], KIND_LABELS[kind] if kind else "Evidence"))
    return records


def signoff_facts(signoff, organisation: Organisation, did: str, credential_uuid: str,
                  status: list) -> ob.SignOffFacts:
    """The facts of a local sign-off, as the credential states them.

    :raises DomainError: the capability is not held here any more.
    """
    from competency.signoff.capabilities import find_capability

    capability = find_capability(signoff.capability_uuid, signoff.framework_version) \
        if signoff.framework_version is not None else None
    capability = capability or find_capability(signoff.capability_uuid)
    if capability is None:
        raise DomainError(f"Capability {signoff.capability_code} is not in any framework held here.")
    version = capability.version
    levels = sorted(version.levels, key=lambda level: level.position)
    level = next((item for item in levels if item.code == signoff.level_code), capability.level)
    return ob.SignOffFacts(
        credential_id=credential_uuid,
        issuer=issuer_of(organisation, did),
        holder=holder_of(signoff.practitioner),
        capability=ob.Capability(
            identifier=capability.uuid, code=capability.code, statement=capability.statement,
            pillar=capability.pillar.name, framework_name=f"{version.title} {version.version}",
            case_item_url=f"{base_url()}{CASE_ITEM_PATH}{capability.uuid}"),
        level=ob.Level(level.uuid, level.name),
        levels=[ob.Level(item.uuid, item.name) for item in levels],
        assessor=signoff_assessor(signoff),
        evidence=_evidence_records(signoff.evidence_hashes or []),
        signed_off_at=signoff.signed_at,
        status=status,
    )


def store_credential(document: dict, *, holder_id: int, origin: CredentialOrigin, public_id: str | None = None,
                     summary=None, **fields) -> PassportCredential:
    """Keep ``document`` byte for byte; ``summary`` (of an imported credential: from its signed view) names it."""
    summary = summary or summarise(document)
    digest = document_digest(document)
    row = PassportCredential(
        document_digest=digest.hex() if digest is not None else None,
        public_id=public_id or str(uuid.uuid4()), holder_id=holder_id, origin=origin,
        kind=CredentialKind(summary.kind), credential_uri=summary.credential_uri or f"urn:uuid:{uuid.uuid4()}",
        document=document, name=summary.name, issuer_did=summary.issuer_did or "unknown",
        issuer_name=summary.issuer_name or "Unknown issuer", capability_uuid=summary.capability_uuid,
        capability_code=summary.capability_code, pillar=summary.pillar, level_name=summary.level_name,
        assessor_name=summary.assessor_name, awarded_on=summary.awarded_on or date.today(), **fields)
    db.session.add(row)
    return row


def issue_built(organisation: Organisation, holder_id: int, build, *, by: User | None,
                link: dict | None = None) -> PassportCredential:
    """Allocate status indexes, sign what ``build(did, uuid, status)`` returns, and store it.

    ``link`` names the record it is for (``signoff_id`` or ``completion_id``): a
    second worker issuing for the same record keeps the first one's credential.
    """
    link = link or {}
    signer = signer_for(organisation, by=by)
    # One entry carries both states (OB 3.0 allows one credentialStatus object): see statuslist.OUR_MESSAGES.
    status_list, entry = allocate(organisation, StatusPurpose.message)
    credential_uuid = str(uuid.uuid4())
    unsigned = build(signer.did, credential_uuid, [entry])
    document = ob.sign_credential(unsigned, signer.private_key, verification_method=signer.verification_method)
    try:
        with unique_savepoint():
            row = store_credential(document, holder_id=holder_id, origin=CredentialOrigin.issued, public_id=credential_uuid,
                         issuer_organisation_id=organisation.id, revocation_list_id=status_list,
                         revocation_index=entry.index, suspension_list_id=status_list,
                         suspension_index=entry.index, **link)
    except UniqueViolation:
        if not link:
            raise
        # Issued by another worker meanwhile: keep theirs (the indexes allocated here stay unused).
        return db.session.scalar(sa.select(PassportCredential).filter_by(**link))
    record_event("passport.credential_issued", actor=by, organisation=organisation, subject=row,
                 data={"credential": row.credential_uri, "kind": row.kind.value, "holder_id": holder_id, **link})
    return row


def issue_signoff_credential(signoff, *, by: User | None = None) -> PassportCredential | None:
    """The sign-off's credential, signed by the organisation where it was signed (issued once).

    Recognised sign-offs already carry their issuer's credential and revoked ones get none: both answer None.
    """
    from competency.signoff.models import SignOffSource

    existing = db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == signoff.id))
    if existing is not None:
        return existing
    if signoff.source != SignOffSource.local or signoff.is_revoked or signoff.organisation is None:
        return None
    organisation = signoff.organisation
    return issue_built(organisation, signoff.practitioner_id,
                  lambda did, cid, status: ob.build_signoff_credential(
                      signoff_facts(signoff, organisation, did, cid, status)),
                  by=by, link={"signoff_id": signoff.id})


def issue_completion_credential(completion, facts_for, *, by: User | None = None) -> PassportCredential | None:
    """A programme completion's credential. ``facts_for(completion, did, uuid, status)`` gives its
    :class:`CompletionFacts` (see :mod:`competency.passport.completions`)."""
    existing = db.session.scalar(sa.select(PassportCredential)
                                 .where(PassportCredential.completion_id == completion.id))
    if existing is not None:
        return existing
    organisation = completion.organisation
    return issue_built(organisation, completion.practitioner_id,
                  lambda did, cid, status: ob.build_completion_credential(facts_for(completion, did, cid, status)),
                  by=by, link={"completion_id": completion.id})


def _pending_signoffs(holder_id: int | None, limit: int) -> list:
    from competency.signoff.models import SignOff, SignOffRevocation, SignOffSource

    query = (sa.select(SignOff)
             .where(SignOff.source == SignOffSource.local,
                    ~sa.exists().where(SignOffRevocation.signoff_id == SignOff.id),
                    ~sa.exists().where(PassportCredential.signoff_id == SignOff.id))
             .options(selectinload(SignOff.practitioner), selectinload(SignOff.organisation),
                      selectinload(SignOff.framework_version))
             .order_by(SignOff.id).limit(limit))
    if holder_id is not None:
        query = query.where(SignOff.practitioner_id == holder_id)
    return list(db.session.scalars(query))


def issue_each(items: Iterable, issue, by: User | None) -> int:
    issued = 0
    for item in items:
        try:
            with db.session.begin_nested():
                if issue(item, by=by) is not None:
                    issued += 1
        except DomainError as error:
            log.warning("Credential for %r not issued: %s", item, error)
    return issued


def ensure_issued(holder: User, *, by: User | None = None, limit: int = 500) -> int:
    """Issue any credentials the holder is owed (sign-offs and completions); returns how many were new."""
    from competency.passport import completions

    reconcile_revocations(holder_id=holder.id, by=by)
    issued = issue_each(_pending_signoffs(holder.id, limit), issue_signoff_credential, by)
    issued += completions.issue_pending(holder_id=holder.id, limit=limit, by=by)
    issued += _records().issue_pending(holder_id=holder.id, limit=limit, by=by)
    return issued


def issue_pending(*, limit: int = 500) -> int:
    """For the worker: issue up to ``limit`` owed credentials across the installation."""
    from competency.passport import completions

    reconcile_revocations()
    issued = issue_each(_pending_signoffs(None, limit), issue_signoff_credential, None)
    issued += completions.issue_pending(holder_id=None, limit=limit, by=None)
    return issued + _records().issue_pending(holder_id=None, limit=limit, by=None)


def _records():
    """Employment records and programme progress (competency.passport.record_issuing)."""
    from competency.passport import record_issuing

    return record_issuing


def revoke_credential(credential: PassportCredential, reason: str, *, by: User | None = None) -> bool:
    """Set the credential's revocation bit; every later check anywhere says Not valid. Idempotent."""
    if credential.revoked_at is not None or credential.revocation_list_id is None:
        return False
    set_status(credential.revocation_list_id, credential.revocation_index, StatusPurpose.revocation, True)
    credential.revoked_at = utcnow()
    credential.revocation_reason = reason
    record_event("passport.credential_revoked", actor=by, organisation=credential.issuer_organisation_id,
                 subject=credential, data={"credential": credential.credential_uri, "reason": reason})
    return True


def set_suspended(credential: PassportCredential, is_suspended: bool, *, by: User | None = None) -> bool:
    """Suspend (or reinstate) a credential through the suspension list."""
    if credential.suspension_list_id is None:
        raise DomainError("Only credentials issued here can be suspended.")
    changed = set_status(credential.suspension_list_id, credential.suspension_index, StatusPurpose.suspension,
                         is_suspended)
    credential.suspended_at = utcnow() if is_suspended else None
    if changed:
        record_event("passport.credential_suspended" if is_suspended else "passport.credential_reinstated",
                     actor=by, organisation=credential.issuer_organisation_id, subject=credential,
                     data={"credential": credential.credential_uri})
    return changed


def revoke_for_signoff(signoff_id: int, reason: str, *, by: User | None = None) -> bool:
    """Revoke the credential issued for a sign-off, if one was issued."""
    credential = db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == signoff_id))
    if credential is None:
        return False
    return revoke_credential(credential, reason, by=by)


def reconcile_revocations(*, holder_id: int | None = None, by: User | None = None) -> int:
    """Revoke credentials whose sign-off was revoked but whose bit is not set yet."""
    from competency.signoff.models import SignOffRevocation

    query = (sa.select(PassportCredential, SignOffRevocation)
             .join(SignOffRevocation, SignOffRevocation.signoff_id == PassportCredential.signoff_id)
             .where(PassportCredential.revoked_at.is_(None)))
    if holder_id is not None:
        query = query.where(PassportCredential.holder_id == holder_id)
    done = 0
    for credential, revocation in db.session.execute(query).all():
        done += revoke_credential(credential, revocation.reason, by=by or revocation.revoked_by)
    return done
