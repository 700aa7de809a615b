"""Employment records and programme progress as Open Badges 3.0 credentials, and reading them back.

"Say it once" needs more than sign-offs to travel: the next employer counts months
in post from the employment history, and a move in the middle of a preceptorship
carries what was done. Both are ordinary ``OpenBadgeCredential``s using only Open
Badges 3.0 terms (so the signing check accepts them), with ``ext:`` achievement
types as OB3 allows:

* ``ext:EmploymentRecord``: the subject's ``role`` (the title as the employer
  words it) and ``activityStartDate``/``activityEndDate``; results give the level
  of practice (a rubric level, as in sign-offs), the full-time equivalent and the
  pay band or grade. A post still held has no end date: it is vouched for up to
  the credential's ``validFrom``.
* ``ext:ProgrammeProgress``: a programme left part-way (for example on moving
  employer). ``achievement.humanCode`` is the programme template's slug and
  ``version`` its version; each completed milestone is a ``Result`` with status
  ``Completed``; evidence counts and programme days completed are ``Result`` values.
  Each result description carries an ``Alignment`` whose ``targetCode`` names the
  milestone code or evidence kind, so a receiving service reads codes, not prose.

Readers never trust the document (verification does that) and tolerate any shape:
a missing or malformed field reads as None, never an exception.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from competency.passport import credentials as ob
from competency.passport.summary import _date, _dict, _list, _text, _uuid

EMPLOYMENT_RECORD = ob.EMPLOYMENT_RECORD
PROGRAMME_PROGRESS = ob.PROGRAMME_PROGRESS
MILESTONE_TARGET = "ext:ProgrammeMilestone"
EVIDENCE_TARGET = "ext:EvidenceKind"
PRACTICE_DAYS_TARGET = "ext:ProgrammeDays"
RECORDS_NAMESPACE = uuid.UUID("0b7c2a53-5d1e-5d57-9c8e-31a4f1d2e6b7")


@dataclass(frozen=True)
class EmploymentFacts:
    credential_id: str
    issuer: ob.IssuerProfile
    holder: ob.Holder
    role_title: str
    level: ob.Level | None
    start_on: date
    stated_at: datetime
    end_on: date | None = None
    fte: float = 1.0
    band_label: str | None = None
    levels: Sequence[ob.Level] = ()
    status: Sequence = ()
    salt: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ProgressFacts:
    credential_id: str
    issuer: ob.IssuerProfile
    holder: ob.Holder
    programme: ob.Programme
    template_slug: str
    started_on: date
    stated_on: date
    stated_at: datetime
    practice_days: int
    # (code, title, completed on) of each completed milestone, in programme order.
    milestones: Sequence[tuple[str, str, date]] = ()
    # evidence kind -> count, as the programme counts it (feedback_people, ...).
    evidence_counts: Mapping[str, int] = field(default_factory=dict)
    status: Sequence = ()
    salt: str | None = field(default=None, repr=False)


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(RECORDS_NAMESPACE, name)}"


def _aligned(description_id: str, name: str, result_type: str, target_type: str, code: str) -> dict[str, Any]:
    return {
        "id": description_id,
        "type": ["ResultDescription"],
        "name": name,
        "resultType": result_type,
        "alignment": [{"type": ["Alignment"], "targetType": target_type, "targetCode": code, "targetName": name,
                       "targetUrl": _urn(f"{target_type}/{code}")}],
    }


def build_employment_credential(facts: EmploymentFacts) -> dict[str, Any]:
    """The unsigned credential for one post at the issuing organisation."""
    base_id = _urn(f"employment/{facts.issuer.did}")
    descriptions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    if facts.level is not None:
        levels = list(facts.levels) or [facts.level]
        if facts.level.identifier not in {item.identifier for item in levels}:
            levels.append(facts.level)
        rubric = _urn(f"employment/{facts.issuer.did}/level-of-practice")
        descriptions.append({
            "id": rubric, "type": ["ResultDescription"], "name": "Level of practice",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [{"id": f"urn:uuid:{item.identifier}", "type": ["RubricCriterionLevel"],
                                      "name": item.name} for item in levels]})
        results.append({"type": ["Result"], "resultDescription": rubric,
                        "achievedLevel": f"urn:uuid:{facts.level.identifier}"})
    fte_id = _urn(f"employment/{facts.issuer.did}/fte")
    descriptions.append({"id": fte_id, "type": ["ResultDescription"], "name": "Full-time equivalent",
                         "resultType": "ext:FullTimeEquivalent", "valueMin": "0.01", "valueMax": "1"})
    results.append({"type": ["Result"], "resultDescription": fte_id, "value": f"{facts.fte:.2f}"})
    if facts.band_label:
        grade_id = _urn(f"employment/{facts.issuer.did}/grade")
        descriptions.append({"id": grade_id, "type": ["ResultDescription"], "name": "Pay band or grade",
                             "resultType": "ext:PayGrade"})
        results.append({"type": ["Result"], "resultDescription": grade_id, "value": facts.band_label})
    until = f" to {facts.end_on.isoformat()}" if facts.end_on else ""
    achievement = {
        "id": base_id,
        "type": ["Achievement"],
        "achievementType": EMPLOYMENT_RECORD,
        "name": f"Employment at {facts.issuer.name}",
        "description": f"A post held at {facts.issuer.name}, as the employer records it.",
        "criteria": {"narrative": "Recorded by the employer from its own employment records."},
        "tag": ["employment"],
        "resultDescription": descriptions,
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": ob.holder_identifiers(facts.holder, facts.salt),
        "achievement": achievement,
        "role": facts.role_title,
        # The OB 3.0 schema types both as date-time: midnight UTC of the day (read back as the day).
        "activityStartDate": ob.day_start(facts.start_on),
        "result": results,
    }
    if facts.end_on is not None:
        subject["activityEndDate"] = ob.day_start(facts.end_on)
    credential = ob._base(
        facts.credential_id, facts.issuer, name=f"{facts.role_title} at {facts.issuer.name}",
        description=f"{facts.role_title} at {facts.issuer.name} from {facts.start_on.isoformat()}{until}.",
        valid_from=facts.stated_at, valid_until=None, status=facts.status)
    credential["credentialSubject"] = subject
    return credential


def build_progress_credential(facts: ProgressFacts) -> dict[str, Any]:
    """The unsigned credential for a programme left part-way, with what was done."""
    programme = facts.programme
    prefix = f"progress/{programme.identifier}"
    descriptions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for code, title, completed_on in facts.milestones:
        description_id = _urn(f"{prefix}/milestone/{code}")
        descriptions.append(_aligned(description_id, title, "Status", MILESTONE_TARGET, code))
        results.append({"type": ["Result"], "resultDescription": description_id, "status": "Completed",
                        "value": completed_on.isoformat()})
    for kind, count in sorted(facts.evidence_counts.items()):
        description_id = _urn(f"{prefix}/evidence/{kind}")
        descriptions.append(_aligned(description_id, f"Evidence: {kind.replace('_', ' ')}", "ext:EvidenceCount",
                                     EVIDENCE_TARGET, kind))
        results.append({"type": ["Result"], "resultDescription": description_id, "value": str(int(count))})
    days_id = _urn(f"{prefix}/practice-days")
    descriptions.append(_aligned(days_id, "Programme days completed (full time)", "ext:ProgrammeDays",
                                 PRACTICE_DAYS_TARGET, "practice_days"))
    results.append({"type": ["Result"], "resultDescription": days_id, "value": str(int(facts.practice_days))})
    achievement: dict[str, Any] = {
        "id": _urn(prefix),
        "type": ["Achievement"],
        "achievementType": PROGRAMME_PROGRESS,
        "name": f"{programme.name}: progress",
        "description": programme.description,
        "humanCode": facts.template_slug,
        "criteria": {"narrative": "Milestones signed by the practitioner and their preceptor before the programme "
                                  "ended at this organisation; evidence counted as the programme counts it."},
        "tag": [programme.kind],
        "resultDescription": descriptions,
    }
    if programme.version:
        achievement["version"] = programme.version
    credential = ob._base(
        facts.credential_id, facts.issuer, name=f"{programme.name}: progress to {facts.stated_on.isoformat()}",
        description=(f"Progress on {programme.name} ({programme.kind}) at {facts.issuer.name} from "
                     f"{facts.started_on.isoformat()} to {facts.stated_on.isoformat()}."),
        valid_from=facts.stated_at, valid_until=None, status=facts.status)
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": ob.holder_identifiers(facts.holder, facts.salt),
        "achievement": achievement,
        "activityStartDate": ob.day_start(facts.started_on),
        "activityEndDate": ob.day_start(facts.stated_on),
        "result": results,
    }
    return credential


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmploymentClaim:
    employer_name: str | None
    role_title: str
    level_uuid: str | None
    level_name: str | None
    band_label: str | None
    fte: float
    start_on: date
    end_on: date | None
    as_of_on: date | None


@dataclass(frozen=True)
class ProgrammeClaim:
    """A completion or progress credential's programme, as far as it can be read."""

    programme_id: str | None
    name: str
    kind: str
    version: str | None
    slug: str | None
    started_on: date | None
    ended_on: date | None
    milestones: tuple[tuple[str, str, date | None], ...] = ()
    evidence_counts: Mapping[str, int] = field(default_factory=dict)
    practice_days: int = 0


def _subject(document: Any) -> tuple[dict, dict]:
    subject = _dict(_dict(document).get("credentialSubject"))
    return subject, _dict(subject.get("achievement"))


def _descriptions(achievement: dict) -> dict[str, dict]:
    return {d.get("id"): d for d in map(_dict, _list(achievement.get("resultDescription"))) if d.get("id")}


def _fte(value: Any) -> float:
    try:
        fte = round(float(value), 2)
    except (TypeError, ValueError):
        return 1.0
    return fte if 0 < fte <= 1 else 1.0


def read_employment(document: Any) -> EmploymentClaim | None:
    subject, achievement = _subject(document)
    if achievement.get("achievementType") != EMPLOYMENT_RECORD:
        return None
    start_on = _date(subject.get("activityStartDate"))
    if start_on is None:
        return None
    descriptions = _descriptions(achievement)
    level_uuid = level_name = band = None
    fte = 1.0
    for result in map(_dict, _list(subject.get("result"))):
        description = descriptions.get(result.get("resultDescription"), {})
        kind = description.get("resultType")
        if kind == "RubricCriterionLevel" and result.get("achievedLevel"):
            level_uuid = _uuid(result.get("achievedLevel"))
            level_name = next((_text(level.get("name")) for level in map(_dict, _list(
                description.get("rubricCriterionLevel"))) if level.get("id") == result.get("achievedLevel")), None)
        elif kind == "ext:FullTimeEquivalent":
            fte = _fte(result.get("value"))
        elif kind == "ext:PayGrade":
            band = _text(result.get("value"), 40)
    issuer = _dict(document).get("issuer") if isinstance(document, dict) else None
    end_on = _date(subject.get("activityEndDate"))
    if end_on is not None and end_on < start_on:
        end_on = None
    return EmploymentClaim(
        employer_name=_text(_dict(issuer).get("name"), 200), role_title=_text(subject.get("role"), 120) or "Not stated",
        level_uuid=level_uuid, level_name=level_name, band_label=band, fte=fte, start_on=start_on, end_on=end_on,
        as_of_on=_date(_dict(document).get("validFrom")) if end_on is None else None)


def _count(value: Any) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return max(0, min(number, 10_000))


def read_programme(document: Any) -> ProgrammeClaim | None:
    """A completion (``ext:ProgrammeCompletion``) or progress (``ext:ProgrammeProgress``) credential."""
    subject, achievement = _subject(document)
    kind = achievement.get("achievementType")
    if kind not in (ob.PROGRAMME_COMPLETION, PROGRAMME_PROGRESS):
        return None
    tags = [tag for tag in _list(achievement.get("tag")) if isinstance(tag, str)]
    name = _text(achievement.get("name")) or "Programme"
    if kind == PROGRAMME_PROGRESS and name.endswith(": progress"):
        name = name[: -len(": progress")]
    claim = ProgrammeClaim(
        programme_id=_uuid(achievement.get("id")), name=name, kind=(tags[0] if tags else "preceptorship")[:40],
        version=_text(achievement.get("version"), 20), slug=_text(achievement.get("humanCode"), 80),
        started_on=_date(subject.get("activityStartDate")), ended_on=_date(subject.get("activityEndDate")))
    if kind == ob.PROGRAMME_COMPLETION:
        return claim
    descriptions = _descriptions(achievement)
    milestones, counts, days = [], {}, 0
    for result in map(_dict, _list(subject.get("result"))):
        description = descriptions.get(result.get("resultDescription"), {})
        alignment = next(iter(map(_dict, _list(description.get("alignment")))), {})
        target, code = alignment.get("targetType"), _text(alignment.get("targetCode"), 60)
        if not code:
            continue
        if target == MILESTONE_TARGET and result.get("status") == "Completed":
            milestones.append((code, _text(description.get("name"), 200) or code, _date(result.get("value"))))
        elif target == EVIDENCE_TARGET:
            counts[code] = _count(result.get("value"))
        elif target == PRACTICE_DAYS_TARGET:
            days = _count(result.get("value"))
    return ProgrammeClaim(**{**claim.__dict__, "milestones": tuple(milestones), "evidence_counts": counts,
                             "practice_days": days})
