"""Forms for programmes. Choices that depend on data are set by the view, never queried here."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from competency.blueprints.form_fields import ChoiceRadioField, ChoiceSelectField, DateInputField, NotBefore
from competency.blueprints.form_fields import NumberField, WholeNumberField, at_most, happened, plausible
from competency.preceptorship.models import PAUSE_REASON_LABELS
from competency.preceptorship.queries import COHORT_STATES

SCALE = [("1", "1 - not at all"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 - very")]
FTE_UNREADABLE = "FTE must be a number, like 1 or 0.6"
# The start date rules (6 months ahead, 12 months ago) are the service's, with a message that says
# what was typed; the form only refuses what cannot be meant.
START_YEARS_AHEAD = 10


class EnrolForm(FlaskForm):
    practitioner_id = ChoiceSelectField("Preceptee", coerce=int, validators=[DataRequired("Choose who to enrol")])
    template = ChoiceSelectField("Programme", validators=[DataRequired("Choose a programme")])
    preceptor_id = ChoiceSelectField("Preceptor", coerce=int, validators=[DataRequired("Choose a preceptor")],
                                     description="Any registered practitioner here; they need not share the "
                                                 "profession.")
    lead_id = ChoiceSelectField("Lead", coerce=int, validators=[DataRequired("Choose a lead")])
    start_on = DateInputField("Programme start date", subject="The start date",
                              validators=[plausible(years_ahead=START_YEARS_AHEAD)],
                              description="No more than 6 months ahead or 12 months ago. For example, 2 11 2026.")
    fte = NumberField("Full-time equivalent", places=2, message=FTE_UNREADABLE, validators=[
        Optional(), NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")],
        description="Leave blank to use the FTE of their employment. Due dates stretch pro rata.")
    override_reason = TextAreaField(
        "Reason to accept a preceptor registered under 12 months",
        validators=[Optional(), at_most(1000, "The reason to accept the preceptor")],
        description="Only needed if the chosen preceptor has been registered for less than 12 months. "
                    "The override is recorded in the audit log.")


class ReviewForm(FlaskForm):
    """Every section's fields; the view reads only the sections the signed-in person writes."""

    # The preceptee's section.
    reflection = TextAreaField("Your reflection", validators=[at_most(20000, "Your reflection")],
                               description="What has gone well, what has been hard, and what you have learned.")
    goals = TextAreaField("Your goals for the next period", validators=[at_most(20000, "Your goals")])
    # The preceptor's section: reflective, not a re-test of competence (HCPC principle 3).
    preceptor_feedback = TextAreaField(
        "Your reflection on the period", validators=[at_most(20000, "Your reflection")],
        description="How the period has gone from your side and the support you have given. This review is "
                    "reflective: competence is signed off separately, not re-tested here.")
    development_plan = TextAreaField("Development plan agreed for the next period",
                                     validators=[at_most(20000, "The development plan")])
    has_concern = BooleanField("Raise a concern", description="Makes the 9-month review required.")
    concerns = TextAreaField("The concern", validators=[at_most(20000, "The concern")],
                             description="Describe the concern so it can be followed up.")
    # The lead's section.
    lead_comments = TextAreaField("Your comments", validators=[at_most(20000, "Your comments")])


class SupervisionForm(FlaskForm):
    held_on = DateInputField("Date of the session", subject="The date of the session", validators=[happened()])
    minutes = WholeNumberField("Length in minutes", message="The length must be a whole number of minutes, like 60",
                               validators=[InputRequired("Enter the length in minutes"),
                                           NumberRange(min=1, max=480, message="Enter 1 to 480 minutes")])
    topics = StringField("Topics", validators=[Optional(), at_most(500, "The topics")])
    notes = TextAreaField("Notes", validators=[Optional(), at_most(20000, "The notes")])


class ProtectedTimeForm(FlaskForm):
    taken_on = DateInputField("Date", subject="The date", validators=[happened()])
    minutes = WholeNumberField("Minutes", message="Minutes must be a whole number, like 90", validators=[
        InputRequired("Enter the minutes taken"), NumberRange(min=1, max=1440, message="Enter 1 to 1440 minutes")])
    activity = StringField("What the time was used for",
                           validators=[Optional(), at_most(500, "The description of the time")])


class CheckinBase(FlaskForm):
    checked_on = DateInputField("Date", subject="The date", validators=[happened()])
    wellbeing = ChoiceRadioField("How is your wellbeing?", choices=SCALE,
                                 validators=[InputRequired("Choose how your wellbeing is, from 1 to 5")])
    note = TextAreaField("Anything you want to add", validators=[Optional(), at_most(5000, "The note")])


def checkin_form(pillars: list[tuple[str, str]], **kwargs) -> CheckinBase:
    """A check-in form with one 1-5 scale per pillar (``[(code, name)]``)."""

    class CheckinForm(CheckinBase):
        pass

    for code, name in pillars:
        setattr(CheckinForm, f"pillar_{code}", ChoiceRadioField(
            f"How confident do you feel in {name.lower()}?", choices=SCALE,
            validators=[InputRequired(f"Rate your confidence in {name.lower()}")]))
    return CheckinForm(**kwargs)


class PauseForm(FlaskForm):
    start_on = DateInputField("First day of the pause", subject="The first day",
                              validators=[plausible()])
    end_on = DateInputField("Last day of the pause", subject="The last day", validators=[
        plausible(years_ahead=5), NotBefore("start_on", "The pause must end on or after the day it starts")],
        description="The last day away, included in the pause.")
    reason = ChoiceRadioField("Reason", choices=[(r.value, label) for r, label in PAUSE_REASON_LABELS.items()],
                              validators=[InputRequired("Choose a reason")])
    note = TextAreaField("Note", validators=[Optional(), at_most(2000, "The note")])


class FteForm(FlaskForm):
    fte = NumberField("Full-time equivalent", places=2, message=FTE_UNREADABLE, validators=[
        InputRequired("Enter the FTE, for example 1 or 0.6"),
        NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])


class StartDateForm(FlaskForm):
    start_on = DateInputField("New start date", subject="The new start date",
                              validators=[plausible(years_ahead=START_YEARS_AHEAD)],
                              description="Every due date that is not done yet moves with it. No more than 6 months "
                                          "ahead or 12 months ago.")
    reason = TextAreaField("Why is the start date changing?",
                           validators=[DataRequired("Say why the start date is changing"),
                                       at_most(1000, "The reason")],
                           description="For example, 'typed the wrong year'. This goes into the audit log and to the "
                                       "preceptee and preceptor.")


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why is the programme being withdrawn?",
                           validators=[DataRequired("Say why the programme is being withdrawn"),
                                       at_most(2000, "The reason")],
                           description="Everything recorded so far stays on the record.")


class ModerationForm(FlaskForm):
    decision = ChoiceRadioField("The panel's decision", validators=[InputRequired("Choose the panel's decision")])
    note = TextAreaField("Note from the panel", validators=[Optional(), at_most(5000, "The note")])


def _optional_id(value):
    return int(value) if value else None


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = ChoiceSelectField("State", choices=[("", "Current (not completed or withdrawn)"), ("all", "All"),
                                                *COHORT_STATES.items()], validators=[Optional()],
                              message="Choose a state from the list")
    organisation_id = ChoiceSelectField("Organisation", coerce=_optional_id, validators=[Optional()],
                                        message="Choose an organisation from the list")
    template_id = ChoiceSelectField("Programme", coerce=_optional_id, validators=[Optional()],
                                    message="Choose a programme from the list")
    preceptor_id = ChoiceSelectField("Preceptor", coerce=_optional_id, validators=[Optional()],
                                     message="Choose a preceptor from the list")
