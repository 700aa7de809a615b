"""Demo: something waiting on each role's home page ("What needs you").

Earlier steps already leave a returned request and a review due for Sam (preceptee@),
a queue for Tom (preceptor@), a draft framework for the editor, supervision gaps for
Rachel (trust.preceptor@) and an off-the-job log behind plan for Casey (apprentice@).
This step adds what they do not:

* Tom asks Jordan (ota@) a question on the waiting ER-SSW-01 request, so Jordan has a
  message to answer;
* Ellie Novak (ellie.novak@demo.test), a newly registered OT, started at the trust
  75 days ago and nobody has enrolled her: the lead (lead@) sees she is past the 60
  days, the analyst sees it as a suppressed count, and Ellie's own home shows her
  first-run checklist waiting for a preceptor;
* Ellie's final student placement was at the council, which signed off a
  pre-registration capability; she brings that credential to the trust, where it
  waits to be recognised by a lead or administrator (lead@, admin@).

Safe to run again: each is made once. Dates are relative to today, so the story stays true.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from competency.accounts import services as accounts
from competency.accounts.models import Employment, Role, User
from competency.accounts.passwords import hash_password
from competency.db import utcnow
from competency.demo.context import DemoContext
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport import importing, issuing, keys, sharing
from competency.passport.models import CredentialImport, ImportSource, PassportCredential
from competency.signoff import conversation
from competency.signoff.capabilities import current_framework_version
from competency.signoff.models import RequestState, SignOffMessage, SignOffRequest

QUESTION = ("Thanks Jordan. Which outcome measure did you use at the reviews? Add its name to the evidence, "
            "or reply here, and I will sign it off.")
NEW_STARTER = ("ellie.novak@demo.test", "Ellie Novak", "Occupational therapist", "OT99201")


def seed_waiting(ctx: DemoContext) -> None:
    _question_for_jordan(ctx)
    _new_starter(ctx)
    _passport_waiting(ctx)


def _question_for_jordan(ctx: DemoContext) -> None:
    version = current_framework_version()
    capability = next((c for c in version.capabilities if c.code == "ER-SSW-01"), None) if version else None
    if capability is None:
        return
    request = db.session.scalar(sa.select(SignOffRequest).where(
        SignOffRequest.practitioner_id == ctx.users["ota@demo.test"].id,
        SignOffRequest.capability_uuid == capability.uuid, SignOffRequest.state == RequestState.pending))
    if request is None or db.session.scalar(sa.select(SignOffMessage.id).where(SignOffMessage.request_id == request.id)):
        return
    conversation.post_message(request, ctx.users["preceptor@demo.test"], QUESTION, at=utcnow() - timedelta(days=1))


def _new_starter(ctx: DemoContext) -> None:
    email, name, profession, number = NEW_STARTER
    trust = ctx.orgs["wessex-valley-nhs"]
    today = date.today()
    user = accounts.find_user_by_email(email)
    if user is None:
        user = User(email=email, display_name=name, profession=profession, registration_body="HCPC",
                    registration_number=number, registered_on=today - timedelta(days=120),
                    password_hash=hash_password(ctx.password))
        db.session.add(user)
        db.session.flush()
    accounts.ensure_membership(user, trust, Role.practitioner)
    if not db.session.scalar(sa.select(Employment.id).filter_by(user_id=user.id, organisation_id=trust.id)):
        db.session.add(Employment(user=user, organisation=trust, role_title="Occupational Therapist",
                                  level_code="registered", band_label="Band 5", start_on=today - timedelta(days=75),
                                  fte=1.0))
    db.session.flush()
    ctx.users[email] = user
    ctx.accounts.append((email, f"practitioner at {trust.name}, started 75 days ago and not yet enrolled"))


def _passport_waiting(ctx: DemoContext) -> None:
    """Ellie's final student placement was at the council, which signed off a pre-registration capability;
    she brings that credential to the trust, where it waits for a lead or administrator."""
    ellie, council, trust = ctx.users[NEW_STARTER[0]], ctx.orgs["downshire-cc"], ctx.orgs["wessex-valley-nhs"]
    if db.session.scalar(sa.select(CredentialImport.id).where(CredentialImport.holder_id == ellie.id)):
        return
    version = current_framework_version()
    if version is None:
        return
    capability = min((c for c in version.capabilities if c.level.code == "pre_registration"),
                     key=lambda c: (c.pillar.position, c.position), default=None)
    if capability is None:
        return
    levels = sorted(version.levels, key=lambda level: level.position)
    signed_at = datetime.combine(date.today() - timedelta(days=160), datetime.min.time(), tzinfo=UTC)
    digest = hashlib.sha256(f"demo evidence {capability.code} placement".encode()).hexdigest()
    tom = ctx.users["preceptor@demo.test"]
    assessor = ob.Assessor(tom.display_name, tom.profession, ob.Registration(tom.registration_body,
                                                                             tom.registration_number))

    def build(did, credential_uuid, status):
        return ob.build_signoff_credential(ob.SignOffFacts(
            credential_id=credential_uuid, issuer=issuing.issuer_of(council, did), holder=issuing.holder_of(ellie),
            capability=ob.Capability(capability.uuid, capability.code, capability.statement, capability.pillar.name,
                                     f"{version.title} {version.version}",
                                     f"{keys.base_url()}{issuing.CASE_ITEM_PATH}{capability.uuid}"),
            level=ob.Level(capability.level.uuid, capability.level.name),
            levels=[ob.Level(level.uuid, level.name) for level in levels],
            assessor=assessor, evidence=[ob.EvidenceRecord(digest, "Direct observation")],
            signed_off_at=signed_at, status=status))

    try:
        with db.session.begin_nested():
            issuing.issue_built(council, ellie.id, build, by=None)
            db.session.flush()
            credential = db.session.scalar(
                sa.select(PassportCredential).where(PassportCredential.holder_id == ellie.id)
                .order_by(PassportCredential.id.desc()).limit(1))
            importing.import_credentials(ellie, trust, sharing.bundle([credential]), source=ImportSource.upload)
    except DomainError as error:
        ctx.notes.append(f"Passport waiting demo skipped: {error.message}")
