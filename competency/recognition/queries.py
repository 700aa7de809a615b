"""Read-only: what a person brought from earlier employers, for many people at a fixed query cost."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from competency.extensions import db
from competency.recognition.models import PriorEmployment, RecognisedKind, RecognisedProgramme

HEX = re.compile(r"[0-9a-f]{64}")
# Programme kinds that are a first-year preceptorship (done once after registration).
PRECEPTORSHIP_KINDS = ("preceptorship", "asye")


def prior_employments(user_id: int) -> list[PriorEmployment]:
    return list(db.session.scalars(sa.select(PriorEmployment).where(PriorEmployment.user_id == user_id)
                                   .order_by(PriorEmployment.start_on.desc(), PriorEmployment.id.desc())))


def verified_prior_spans(user_ids: Collection[int], today: date) -> dict[int, list[tuple[int | None, str, date, date]]]:
    """(organisation id or None, level code, start, last day vouched for) of each verified previous post."""
    out: dict[int, list] = defaultdict(list)
    if not user_ids:
        return out
    rows = db.session.scalars(sa.select(PriorEmployment).where(
        PriorEmployment.user_id.in_(user_ids), PriorEmployment.verified_at.is_not(None)))
    for record in rows:
        out[record.user_id].append((record.organisation_id, record.level_code, record.start_on,
                                    record.counts_until(today)))
    return out


def recognised_programmes(user_id: int) -> list[RecognisedProgramme]:
    return list(db.session.scalars(sa.select(RecognisedProgramme).where(RecognisedProgramme.user_id == user_id)
                                   .order_by(RecognisedProgramme.ended_on.desc(), RecognisedProgramme.id.desc())))


@dataclass(frozen=True)
class CompletedProgramme:
    name: str
    where: str
    completed_on: date | None
    is_recognised: bool


def completed_programme(user_id: int, programme_kind: str) -> CompletedProgramme | None:
    """A programme of this kind the person already completed, here or (recognised) elsewhere."""
    from competency.accounts.models import Organisation
    from competency.preceptorship.models import ProgrammeCompletion

    local = db.session.execute(
        sa.select(ProgrammeCompletion.template_title, Organisation.name, ProgrammeCompletion.completed_on)
        .join(Organisation, Organisation.id == ProgrammeCompletion.organisation_id)
        .where(ProgrammeCompletion.practitioner_id == user_id, ProgrammeCompletion.programme_kind == programme_kind)
        .order_by(ProgrammeCompletion.completed_on.desc()).limit(1)).first()
    if local is not None:
        return CompletedProgramme(local[0], local[1], local[2], False)
    recognised = db.session.scalar(
        sa.select(RecognisedProgramme).where(RecognisedProgramme.user_id == user_id,
                                             RecognisedProgramme.kind == RecognisedKind.completion,
                                             RecognisedProgramme.programme_kind == programme_kind)
        .order_by(RecognisedProgramme.ended_on.desc()).limit(1))
    if recognised is not None:
        return CompletedProgramme(recognised.programme_name, recognised.issuer_name, recognised.ended_on, True)
    return None


def has_completed_preceptorship_clause(user_id_column):
    """SQL: the person completed a first-year programme here or had one recognised (for set-based checks)."""
    from competency.preceptorship.models import ProgrammeCompletion

    return sa.or_(
        sa.exists().where(ProgrammeCompletion.practitioner_id == user_id_column,
                          ProgrammeCompletion.programme_kind.in_(PRECEPTORSHIP_KINDS)),
        sa.exists().where(RecognisedProgramme.user_id == user_id_column,
                          RecognisedProgramme.kind == RecognisedKind.completion,
                          RecognisedProgramme.programme_kind.in_(PRECEPTORSHIP_KINDS)))


def progress_to_carry(user_id: int, template_slug: str) -> RecognisedProgramme | None:
    """The newest recognised progress on this programme not yet carried into an enrolment."""
    return db.session.scalar(
        sa.select(RecognisedProgramme).where(
            RecognisedProgramme.user_id == user_id, RecognisedProgramme.kind == RecognisedKind.progress,
            RecognisedProgramme.template_slug == template_slug, RecognisedProgramme.carried_into_id.is_(None))
        .order_by(RecognisedProgramme.ended_on.desc(), RecognisedProgramme.id.desc()).limit(1))


def _kind_for_label(label) -> str:
    from competency.evidence.models import KIND_LABELS

    by_label = {text.lower(): kind.value for kind, text in KIND_LABELS.items()}
    return by_label.get(str(label or "").strip().lower(), "other")


def credential_evidence_counts(user_ids: Collection[int]) -> dict[int, Counter]:
    """Evidence known only from recognised sign-off credentials (cited there, not held here), by kind.

    Evidence a local sign-off cited has its hash in that sign-off, so the same item is
    never counted twice, however many credentials cite it. One query.
    """
    from competency.signoff.models import SignOff, SignOffSource
    from competency.signoff.queries import not_revoked

    out: dict[int, Counter] = defaultdict(Counter)
    if not user_ids:
        return out
    local: dict[int, set[str]] = defaultdict(set)
    imported: dict[int, dict[str, str]] = defaultdict(dict)
    rows = db.session.execute(sa.select(SignOff.practitioner_id, SignOff.source, SignOff.evidence_hashes)
                              .where(SignOff.practitioner_id.in_(user_ids), not_revoked()))
    for user_id, source, hashes in rows:
        for item in hashes or []:
            digest = item.get("content_hash") if isinstance(item, dict) else None
            if not isinstance(digest, str) or not HEX.fullmatch(digest):
                continue
            if source == SignOffSource.local:
                local[user_id].add(digest)
            else:
                imported[user_id].setdefault(digest, _kind_for_label(item.get("kind")))
    for user_id, items in imported.items():
        for digest, kind in items.items():
            if digest not in local[user_id]:
                out[user_id][kind] += 1
    return out
