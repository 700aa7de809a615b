"""The last line of defence: no flush may change a published or retired programme template version.

The catalogue services check first and explain; this guard catches every other path
(a stray attribute assignment, a cascade) and raises before anything reaches the database.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from competency.db import committed_value
from competency.preceptorship.errors import TemplateImmutable
from competency.preceptorship.models import TemplateMilestone, TemplateStatus, TemplateVersion

LOCKED = (TemplateStatus.published, TemplateStatus.retired)

VERSION_CONTENT = ("template_id", "version", "title", "description", "publisher", "programme_kind", "duration_days",
                   "professions", "sectors", "supervision_minimum_minutes", "cadence", "protected_time_percent",
                   "outcome", "is_moderated", "framework_slug", "checkin_pillars", "party_labels", "content_hash",
                   "published_at")



def _refuse(version: TemplateVersion) -> None:
    status = committed_value(version, "status") or version.status
    raise TemplateImmutable(f"{version.title} version {version.version} is {status.value} and cannot be changed; "
                            "nothing was changed.")


@event.listens_for(Session, "before_flush")
def _guard_published_templates(session: Session, flush_context, instances) -> None:
    with session.no_autoflush:
        for obj in list(session.dirty) + list(session.deleted):
            if not isinstance(obj, TemplateVersion):
                continue
            before = committed_value(obj, "status")
            if before not in LOCKED:
                continue
            state = sa.inspect(obj)
            if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in VERSION_CONTENT):
                _refuse(obj)
            if before == TemplateStatus.retired and obj.status != TemplateStatus.retired:
                _refuse(obj)
            if before == TemplateStatus.published and obj.status == TemplateStatus.draft:
                _refuse(obj)
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if not isinstance(obj, TemplateMilestone):
                continue
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            version = obj.version or (session.get(TemplateVersion, obj.version_id) if obj.version_id else None)
            if version is not None and (version.status in LOCKED or committed_value(version, "status") in LOCKED):
                _refuse(version)
