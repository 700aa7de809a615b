"""Milestone reviews: the written review, each party's signature, and what completing one sets off.

A signature covers the exact text signed (its SHA-256). Editing the review afterwards
leaves earlier signatures on record but no longer current, so everyone signs the words
that stand. A milestone is complete when every party the template names has a current
signature; completing the programme's final milestone completes the enrolment (or,
for moderated templates, hands it to the moderation panel).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import EnrolmentMilestone, EnrolmentStatus, MilestoneSignature, Outcome
from competency.preceptorship.queries import enrolment_evidence_counts, evidence_lines
from competency.preceptorship.services import complete
from competency.preceptorship.specs import EVIDENCE_KINDS
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

REVIEW_FIELDS = ("reflection", "development_plan", "goals", "concerns")


def review_hash(milestone: EnrolmentMilestone) -> str:
    payload = {name: getattr(milestone, name) or "" for name in REVIEW_FIELDS}
    payload["has_concern"] = bool(milestone.has_concern)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def current_signatures(milestone: EnrolmentMilestone) -> dict[str, MilestoneSignature]:
    """The latest signature of each party that still matches the review text."""
    digest = review_hash(milestone)
    found: dict[str, MilestoneSignature] = {}
    for signature in milestone.signatures:
        if signature.content_hash == digest:
            found[signature.party] = signature
    return found


def outstanding_parties(milestone: EnrolmentMilestone) -> list[str]:
    signed = current_signatures(milestone)
    return [party for party in milestone.definition.signed_by if party not in signed]


def _is_open_for(milestone: EnrolmentMilestone) -> bool:
    enrolment = milestone.enrolment
    return enrolment.is_open or (enrolment.status == EnrolmentStatus.completed and milestone.is_after_completion)


def save_review(milestone: EnrolmentMilestone, *, by: User, at: datetime, reflection: str | None = None,
                development_plan: str | None = None, goals: str | None = None, concerns: str | None = None,
                has_concern: bool | None = None) -> EnrolmentMilestone:
    """Update the review text (fields left as None stay as they are).

    Raising a concern makes every milestone that is ``required_when: concern_raised`` required.
    """
    if not _is_open_for(milestone):
        raise Conflict(f"This programme is {milestone.enrolment.status.value}; its reviews can no longer change.")
    if not policies.signing_parties(by, milestone):
        raise PermissionDenied("Only the people who sign this review can write it.")
    if milestone.is_done:
        raise Conflict("Everyone has signed this review, so it can no longer change.")
    values = {"reflection": reflection, "development_plan": development_plan, "goals": goals, "concerns": concerns}
    changed = False
    for name, value in values.items():
        if value is not None and (value.strip() != (getattr(milestone, name) or "")):
            setattr(milestone, name, value.strip())
            changed = True
    if has_concern is not None and bool(has_concern) != milestone.has_concern:
        milestone.has_concern = bool(has_concern)
        changed = True
    if milestone.has_concern and not milestone.concerns:
        raise EnrolmentRuleError("Describe the concern so it can be followed up.", field="concerns",
                                 rule="concern-described")
    if changed:
        milestone.review_updated_at = at
        milestone.review_updated_by_id = by.id
    if milestone.has_concern:
        _require_concern_milestones(milestone, by)
    db.session.flush()
    return milestone


def _require_concern_milestones(milestone: EnrolmentMilestone, by: User) -> None:
    enrolment = milestone.enrolment
    for other in enrolment.milestones:
        if other.definition.required_when == "concern_raised" and not other.is_required and not other.is_done:
            other.is_required = True
            record_event("programme.milestone_required", actor=by, organisation=enrolment.organisation_id,
                         subject=enrolment, data={"milestone": other.code, "because": "concern_raised",
                                                  "raised_at": milestone.code})


def evidence_problem(milestone: EnrolmentMilestone) -> str | None:
    """What evidence is still missing where the template enforces counts (None when nothing blocks)."""
    definition = milestone.definition
    if not definition.is_evidence_enforced or not definition.evidence:
        return None
    enrolment = milestone.enrolment
    counts = enrolment_evidence_counts(enrolment)
    if counts is None:
        return None
    missing = [f"{line.missing} more {EVIDENCE_KINDS.get(line.kind, line.kind)}"
               for line in evidence_lines(definition.evidence, counts) if not line.is_met]
    if not missing:
        return None
    return (f"This review needs evidence logged since the programme started: {'; '.join(missing)}. "
            "Add it to the evidence log, then sign.")


def sign_milestone(milestone: EnrolmentMilestone, *, by: User, at: datetime, on: date) -> list[MilestoneSignature]:
    """Sign the review as every party ``by`` is on it (in any order). Signing twice changes nothing.

    :raises PermissionDenied: ``by`` does not sign this milestone.
    :raises EnrolmentRuleError: the review is empty, or enforced evidence counts are not met.
    """
    parties = policies.signing_parties(by, milestone)
    if not parties:
        labels = ", ".join(milestone.enrolment.template_version.party_label(p) for p in milestone.definition.signed_by)
        raise PermissionDenied(f"This review is signed by: {labels}.")
    if not _is_open_for(milestone):
        raise Conflict(f"This programme is {milestone.enrolment.status.value}; its reviews can no longer be signed.")
    if milestone.is_done:
        raise Conflict("Everyone has already signed this review.")
    if not any((getattr(milestone, name) or "").strip() for name in REVIEW_FIELDS):
        raise EnrolmentRuleError("Write the review (at least the reflection or goals) before signing it.",
                                 field="reflection", rule="review-written")
    problem = evidence_problem(milestone)
    if problem:
        raise EnrolmentRuleError(problem, field="evidence", rule="milestone-evidence-counts")
    digest = review_hash(milestone)
    already = current_signatures(milestone)
    added = []
    for party in sorted(parties):
        if party in already:
            continue
        signature = MilestoneSignature(party=party, user_id=by.id, signer_name=by.display_name, content_hash=digest,
                                       signed_at=at)
        milestone.signatures.append(signature)
        added.append(signature)
    db.session.flush()
    enrolment = milestone.enrolment
    if added:
        record_event("programme.review_signed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                     data={"milestone": milestone.code, "parties": [s.party for s in added], "hash": digest})
    waiting = outstanding_parties(milestone)
    if not waiting:
        _complete_milestone(milestone, by=by, on=on)
    elif added:
        people = {"preceptee": enrolment.practitioner, "preceptor": enrolment.preceptor, "lead": enrolment.lead}
        for party in waiting:
            if people[party].id != by.id:
                notify(people[party], kind="programme.signature_needed",
                       title=f"Sign the {milestone.definition.title.lower()} for {enrolment.practitioner.display_name}",
                       body=f"{by.display_name} has signed; your signature completes it when everyone has signed.",
                       link=link_to("programmes.milestone", enrolment_id=enrolment.id, code=milestone.code),
                       dedupe_key=f"programme.signature_needed:{milestone.id}:{party}:{digest[:16]}")
    return added


def _complete_milestone(milestone: EnrolmentMilestone, *, by: User, on: date) -> None:
    milestone.completed_on = on
    enrolment = milestone.enrolment
    db.session.flush()
    record_event("programme.milestone_completed", actor=by, organisation=enrolment.organisation_id,
                 subject=enrolment, data={"milestone": milestone.code, "completed_on": on.isoformat()})
    if milestone.definition.completes_programme and not enrolment.template_version.is_moderated:
        complete(enrolment, outcome=Outcome.completed, by=by, on=on)
