"""Issuing employment-record and programme-progress credentials (see :mod:`competency.passport.records`).

Like sign-offs and completions, they are issued lazily and in the background, once each:

* an employment credential for every post that has **ended** (a previous post is what the
  next employer counts), keyed by the post and its end date;
* for a post still held, a statement "in post since ... as of today" only when the holder
  asks for one (moving before the old employer records the end), at most one a day;
* a progress credential for a programme withdrawn after at least one milestone, which
  is how progress travels when someone moves mid-programme.

``record_key`` on the stored credential makes issuing idempotent under concurrency.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Employment, User
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport import records
from competency.passport.issuing import holder_of, issue_built, issue_each, issuer_of
from competency.passport.models import PassportCredential


def employment_key(employment: Employment, as_of: date | None = None) -> str:
    if employment.end_on is not None and (as_of is None or employment.end_on <= as_of):
        return f"employment:{employment.id}:{employment.end_on.strftime('%Y%m%d')}"
    return f"employment:{employment.id}:asof{(as_of or date.today()).strftime('%Y%m%d')}"


def progress_key(enrolment_id: int) -> str:
    return f"progress:{enrolment_id}"


def _ended_key_sql():
    """The key of an ended post's credential (as :func:`employment_key`), in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        ended = sa.func.to_char(Employment.end_on, "YYYYMMDD")
    else:
        ended = sa.func.strftime("%Y%m%d", Employment.end_on)
    return sa.literal("employment:") + sa.cast(Employment.id, sa.String) + sa.literal(":") + ended


def _level(level_code: str):
    from competency.signoff.capabilities import current_framework_version

    version = current_framework_version()
    if version is None:
        return None, []
    levels = sorted(version.levels, key=lambda level: level.position)
    level = next((item for item in levels if item.code == level_code), None)
    return (ob.Level(level.uuid, level.name) if level else None), [ob.Level(i.uuid, i.name) for i in levels]


def employment_facts(employment: Employment, did: str, credential_uuid: str, status: list,
                     as_of: date | None = None) -> records.EmploymentFacts:
    level, levels = _level(employment.level_code)
    ended = employment.end_on if employment.end_on is not None and (as_of is None or employment.end_on <= as_of) \
        else None
    return records.EmploymentFacts(
        credential_id=credential_uuid, issuer=issuer_of(employment.organisation, did), holder=holder_of(employment.user),
        role_title=employment.role_title, level=level, levels=levels, start_on=employment.start_on,
        end_on=ended, fte=float(employment.fte), band_label=employment.band_label,
        stated_at=datetime.now(UTC), status=status)


def issue_employment(employment: Employment, *, by: User | None = None,
                     as_of: date | None = None) -> PassportCredential | None:
    """The post's credential: its end for an ended post, or (``as_of``) a statement that it is held."""
    key = employment_key(employment, as_of)
    existing = db.session.scalar(sa.select(PassportCredential).where(PassportCredential.record_key == key))
    if existing is not None:
        return existing
    return issue_built(employment.organisation, employment.user_id,
                       lambda did, cid, status: records.build_employment_credential(
                           employment_facts(employment, did, cid, status, as_of)),
                       by=by, link={"record_key": key})


def state_current_post(employment: Employment, *, by: User, today: date) -> PassportCredential:
    """On the holder's request: a signed statement that they hold this post, as of today.

    :raises PermissionDenied: it is not the requester's own post.
    :raises DomainError: the post has ended (its end is issued anyway) or has not started.
    """
    from competency.errors import DomainError, PermissionDenied

    if employment.user_id != by.id:
        raise PermissionDenied("You can only ask for a statement of your own post.")
    if not employment.is_current_on(today):
        raise DomainError("That post is not current, so there is nothing to state; an ended post is added to "
                          "your passport by itself.")
    return issue_employment(employment, by=by, as_of=today)


def _practice_days(enrolment) -> int:
    """Full-time programme days done: elapsed days less pauses, times FTE, plus any carried in."""
    end = enrolment.ended_on or enrolment.start_on
    days = (end - enrolment.start_on).days + 1
    for pause in enrolment.pauses:
        start, stop = max(pause.start_on, enrolment.start_on), min(pause.end_on, end)
        if stop >= start:
            days -= (stop - start).days + 1
    return max(0, round(days * float(enrolment.fte))) + int(enrolment.credited_days or 0)


def progress_facts(enrolment, did: str, credential_uuid: str, status: list) -> records.ProgressFacts:
    from competency.passport.completions import PROGRAMME_NAMESPACE
    from competency.preceptorship.queries import enrolment_evidence_counts

    version = enrolment.template_version
    done = [(m.code, m.definition.title, m.completed_on) for m in enrolment.milestones
            if m.completed_on is not None and not m.is_after_completion]
    stated_on = enrolment.ended_on or enrolment.start_on
    programme = ob.Programme(
        identifier=str(uuid.uuid5(PROGRAMME_NAMESPACE, f"{version.template.slug}@{version.version}")),
        name=version.title, kind=version.programme_kind,
        description=(f"{version.title} (version {version.version}) at {enrolment.organisation.name}, from "
                     f"{enrolment.start_on.isoformat()} until the programme ended there on {stated_on.isoformat()}."),
        completion_rule="", version=version.version)
    return records.ProgressFacts(
        credential_id=credential_uuid, issuer=issuer_of(enrolment.organisation, did),
        holder=holder_of(enrolment.practitioner), programme=programme, template_slug=version.template.slug,
        started_on=enrolment.start_on, stated_on=stated_on,
        stated_at=datetime.combine(stated_on, time(12), tzinfo=UTC), practice_days=_practice_days(enrolment),
        milestones=done, evidence_counts=enrolment_evidence_counts(enrolment) or {}, status=status)


def issue_progress(enrolment, *, by: User | None = None) -> PassportCredential | None:
    key = progress_key(enrolment.id)
    existing = db.session.scalar(sa.select(PassportCredential).where(PassportCredential.record_key == key))
    if existing is not None:
        return existing
    return issue_built(enrolment.organisation, enrolment.practitioner_id,
                       lambda did, cid, status: records.build_progress_credential(
                           progress_facts(enrolment, did, cid, status)),
                       by=by, link={"record_key": key})


def _pending_employments(holder_id: int | None, limit: int) -> list[Employment]:
    """Ended posts (end date today or earlier) whose credential is not issued yet."""
    issued = sa.exists().where(PassportCredential.record_key == _ended_key_sql())
    query = (sa.select(Employment).where(Employment.end_on.is_not(None), Employment.end_on <= date.today(), ~issued)
             .options(selectinload(Employment.user), selectinload(Employment.organisation))
             .order_by(Employment.id).limit(limit))
    if holder_id is not None:
        query = query.where(Employment.user_id == holder_id)
    return list(db.session.scalars(query))


def _pending_progress(holder_id: int | None, limit: int) -> list:
    from competency.preceptorship.models import Enrolment, EnrolmentMilestone, EnrolmentStatus

    done = sa.exists().where(EnrolmentMilestone.enrolment_id == Enrolment.id,
                             EnrolmentMilestone.completed_on.is_not(None))
    issued = sa.exists().where(
        PassportCredential.record_key == sa.literal("progress:") + sa.cast(Enrolment.id, sa.String))
    query = (sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.withdrawn, done, ~issued)
             .order_by(Enrolment.id).limit(limit))
    if holder_id is not None:
        query = query.where(Enrolment.practitioner_id == holder_id)
    return list(db.session.scalars(query))


def issue_pending(*, holder_id: int | None, limit: int, by: User | None) -> int:
    """Employment and progress credentials owed (to one holder, or across the installation)."""
    issued = issue_each(_pending_employments(holder_id, limit), issue_employment, by)
    return issued + issue_each(_pending_progress(holder_id, limit), issue_progress, by)

