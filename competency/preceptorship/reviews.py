"""Milestone reviews: a section per party, each party's signature, and what completing one sets off.

Each party writes their own section and signs it; a signature covers that section and
what the signer read of the others (:mod:`competency.preceptorship.review_sections`).
A change that would stop someone else's signature standing is refused with
:class:`ResignConfirmationNeeded` until the person saving has seen who will need to sign
again and agreed, so nothing is voided silently. A milestone is complete when every party
the template names has a standing signature; completing the programme's final milestone
completes the enrolment (or, for moderated templates, hands it to the moderation panel).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError, ResignConfirmationNeeded
from competency.preceptorship.models import EnrolmentMilestone, EnrolmentStatus, MilestoneSignature, Outcome
from competency.preceptorship.queries import enrolment_evidence_counts, evidence_lines
from competency.preceptorship.review_sections import (
    FIELD_OWNER,
    SECTIONS,
    current_signatures,
    is_written,
    parties_of,
    section_state,
    section_values,
    signature_for,
    signatures_voided_by,
    whole_review_hash,
    why_voided,
)
from competency.preceptorship.services import complete
from competency.preceptorship.specs import EVIDENCE_KINDS
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

REVIEW_FIELDS = tuple(FIELD_OWNER)

__all__ = ["REVIEW_FIELDS", "ReviewSaved", "current_signatures", "describe_outcome", "outstanding_parties",
           "preview_change", "save_review", "sign_milestone"]


@dataclass
class ReviewSaved:
    """What one save did: the sections it changed and the signatures that stopped standing."""

    changed: list[str] = field(default_factory=list)
    voided: list[MilestoneSignature] = field(default_factory=list)


def outstanding_parties(milestone: EnrolmentMilestone) -> list[str]:
    signed = current_signatures(milestone)
    return [party for party in milestone.definition.signed_by if party not in signed]


def _is_open_for(milestone: EnrolmentMilestone) -> bool:
    enrolment = milestone.enrolment
    return enrolment.is_open or (enrolment.status == EnrolmentStatus.completed and milestone.is_after_completion)


def _label(milestone: EnrolmentMilestone, party: str) -> str:
    return milestone.enrolment.template_version.party_label(party)


def _person(milestone: EnrolmentMilestone, party: str) -> User:
    enrolment = milestone.enrolment
    return {"preceptee": enrolment.practitioner, "preceptor": enrolment.preceptor, "lead": enrolment.lead}[party]


def _changes(milestone: EnrolmentMilestone, by: User, values: dict) -> dict:
    """The fields that would change, after checking each belongs to a section ``by`` writes."""
    mine = policies.signing_parties(by, milestone)
    changes = {}
    for name, value in values.items():
        if value is None:
            continue
        owner = FIELD_OWNER.get(name)
        if owner is None or owner not in parties_of(milestone):
            raise EnrolmentRuleError(f"This review has no field '{name}'.", field=name, rule="review-field")
        if owner not in mine:
            raise PermissionDenied(f"That is part of the {_label(milestone, owner).lower()}'s section; only "
                                   f"{_person(milestone, owner).display_name} writes it.")
        new = bool(value) if name == "has_concern" else value.strip()
        if new != (bool(getattr(milestone, name)) if name == "has_concern" else (getattr(milestone, name) or "")):
            changes[name] = new
    return changes


def _refuse_unless_open(milestone: EnrolmentMilestone, by: User) -> None:
    if not _is_open_for(milestone):
        raise Conflict(f"This programme is {milestone.enrolment.status.value}; its reviews can no longer change.")
    if not policies.signing_parties(by, milestone):
        raise PermissionDenied("Only the people who sign this review can write it.")
    if milestone.is_done:
        raise Conflict("Everyone has signed this review, so it can no longer change.")


def preview_change(milestone: EnrolmentMilestone, *, by: User, **values) -> list[tuple[str, str, str]]:
    """``(party, signer name, why)`` for every signature that saving ``values`` would stop standing."""
    _refuse_unless_open(milestone, by)
    changes = _changes(milestone, by, values)
    return [(s.party, s.signer_name, why_voided(s, milestone, changes))
            for s in signatures_voided_by(milestone, changes)] if changes else []


def save_review(milestone: EnrolmentMilestone, *, by: User, at: datetime, confirmed: Iterable[str] = (),
                **values) -> ReviewSaved:
    """Save ``by``'s own section(s) (fields left as None stay as they are).

    ``confirmed`` names the parties whose signatures the person saving has agreed will need
    signing again (they saw the list first). Raising a concern makes every milestone that is
    ``required_when: concern_raised`` required.

    :raises PermissionDenied: a field belongs to someone else's section.
    :raises ResignConfirmationNeeded: the change would stop a signature standing that is not in ``confirmed``.
    :raises EnrolmentRuleError: a concern is raised without being described.
    """
    _refuse_unless_open(milestone, by)
    changes = _changes(milestone, by, values)
    if not changes:
        return ReviewSaved()
    after = {**section_values(milestone, "preceptor", changes)} if "preceptor" in parties_of(milestone) else {}
    if after.get("has_concern") and not after.get("concerns"):
        raise EnrolmentRuleError("Describe the concern so it can be followed up.", field="concerns",
                                 rule="concern-described")
    voided = signatures_voided_by(milestone, changes)
    unconfirmed = [s for s in voided if s.party not in set(confirmed)]
    if unconfirmed:
        raise ResignConfirmationNeeded([(s.party, s.signer_name, why_voided(s, milestone, changes))
                                        for s in voided])
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.review_updated_at = at
    milestone.review_updated_by_id = by.id
    changed = [party for party in parties_of(milestone) if any(FIELD_OWNER[n] == party for n in changes)]
    if milestone.has_concern:
        _require_concern_milestones(milestone, by)
    db.session.flush()
    enrolment = milestone.enrolment
    record_event("programme.review_changed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"milestone": milestone.code, "sections": changed,
                       "signatures_voided": [s.party for s in voided],
                       "hash": whole_review_hash(section_state(milestone))})
    _ask_to_sign_again(milestone, voided, by)
    return ReviewSaved(changed=changed, voided=voided)


def _ask_to_sign_again(milestone: EnrolmentMilestone, voided: list[MilestoneSignature], by: User) -> None:
    enrolment = milestone.enrolment
    stamp = whole_review_hash(section_state(milestone))[:16]
    for signature in voided:
        person = _person(milestone, signature.party)
        if person.id == by.id:
            continue
        notify(person, kind="programme.signature_needed",
               title=f"Sign the {milestone.definition.title.lower()} for {enrolment.practitioner.display_name} again",
               body=f"{by.display_name} changed the review after you signed it, so your signature no longer "
                    "covers it. Read the change and sign again.",
               link=link_to("programmes.milestone", enrolment_id=enrolment.id, code=milestone.code),
               dedupe_key=f"programme.resign:{milestone.id}:{signature.party}:{stamp}")


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


def _signing_problem(milestone: EnrolmentMilestone, parties: set[str]) -> EnrolmentRuleError | None:
    """Why ``parties`` cannot sign yet: a section they rely on is not written."""
    sections = parties_of(milestone)
    preceptee = _person(milestone, "preceptee")
    if "preceptee" in sections and not is_written(section_values(milestone, "preceptee"), "preceptee"):
        message = ("Write your reflection or goals before signing the review." if "preceptee" in parties else
                   f"{preceptee.display_name} has not written their reflection yet; the review is signed once "
                   "it is written.")
        return EnrolmentRuleError(message, field="reflection", rule="review-written")
    for party in sorted(parties, key=sections.index):
        if SECTIONS[party].is_required and not is_written(section_values(milestone, party), party):
            return EnrolmentRuleError("Write your section (your reflection on the period or the development "
                                      "plan) before signing it.", field=SECTIONS[party].written_by[0],
                                      rule="review-section-written")
    if "lead" in parties and "preceptor" in sections and "preceptor" not in parties \
            and not is_written(section_values(milestone, "preceptor"), "preceptor"):
        return EnrolmentRuleError(f"{_person(milestone, 'preceptor').display_name} has not written the "
                                  f"{_label(milestone, 'preceptor').lower()}'s section yet; the "
                                  f"{_label(milestone, 'lead').lower()} signs once it is written.",
                                  field="lead_comments", rule="review-section-written")
    return None


def sign_milestone(milestone: EnrolmentMilestone, *, by: User, at: datetime, on: date) -> list[MilestoneSignature]:
    """Sign every section ``by`` writes on this review (in any order). Signing twice changes nothing.

    :raises PermissionDenied: ``by`` does not sign this milestone.
    :raises EnrolmentRuleError: a section the signature relies on is empty, or enforced evidence
        counts are not met.
    """
    parties = policies.signing_parties(by, milestone)
    if not parties:
        labels = ", ".join(_label(milestone, p) for p in milestone.definition.signed_by)
        raise PermissionDenied(f"This review is signed by: {labels}.")
    if not _is_open_for(milestone):
        raise Conflict(f"This programme is {milestone.enrolment.status.value}; its reviews can no longer be signed.")
    if milestone.is_done:
        raise Conflict("Everyone has already signed this review.")
    problem = _signing_problem(milestone, parties)
    if problem is not None:
        raise problem
    missing = evidence_problem(milestone)
    if missing:
        raise EnrolmentRuleError(missing, field="evidence", rule="milestone-evidence-counts")
    already = current_signatures(milestone)
    added = []
    for party in sorted(parties):
        if party in already:
            continue
        signature = MilestoneSignature(party=party, user_id=by.id, signer_name=by.display_name, signed_at=at,
                                       **signature_for(milestone, party))
        milestone.signatures.append(signature)
        added.append(signature)
    db.session.flush()
    enrolment = milestone.enrolment
    if added:
        record_event("programme.review_signed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                     data={"milestone": milestone.code, "parties": [s.party for s in added],
                           "hash": added[0].content_hash,
                           "sections": {s.party: s.section_hash for s in added},
                           "read": {s.party: s.read_digest for s in added}})
    waiting = outstanding_parties(milestone)
    if not waiting:
        _complete_milestone(milestone, by=by, on=on)
    elif added:
        stamp = added[0].content_hash[:16]
        for party in waiting:
            person = _person(milestone, party)
            if person.id != by.id:
                notify(person, kind="programme.signature_needed",
                       title=f"Sign the {milestone.definition.title.lower()} for {enrolment.practitioner.display_name}",
                       body=f"{by.display_name} has signed their section; your signature completes it when everyone "
                            "has signed.",
                       link=link_to("programmes.milestone", enrolment_id=enrolment.id, code=milestone.code),
                       dedupe_key=f"programme.signature_needed:{milestone.id}:{party}:{stamp}")
    return added


def describe_outcome(milestone: EnrolmentMilestone, *, by: User, saved: ReviewSaved | None = None,
                     signed: list[MilestoneSignature] | None = None) -> str:
    """Exactly what a save and/or signature did, for the message after the page reloads."""
    saved, signed = saved or ReviewSaved(), signed or []
    mine = policies.signing_parties(by, milestone)
    parts: list[str] = []
    if saved.changed:
        names = " and ".join(f"the {_label(milestone, p).lower()}'s section" for p in saved.changed)
        parts.append(f"Saved {names}.")
    others = [s for s in saved.voided if _person(milestone, s.party).id != by.id]
    if others:
        names = ", ".join(f"{s.signer_name} ({_label(milestone, s.party).lower()})" for s in others)
        verb = "needs" if len(others) == 1 else "need"
        parts.append(f"{names} {verb} to sign again and {'has' if len(others) == 1 else 'have'} been told.")
    resigned = {s.party for s in signed}
    own_void = [s for s in saved.voided if s.party in mine and s.party not in resigned]
    if own_void:
        parts.append("Your earlier signature no longer covers the review: sign again when your section is ready.")
    if signed:
        as_ = " and ".join(_label(milestone, s.party).lower() for s in signed)
        parts.append(f"You signed the {milestone.definition.title.lower()} as {as_}.")
    if milestone.is_done:
        parts.append("Everyone has signed: this milestone is complete.")
    elif saved.changed or signed:
        waiting = outstanding_parties(milestone)
        if waiting:
            names = ", ".join(f"{_person(milestone, p).display_name} ({_label(milestone, p).lower()})"
                              for p in waiting)
            parts.append(f"Still to sign: {names}.")
    if not parts:
        parts.append("Nothing changed: the review is as it was, and its signatures stand.")
    return " ".join(parts)


def _complete_milestone(milestone: EnrolmentMilestone, *, by: User, on: date) -> None:
    milestone.completed_on = on
    enrolment = milestone.enrolment
    db.session.flush()
    record_event("programme.milestone_completed", actor=by, organisation=enrolment.organisation_id,
                 subject=enrolment, data={"milestone": milestone.code, "completed_on": on.isoformat()})
    if milestone.definition.completes_programme and not enrolment.template_version.is_moderated:
        complete(enrolment, outcome=Outcome.completed, by=by, on=on)
