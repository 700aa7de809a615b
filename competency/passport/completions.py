"""Programme completions (preceptorship, ASYE...) as ``ext:ProgrammeCompletion`` credentials."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import User
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport.issuing import issue_each, holder_of, issue_completion_credential, issuer_of
from competency.passport.models import PassportCredential

PROGRAMME_NAMESPACE = uuid.UUID("6f1d7f0e-3c59-5b4e-9a51-2a8f4c7d9e10")
RULES = {
    "completed": "Every milestone review of the programme was signed by the practitioner and their preceptor, "
                 "and the final review was confirmed by the organisation.",
    "passed": "The programme's assessed outcome was passed, confirmed by the organisation after moderation.",
}


def completion_facts(completion, did: str, credential_uuid: str, status: list) -> ob.CompletionFacts:
    organisation = completion.organisation
    recorder = db.session.get(User, completion.recorded_by_id) if completion.recorded_by_id else None
    confirmed_by = None
    if recorder is not None and recorder.registration_body and recorder.registration_number:
        confirmed_by = ob.Assessor(recorder.display_name, recorder.profession or "Registered practitioner",
                                   ob.Registration(recorder.registration_body, recorder.registration_number))
    outcome = completion.outcome.value
    programme = ob.Programme(
        identifier=str(uuid.uuid5(PROGRAMME_NAMESPACE, f"{completion.template_slug}@{completion.template_version}")),
        name=completion.template_title,
        kind=completion.programme_kind,
        description=(f"{completion.template_title} (version {completion.template_version}), completed at "
                     f"{organisation.name} with {completion.preceptor_name} as preceptor."),
        completion_rule=RULES.get(outcome, RULES["completed"]),
        version=completion.template_version,
    )
    completed_at = completion.created_at or datetime.combine(completion.completed_on, time(12), tzinfo=UTC)
    return ob.CompletionFacts(
        credential_id=credential_uuid, issuer=issuer_of(organisation, did), holder=holder_of(completion.practitioner),
        programme=programme, started_on=completion.started_on, completed_on=completion.completed_on,
        completed_at=completed_at, confirmed_by=confirmed_by, status=status)


def issue(completion, *, by: User | None = None) -> PassportCredential | None:
    """The completion's credential (none for a programme that was not passed)."""
    if completion.outcome.value not in RULES:
        return None
    return issue_completion_credential(completion, completion_facts, by=by)


def issue_pending(*, holder_id: int | None, limit: int, by: User | None) -> int:
    from competency.preceptorship.models import Outcome, ProgrammeCompletion

    query = (sa.select(ProgrammeCompletion)
             .where(ProgrammeCompletion.outcome.in_([Outcome(value) for value in RULES]),
                    ~sa.exists().where(PassportCredential.completion_id == ProgrammeCompletion.id))
             .options(selectinload(ProgrammeCompletion.practitioner), selectinload(ProgrammeCompletion.organisation))
             .order_by(ProgrammeCompletion.id).limit(limit))
    if holder_id is not None:
        query = query.where(ProgrammeCompletion.practitioner_id == holder_id)
    return issue_each(db.session.scalars(query), issue, by)
