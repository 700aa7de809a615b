"""Sign-off requests waiting for a decision: the assessor after 7 days, a lead after 21.

A request made on day C is due a decision reminder on C + 7 (stage ``waiting-7``,
to the assessor) and escalates on C + 21 (stage ``waiting-21``, to every active
lead of the organisation where it was made). Each fires once per request.

Both are planned by day (``Source.by_day``): which requests were made on day C, by whom
and to whom never changes (``created_at`` is set when the request is made; a returned
request comes back as a new request), and a decided request is never reopened. So once a
day's requests have been planned at a stage, that day needs no more looking at, however
long its requests then wait, and planning reads only the requests made on days after the
last one it planned (``ix_signoff_request_created_at``). Days that have not ended yet are
never planned (``day_began``), so a day cannot gain a request after it was planned.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.accounts.models import Membership, Role, User
from competency.extensions import db
from competency.frameworks.models import Capability
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import ByDay, ReminderText, Source, long_date, possessive
from competency.reminders.sqldates import add_days, date_of
from competency.signoff.models import RequestState, SignOffRequest
from competency.signoff.notifications import request_path

ASSESSOR_AFTER_DAYS = 7
ESCALATE_AFTER_DAYS = 21


def _made_before(name: str):
    """Requests made before a UTC midnight bound as ``name``: a range on the indexed timestamp."""
    return SignOffRequest.created_at < sa.bindparam(name, type_=SignOffRequest.__table__.c.created_at.type)


def _midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=timezone.utc)


def _open_on():
    """Still waiting at the end of the planning day (decided later counts, for planning a past day)."""
    r = SignOffRequest
    return sa.or_(r.state == RequestState.pending,
                  r.closed_at >= sa.bindparam("day_ends", type_=r.__table__.c.closed_at.type))


def waiting_params(on: date) -> dict:
    return {"waiting_since": _midnight_after(on - timedelta(days=ASSESSOR_AFTER_DAYS)), "day_ends": _midnight_after(on)}


def escalation_params(on: date) -> dict:
    return {"escalating_since": _midnight_after(on - timedelta(days=ESCALATE_AFTER_DAYS)),
            "day_ends": _midnight_after(on)}


def _was_open(request: SignOffRequest, on: date) -> bool:
    return request.state == RequestState.pending or (request.closed_at is not None
                                                      and request.closed_at >= _midnight_after(on))


def _made_on_a_finished_day():
    """Made before today (UTC) began: planning a day ahead never plans a day still being filled."""
    return SignOffRequest.created_at < sa.bindparam("day_began", type_=SignOffRequest.__table__.c.created_at.type)


def waiting_due() -> sa.Select:
    r = SignOffRequest
    return sa.select(
        r.id.label("item_id"),
        add_days(date_of(r.created_at), ASSESSOR_AFTER_DAYS).label("due_on"),
        sa.literal(f"waiting-{ASSESSOR_AFTER_DAYS}", sa.String).label("stage"),
        r.assessor_id,
    ).where(_open_on(), _made_before("waiting_since"), _made_on_a_finished_day())


def waiting_recipients(due: sa.Subquery) -> sa.Select:
    return sa.select(due.c.item_id, due.c.due_on, due.c.stage, due.c.assessor_id.label("user_id"))


def escalation_due() -> sa.Select:
    r = SignOffRequest
    return sa.select(
        r.id.label("item_id"),
        add_days(date_of(r.created_at), ESCALATE_AFTER_DAYS).label("due_on"),
        sa.literal(f"waiting-{ESCALATE_AFTER_DAYS}", sa.String).label("stage"),
        r.organisation_id, r.practitioner_id,
    ).where(_open_on(), _made_before("escalating_since"), _made_on_a_finished_day())


def escalation_recipients(due: sa.Subquery) -> sa.Select:
    """Every active lead of the organisation where the request was made, other than its practitioner."""
    return sa.select(due.c.item_id, due.c.due_on, due.c.stage, Membership.user_id.label("user_id")).join(
        Membership, sa.and_(Membership.organisation_id == due.c.organisation_id, Membership.role == Role.lead,
                            Membership.is_active.is_(True), Membership.user_id != due.c.practitioner_id))


def _requests(rows: Sequence[ReminderItem]) -> dict[int, tuple]:
    """Request id -> (request, practitioner name, assessor name, capability code), in one query."""
    practitioner = sa.orm.aliased(User)
    assessor = sa.orm.aliased(User)
    found = db.session.execute(
        sa.select(SignOffRequest, practitioner.display_name, assessor.display_name, Capability.code)
        .join(practitioner, practitioner.id == SignOffRequest.practitioner_id)
        .join(assessor, assessor.id == SignOffRequest.assessor_id)
        .outerjoin(Capability, sa.and_(Capability.version_id == SignOffRequest.framework_version_id,
                                       Capability.uuid == SignOffRequest.capability_uuid))
        .where(SignOffRequest.id.in_({row.item_id for row in rows}))
    )
    return {request.id: (request, p_name, a_name, code or "a capability") for request, p_name, a_name, code in found}


def _request_link(request: SignOffRequest) -> str:
    return request_path(request)


def describe_waiting(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = _requests(rows)
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        request, practitioner, _assessor, code = found[row.item_id]
        if not _was_open(request, row.planned_on):
            continue
        made = row.due_on - timedelta(days=ASSESSOR_AFTER_DAYS)
        texts[row.id] = ReminderText(
            title=f"{practitioner} is waiting for your decision on {code}",
            body=(f"{practitioner} asked you on {long_date(made)} to sign off {code}. "
                  "Please sign it off or return it with feedback."),
            link=_request_link(request),
        )
    return texts


def describe_escalation(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = _requests(rows)
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        request, practitioner, assessor, code = found[row.item_id]
        if not _was_open(request, row.planned_on):
            continue
        made = row.due_on - timedelta(days=ESCALATE_AFTER_DAYS)
        texts[row.id] = ReminderText(
            title=f"{possessive(practitioner)} sign-off request has waited 3 weeks",
            body=(f"{practitioner} asked {assessor} on {long_date(made)} to sign off {code} and it has not "
                  "been decided. You are a lead at the organisation: please follow it up or ask another "
                  "preceptor to review it."),
            link=_request_link(request),
        )
    return texts


SOURCES = [
    Source(kind=ReminderKind.signoff_waiting, label="Sign-off waiting",
           hint="A request has waited more than 7 days for the assessor's decision.",
           due=waiting_due, recipients=waiting_recipients, describe=describe_waiting, params=waiting_params,
           by_day=ByDay(f"waiting-{ASSESSOR_AFTER_DAYS}", SignOffRequest.created_at, ASSESSOR_AFTER_DAYS),
           several="{n} sign-off requests are waiting for your decision", list_endpoint="review.queue"),
    Source(kind=ReminderKind.escalation, label="Escalation",
           hint="A request has waited more than 21 days; its organisation's leads are told.",
           due=escalation_due, recipients=escalation_recipients, describe=describe_escalation,
           params=escalation_params,
           by_day=ByDay(f"waiting-{ESCALATE_AFTER_DAYS}", SignOffRequest.created_at, ESCALATE_AFTER_DAYS),
           several="{n} sign-off requests have waited 3 weeks"),
]
