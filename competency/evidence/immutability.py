"""Evidence cited by a sign-off is frozen: its content, files and links never change again."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from competency.errors import Conflict
from competency.evidence.models import Attachment, Evidence, EvidenceCapability

CONTENT_FIELDS = ("owner_id", "kind", "title", "occurred_on", "text", "what_happened", "so_what", "now_what",
                  "feedback_source", "frozen_at")


class EvidenceFrozen(Conflict):
    rule = "evidence_frozen"


def frozen_message(evidence: Evidence) -> str:
    return (f"\u201c{evidence.title}\u201d has been cited in a sign-off, so it can no longer be changed. "
            "Log new evidence instead.")


def _was_frozen(evidence: Evidence) -> bool:
    history = sa.inspect(evidence).attrs.frozen_at.history
    before = history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None)
    return before is not None


def _columns_changed(obj) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


def _parent(session: Session, obj) -> Evidence | None:
    if obj.evidence is not None:
        return obj.evidence
    if obj.evidence_id is not None:
        return session.get(Evidence, obj.evidence_id)
    history = sa.inspect(obj).attrs.evidence.history
    return history.deleted[0] if history.deleted else None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_frozen(session: Session, flush_context, instances) -> None:
    with session.no_autoflush:
        for obj in list(session.dirty) + list(session.deleted):
            if isinstance(obj, Evidence) and _was_frozen(obj):
                state = sa.inspect(obj)
                if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in CONTENT_FIELDS):
                    raise EvidenceFrozen(frozen_message(obj))
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if isinstance(obj, Attachment) or (isinstance(obj, EvidenceCapability) and obj in session.deleted):
                if obj in session.dirty and not _columns_changed(obj):
                    continue
                parent = _parent(session, obj)
                if parent is not None and _was_frozen(parent):
                    raise EvidenceFrozen(frozen_message(parent))
