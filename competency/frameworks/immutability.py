"""The last line of defence: no flush may change a published or retired framework version.

Services check first and explain; this guard catches every other code path
(a stray attribute assignment, a cascade, a bulk UPDATE) and raises
:class:`VersionImmutable` before anything reaches the database.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from competency.db import committed_value
from competency.frameworks.errors import VersionImmutable, immutable_message
from competency.frameworks.models import Capability, CapabilityMapping, FrameworkVersion, Level, Pillar, VersionStatus

CONTENT_MODELS = (Pillar, Level, Capability, CapabilityMapping)
CONTENT_TABLES = {model.__table__.name for model in (*CONTENT_MODELS, FrameworkVersion)}
LOCKED = (VersionStatus.published, VersionStatus.retired)
# Everything about a version except its status and retirement time (and bookkeeping).
VERSION_CONTENT_FIELDS = ("uuid", "framework_id", "version", "title", "description", "publisher", "language",
                          "professions", "changed_at", "published_at", "source_name", "imported_by_id",
                          "published_by_id")



def _version_of(session: Session, obj) -> FrameworkVersion | None:
    if isinstance(obj, CapabilityMapping):
        capability = obj.capability or (session.get(Capability, obj.capability_id) if obj.capability_id else None)
        return _version_of(session, capability) if capability is not None else None
    if obj.version is not None:
        return obj.version
    return session.get(FrameworkVersion, obj.version_id) if obj.version_id else None


def _is_locked(version: FrameworkVersion) -> bool:
    return version.status in LOCKED or committed_value(version, "status") in LOCKED


def _refuse(version: FrameworkVersion) -> None:
    status = (committed_value(version, "status") or version.status).value
    raise VersionImmutable(immutable_message(version.title, version.version, status))


@event.listens_for(Session, "before_flush")
def _guard_published_versions(session: Session, flush_context, instances) -> None:
    with session.no_autoflush:
        for obj in list(session.dirty) + list(session.deleted):
            if not isinstance(obj, FrameworkVersion):
                continue
            before = committed_value(obj, "status")
            if before not in LOCKED:
                continue
            if obj in session.deleted:
                _refuse(obj)
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in VERSION_CONTENT_FIELDS):
                _refuse(obj)
            if before == VersionStatus.retired and obj.status != VersionStatus.retired:
                _refuse(obj)
            if before == VersionStatus.published and obj.status == VersionStatus.draft:
                _refuse(obj)
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if not isinstance(obj, CONTENT_MODELS):
                continue
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            version = _version_of(session, obj)
            if version is not None and _is_locked(version):
                _refuse(version)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CONTENT_TABLES:
        raise VersionImmutable("Framework versions can only be changed through the frameworks services "
                               "(bulk UPDATE and DELETE are refused); nothing was changed.")
