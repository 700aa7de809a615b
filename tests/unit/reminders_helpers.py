"""Rows the reminder tests plan over, made directly so the tests do not depend on other areas' services."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from competency.db import utcnow
from competency.extensions import db


def framework_version():
    from competency.frameworks.models import Framework, FrameworkVersion, VersionStatus

    framework = Framework(uuid=str(uuid.uuid4()), slug=f"fw-{uuid.uuid4().hex[:8]}", title="Test framework")
    version = FrameworkVersion(uuid=str(uuid.uuid4()), framework=framework, version="1.0", title="Test 1.0",
                               status=VersionStatus.published, changed_at=utcnow(), published_at=utcnow())
    db.session.add_all([framework, version])
    db.session.flush()
    return version


def signoff_request(practitioner, assessor, organisation, *, made_at: datetime, version=None):
    from competency.signoff.models import SignOffRequest

    version = version or framework_version()
    request = SignOffRequest(practitioner_id=practitioner.id, assessor_id=assessor.id,
                             organisation_id=organisation.id, capability_uuid=str(uuid.uuid4()),
                             framework_version_id=version.id, message="Please review",
                             created_at=made_at, updated_at=made_at)
    db.session.add(request)
    db.session.flush()
    return request


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)
