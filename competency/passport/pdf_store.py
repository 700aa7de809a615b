"""The holder's passport PDF: rendered in the background, stored, and served only while it is current.

A render costs a second or more of CPU (WeasyPrint), so a download serves the PDF stored in
``passport_pdf`` (:class:`~competency.passport.models.PassportPdf`, one row per holder, in the
database so every web and worker process, on any host, sees the same row in the same transaction):

- **Never stale.** The row keeps the credential-set key of the PDF it holds
  (:func:`competency.passport.pdf.credential_set_key`: the holder's details, every credential with
  its revocation and suspension, the employment rows, the templates). A download reads the passport
  as it is now, computes its key (a few milliseconds) and serves the stored bytes only when the keys
  are equal. Otherwise it renders in the request from what it read and stores that, so a revocation
  shows however the stored PDF fell behind: no notification has to arrive for that.
- **Rendered ahead.** Every change a PDF shows (a credential issued, revoked, suspended or
  reinstated; the holder's name or registration; an employment row or its organisation's name)
  raises the row's ``change_count`` in the same transaction (:mod:`competency.passport.hooks`), and
  after the commit a ``render_passport_pdf`` task is queued. Opening the passport page does the same
  when the stored PDF is missing or behind, so the download that follows is usually served at once.
- **Nothing lost when the broker is down.** Queueing never fails a request (one short try); the owed
  render is already committed in its row (``rendered_change_count < change_count``), and the
  periodic ``refresh_passport_pdfs`` sweep renders it once the worker runs again.
- **One render at a time.** A worker claims the row (``render_started_at``) before rendering, so a task
  queued twice, or a task and the sweep, render once; a claim older than :data:`CLAIM_SECONDS` (its
  worker died) is taken over. A render never replaces the PDF of a later change: it is stored only
  where ``rendered_change_count`` is not above the count it read.
- **No transaction held while WeasyPrint works.** :func:`prepare` reads all a render needs into a
  :class:`PdfJob` (no ORM objects), the caller ends its transaction (on SQLite every transaction holds
  the write lock), :func:`render` uses no database, and :func:`store` writes in a new transaction.

Name, employment and organisation changes only raise the count of holders who have a row already, so
nobody's PDF is rendered before they have a credential or have asked for it.
"""
from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from competency.accounts.models import Employment, Organisation, User
from competency.db import UTCDateTime, utcnow
from competency.extensions import db
from competency.passport import queries, sharing
from competency.passport.models import PassportCredential, PassportPdf
from competency.passport.pdf import credential_set_key, passport_html, write_pdf
from competency.passport.statements import capability_statements

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died: another may take the render over.
CLAIM_SECONDS = 300
# More holders owed at one commit than this (an organisation renamed): one sweep instead of a task each.
QUEUE_EACH_MAX = 10
RENDER_TASK = "worker.tasks.render_passport_pdf"
SWEEP_TASK = "worker.tasks.refresh_passport_pdfs"

# session.info keys (see competency.passport.hooks).
NOTED_CREDENTIALS = "passport_pdf_credential_holders"
NOTED_DETAILS = "passport_pdf_detail_holders"
NOTED_ORGANISATIONS = "passport_pdf_organisations"
NOTED_NEW_USERS = "passport_pdf_new_users"  # made in this transaction: no row yet, nothing stored to raise
TO_QUEUE = "passport_pdf_to_queue"

_HOLDER_FIELDS = ("display_name", "profession", "registration_body", "registration_number")
_EMPLOYMENT_FIELDS = ("organisation_id", "role_title", "band_label", "start_on", "end_on")
_OWED = PassportPdf.rendered_change_count < PassportPdf.change_count


@dataclass
class PdfJob:
    """One holder's PDF: the stored bytes when current (``pdf``), else what a render needs."""

    holder_id: int
    key: str
    # The row's change_count, read before the passport: the render covers at least that change.
    seen: int
    pdf: bytes | None = None
    html: str | None = None
    bundle: dict | None = None


def _counts(holder_id: int):
    return db.session.execute(
        sa.select(PassportPdf.content_key, PassportPdf.change_count, PassportPdf.rendered_change_count)
        .where(PassportPdf.holder_id == holder_id)).first()


def prepare(holder: User) -> PdfJob:
    """The holder's stored PDF if it shows their passport as it is now, else all a render needs.

    Reads in the caller's transaction; the stored bytes are read with the key they must have, so a
    PDF stored meanwhile for another state is never taken for this one.
    """
    row = _counts(holder.id)
    overview = queries.passport_overview(holder)
    statements = capability_statements(overview.credentials)
    job = PdfJob(holder.id, credential_set_key(overview, statements), row.change_count if row else 0)
    if row is not None and row.content_key == job.key:
        job.pdf = db.session.scalar(sa.select(PassportPdf.pdf).where(
            PassportPdf.holder_id == holder.id, PassportPdf.content_key == job.key))
        if job.pdf is not None:
            return job
    job.html = passport_html(overview, statements, datetime.now(UTC))
    job.bundle = sharing.bundle(overview.credentials)
    return job


def render(job: PdfJob) -> bytes:
    """The PDF (the slow part); uses no database, so call it with no transaction open."""
    return write_pdf(job.html, job.bundle)


def _insert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def store(job: PdfJob, pdf: bytes) -> bool:
    """Keep ``pdf`` as the holder's PDF unless one covering a later change is stored; True when kept."""
    now = utcnow()
    statement = _insert()(PassportPdf).values(
        holder_id=job.holder_id, content_key=job.key, pdf=pdf, rendered_at=now, change_count=job.seen,
        rendered_change_count=job.seen, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[PassportPdf.holder_id],
        set_={"content_key": statement.excluded.content_key, "pdf": statement.excluded.pdf,
              "rendered_at": statement.excluded.rendered_at,
              "rendered_change_count": statement.excluded.rendered_change_count},
        where=PassportPdf.__table__.c.rendered_change_count <= job.seen)
    return db.session.execute(statement).rowcount == 1


def claim(holder_id: int) -> bool:
    """Take the holder's owed render for this worker; False when none is owed or another worker has it."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(PassportPdf)
        .where(PassportPdf.holder_id == holder_id, _OWED,
               sa.or_(PassportPdf.render_started_at.is_(None),
                      PassportPdf.render_started_at < now - timedelta(seconds=CLAIM_SECONDS)))
        .values(render_started_at=now).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def release(job: PdfJob) -> None:
    """End this worker's claim; when the stored PDF was current already, record that it covers ``seen``."""
    count = PassportPdf.rendered_change_count
    db.session.execute(
        sa.update(PassportPdf).where(PassportPdf.holder_id == job.holder_id)
        .values(render_started_at=None,
                rendered_change_count=sa.case((sa.and_(PassportPdf.content_key == job.key, count < job.seen),
                                               job.seen), else_=count))
        .execution_options(synchronize_session=False))


def owed_holders(limit: int) -> list[int]:
    """Holders whose PDF is owed a render and not being rendered, longest waiting first (for the sweep)."""
    cutoff = utcnow() - timedelta(seconds=CLAIM_SECONDS)
    return list(db.session.scalars(
        sa.select(PassportPdf.holder_id)
        .where(_OWED, sa.or_(PassportPdf.render_started_at.is_(None), PassportPdf.render_started_at < cutoff))
        .order_by(PassportPdf.changed_at, PassportPdf.holder_id).limit(limit)))


def _raise_counts(holder_ids: sa.Select) -> set[int]:
    """Raise the change count of each holder ``holder_ids`` selects (making rows that are missing), in
    holder order so two transactions never wait on each other's rows; the holders are queued after commit."""
    now = utcnow()
    source = holder_ids.add_columns(sa.literal(1), sa.literal(0), sa.literal(now, UTCDateTime()))
    statement = _insert()(PassportPdf).from_select(
        ["holder_id", "change_count", "rendered_change_count", "changed_at"], source)
    statement = statement.on_conflict_do_update(
        index_elements=[PassportPdf.holder_id],
        set_={"change_count": PassportPdf.__table__.c.change_count + 1, "changed_at": now},
    ).returning(PassportPdf.holder_id)
    raised = set(db.session.scalars(statement))
    db.session.info.setdefault(TO_QUEUE, set()).update(raised)
    return raised


def owe(holder_ids: Iterable[int]) -> set[int]:
    """The holders' PDFs are owed a render: raise their counts in this transaction, queue after commit."""
    ids = sorted(set(holder_ids))
    if not ids:
        return set()
    return _raise_counts(sa.select(User.id).where(User.id.in_(ids)).order_by(User.id))


def owe_if_stored(holder_ids: Iterable[int], organisation_ids: Iterable[int] = ()) -> set[int]:
    """As :func:`owe`, for holders who have a row already (and those employed at ``organisation_ids``)."""
    ids, organisations = sorted(set(holder_ids)), sorted(set(organisation_ids))
    conditions = []
    if ids:
        conditions.append(PassportPdf.holder_id.in_(ids))
    if organisations:
        conditions.append(PassportPdf.holder_id.in_(
            sa.select(Employment.user_id).where(Employment.organisation_id.in_(organisations))))
    if not conditions:
        return set()
    return _raise_counts(sa.select(PassportPdf.holder_id).where(sa.or_(*conditions))
                         .order_by(PassportPdf.holder_id))


def owe_if_behind(holder: User, overview: queries.PassportOverview, statements: dict[int, str]) -> bool:
    """For the passport page: have the PDF rendered when none is stored, or the stored one shows something
    else and no render is owed (e.g. after a release changed the templates). True when there is something
    to commit."""
    row = _counts(holder.id)
    if row is not None and (row.rendered_change_count < row.change_count
                            or row.content_key == credential_set_key(overview, statements)):
        return False
    owe([holder.id])
    return True


def _changed(obj, names: tuple[str, ...]) -> bool:
    attributes = sa.inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in names)


def note_flush(session) -> None:
    """Note in ``session.info`` whose PDFs what this flush wrote changes (call from ``after_flush``,
    where new, dirty and deleted still list what was flushed)."""
    credentials, details, organisations, new_users = set(), set(), set(), set()
    for obj in itertools.chain(session.new, session.deleted):
        if isinstance(obj, PassportCredential):
            credentials.add(obj.holder_id)
        elif isinstance(obj, Employment):
            details.add(obj.user_id)
    new_users.update(obj.id for obj in session.new if isinstance(obj, User))
    for obj in session.dirty:
        if isinstance(obj, PassportCredential):
            if session.is_modified(obj, include_collections=False):
                credentials.add(obj.holder_id)
        elif isinstance(obj, Employment):
            if _changed(obj, _EMPLOYMENT_FIELDS):
                details.add(obj.user_id)
        elif isinstance(obj, User):
            if _changed(obj, _HOLDER_FIELDS):
                details.add(obj.id)
        elif isinstance(obj, Organisation) and _changed(obj, ("name",)):
            organisations.add(obj.id)
    for key, found in ((NOTED_CREDENTIALS, credentials), (NOTED_DETAILS, details),
                       (NOTED_ORGANISATIONS, organisations), (NOTED_NEW_USERS, new_users)):
        if found:
            session.info.setdefault(key, set()).update(found)


def owe_noted(session) -> None:
    """Raise the counts of every holder noted since the last commit (call from ``before_commit``)."""
    credentials = session.info.pop(NOTED_CREDENTIALS, set())
    details = session.info.pop(NOTED_DETAILS, set()) - credentials - session.info.pop(NOTED_NEW_USERS, set())
    organisations = session.info.pop(NOTED_ORGANISATIONS, set())
    owe(credentials)
    owe_if_stored(details, organisations)


def forget(session) -> None:
    for key in (NOTED_CREDENTIALS, NOTED_DETAILS, NOTED_ORGANISATIONS, NOTED_NEW_USERS, TO_QUEUE):
        session.info.pop(key, None)


def queue_renders(holder_ids: set[int]) -> None:
    """Ask the worker to render these PDFs now (after commit). If the broker is down the renders stay owed
    in their rows for the sweep, and the first failure ends the attempt: a request waits on it once at most."""
    if len(holder_ids) > QUEUE_EACH_MAX:
        _publish(SWEEP_TASK)
        return
    for holder_id in sorted(holder_ids):
        if not _publish(RENDER_TASK, holder_id):
            return


def _publish(name: str, *args) -> bool:
    try:
        from worker.celery_app import get_celery

        celery = get_celery()
        if celery.conf.task_always_eager:
            # Tasks run inline in eager mode: a render must not run inside another request's commit.
            # Without a worker the download renders (and stores) the PDF when it is asked for.
            return False
        celery.tasks[name].apply_async(args=args, retry=False)
    except Exception as exc:  # any broker failure must not fail the user's request
        log.warning("Could not reach the task broker; passport PDF renders stay owed for the sweep: %s", exc)
        return False
    return True
