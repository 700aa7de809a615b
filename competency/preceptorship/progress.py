"""Where a programme stands on a given day, computed from an enrolment already loaded.

No queries here beyond what the caller loaded (the evidence counts are passed in), so
the timeline, the preceptor's list and the API all show the same states.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from competency.preceptorship.models import (
    ConfidenceCheckin,
    Enrolment,
    EnrolmentMilestone,
    EnrolmentStatus,
    MilestoneSignature,
)
from competency.preceptorship.queries import EvidenceLine, evidence_lines
from competency.preceptorship.reviews import current_signatures
from competency.preceptorship.scheduling import (
    STATE_LABELS,
    MilestoneState,
    SupervisionCheck,
    check_supervision,
    expected_protected_minutes,
    milestone_state,
)
from competency.preceptorship.services import awaits_moderation

FULL_TIME_HOURS = 37.5
STATE_COLOURS = {MilestoneState.upcoming: "grey", MilestoneState.due_soon: "yellow", MilestoneState.overdue: "red",
                 MilestoneState.done: "green", MilestoneState.not_required: "white",
                 MilestoneState.closed: "grey"}


@dataclass
class MilestoneView:
    milestone: EnrolmentMilestone
    state: MilestoneState
    signed: dict[str, MilestoneSignature]
    outstanding: list[str]
    evidence: list[EvidenceLine]

    @property
    def code(self) -> str:
        return self.milestone.code

    @property
    def title(self) -> str:
        return self.milestone.definition.title

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def colour(self) -> str:
        return STATE_COLOURS[self.state]


@dataclass
class Progress:
    enrolment: Enrolment
    on: date
    status: EnrolmentStatus
    milestones: list[MilestoneView]
    supervision: SupervisionCheck
    protected_minutes: int
    protected_expected_minutes: int
    awaiting_moderation: bool
    evidence_counts: dict[str, int] | None = None
    unconfirmed_sessions: int = 0
    short_sessions: int = 0
    checkins: list[ConfidenceCheckin] = field(default_factory=list)

    @property
    def next_milestone(self) -> MilestoneView | None:
        open_ = [m for m in self.milestones
                 if m.state in (MilestoneState.upcoming, MilestoneState.due_soon, MilestoneState.overdue)]
        return min(open_, key=lambda m: m.milestone.due_on, default=None)

    @property
    def worst_state(self) -> str:
        """The cohort state: paused, overdue, due soon or on track (or the lifecycle state)."""
        if self.status in (EnrolmentStatus.completed, EnrolmentStatus.withdrawn, EnrolmentStatus.paused):
            return self.status.value
        states = {m.state for m in self.milestones if not m.milestone.is_after_completion}
        if MilestoneState.overdue in states:
            return "overdue"
        if MilestoneState.due_soon in states:
            return "due_soon"
        return "on_track"

    def view(self, code: str) -> MilestoneView | None:
        return next((m for m in self.milestones if m.code == code), None)


def milestone_view(milestone: EnrolmentMilestone, on: date, counts: dict[str, int] | None) -> MilestoneView:
    enrolment = milestone.enrolment
    signed = current_signatures(milestone)
    is_open = enrolment.is_open or (enrolment.status == EnrolmentStatus.completed and milestone.is_after_completion)
    if milestone.is_done:
        state = MilestoneState.done
    elif not is_open:
        state = MilestoneState.closed
    else:
        state = milestone_state(milestone.due_on, milestone.definition.window_days, on, is_done=False,
                                is_required=milestone.is_required)
    return MilestoneView(milestone=milestone, state=state, signed=signed,
                         outstanding=[p for p in milestone.definition.signed_by if p not in signed],
                         evidence=evidence_lines(milestone.definition.evidence or {}, counts))


def next_open_milestone(enrolment: Enrolment, on: date) -> MilestoneView | None:
    """The earliest required, unfinished milestone before completion (no signatures loaded: for lists)."""
    if not enrolment.is_open:
        return None
    candidates = [m for m in enrolment.milestones if not m.is_done and m.is_required and not m.is_after_completion]
    first = min(candidates, key=lambda m: m.due_on, default=None)
    if first is None:
        return None
    state = milestone_state(first.due_on, first.definition.window_days, on)
    return MilestoneView(milestone=first, state=state, signed={}, outstanding=list(first.definition.signed_by),
                         evidence=[])


def progress_of(enrolment: Enrolment, on: date, counts: dict[str, int] | None = None) -> Progress:
    version = enrolment.template_version
    pauses = enrolment.pause_ranges
    minimum = version.supervision_minimum_minutes
    counted = [s for s in enrolment.supervisions if s.minutes >= minimum]
    # An ended programme is judged as it stood on its last day.
    judged_on = min(on, enrolment.ended_on) if enrolment.ended_on else on
    supervision = check_supervision(enrolment.start_on, version.cadence_rules, [s.held_on for s in counted],
                                    judged_on, fte=enrolment.fte, pauses=pauses, ends_on=enrolment.ended_on,
                                    credited_days=enrolment.credited_days or 0)
    full_time = float((enrolment.organisation.settings or {}).get("full_time_hours", FULL_TIME_HOURS))
    expected = expected_protected_minutes(enrolment.start_on, on, fte=enrolment.fte,
                                          percent=version.protected_time_percent, full_time_hours=full_time,
                                          pauses=pauses, ends_on=enrolment.ended_on)
    return Progress(
        enrolment=enrolment, on=on, status=enrolment.status_on(on),
        milestones=[milestone_view(m, on, counts) for m in enrolment.milestones],
        supervision=supervision, protected_minutes=sum(e.minutes for e in enrolment.protected_time),
        protected_expected_minutes=expected, awaiting_moderation=awaits_moderation(enrolment),
        evidence_counts=counts, unconfirmed_sessions=sum(1 for s in enrolment.supervisions if not s.is_confirmed),
        short_sessions=len(enrolment.supervisions) - len(counted), checkins=list(enrolment.checkins),
    )


def needs_from(progress: Progress, user_id: int) -> list[str]:
    """What the programme needs from ``user_id`` next, in plain words (for the preceptor's list)."""
    enrolment = progress.enrolment
    parties = set()
    if user_id == enrolment.practitioner_id:
        parties.add("preceptee")
    if user_id == enrolment.preceptor_id:
        parties.add("preceptor")
    if user_id == enrolment.lead_id:
        parties.add("lead")
    needs: list[str] = []
    for view in progress.milestones:
        if view.state in (MilestoneState.due_soon, MilestoneState.overdue) and set(view.outstanding) & parties:
            when = "overdue since" if view.state == MilestoneState.overdue else "due"
            needs.append(f"Sign the {view.title.lower()} ({when} {view.milestone.due_on.day} "
                         f"{view.milestone.due_on:%B %Y})")
    to_confirm = [s for s in enrolment.supervisions if not s.is_confirmed and s.recorded_by_id != user_id]
    if to_confirm and parties & {"preceptee", "preceptor"}:
        needs.append(f"Confirm {len(to_confirm)} supervision session{'s' if len(to_confirm) != 1 else ''}")
    if progress.supervision.next_due_on and parties & {"preceptee", "preceptor"}:
        due = progress.supervision.next_due_on
        prefix = "Supervision overdue since" if progress.supervision.is_overdue else "Next supervision due"
        needs.append(f"{prefix} {due.day} {due:%B %Y}")
    if progress.awaiting_moderation and "lead" in parties:
        needs.append("Record the moderation panel's decision")
    return needs
