"""Sign-offs, decisions and revocations are written once and never changed or deleted.

Services never offer an edit; this guard refuses every other path (a stray
attribute assignment, a cascade, a bulk UPDATE or DELETE) before anything
reaches the database.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from competency.errors import Conflict
from competency.signoff.models import SignOff, SignOffDecision, SignOffMessage, SignOffRevocation

IMMUTABLE = (SignOff, SignOffDecision, SignOffRevocation, SignOffMessage)
IMMUTABLE_TABLES = {model.__table__.name for model in IMMUTABLE}


class RecordImmutable(Conflict):
    rule = "signoff_immutable"


MESSAGE = ("Sign-offs, decisions, revocations and request messages are permanent records and cannot be "
           "changed or deleted. "
           "To withdraw a sign-off, revoke it with a reason.")


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, IMMUTABLE):
            raise RecordImmutable(MESSAGE)
    for obj in session.dirty:
        if isinstance(obj, IMMUTABLE) and _columns_changed(obj):
            raise RecordImmutable(MESSAGE)


def _columns_changed(obj) -> bool:
    """A stored value changed (relationships such as a new revocation pointing here do not count)."""
    state = sa.inspect(obj)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in IMMUTABLE_TABLES:
        raise RecordImmutable(MESSAGE)
