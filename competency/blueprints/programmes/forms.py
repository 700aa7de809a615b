"""Forms for programmes. Choices that depend on data are set by the view, never queried here."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from competency.preceptorship.models import PAUSE_REASON_LABELS
from competency.preceptorship.queries import COHORT_STATES

SCALE = [("1", "1 - not at all"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 - very")]


class StartDateField(DateField):
    """A date field whose unreadable input gets a message in plain English (not the library's default)."""

    message = "Enter the start date as a real date, for example 2 November 2026"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "DateField"  # rendered like any date field
        self._unreadable = False

    def process_formdata(self, valuelist):
        self._unreadable = False
        if not valuelist or not "".join(valuelist).strip():
            self.data = None  # DataRequired says what is missing
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data, self._unreadable = None, True

    def pre_validate(self, form):
        if self._unreadable:
            raise StopValidation(self.message)


class EnrolForm(FlaskForm):
    practitioner_id = SelectField("Preceptee", coerce=int, validators=[DataRequired("Choose who to enrol")])
    template = SelectField("Programme", validators=[DataRequired("Choose a programme")])
    preceptor_id = SelectField("Preceptor", coerce=int, validators=[DataRequired("Choose a preceptor")],
                               description="Any registered practitioner here; they need not share the profession.")
    lead_id = SelectField("Lead", coerce=int, validators=[DataRequired("Choose a lead")])
    start_on = StartDateField("Programme start date", validators=[DataRequired("Enter the start date")],
                              description="No more than 6 months ahead or 12 months ago.")
    fte = DecimalField("Full-time equivalent", places=2, validators=[
        Optional(), NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")],
        description="Leave blank to use the FTE of their employment. Due dates stretch pro rata.")
    override_reason = TextAreaField(
        "Reason to accept a preceptor registered under 12 months", validators=[Optional(), Length(max=1000)],
        description="Only needed if the chosen preceptor has been registered for less than 12 months. "
                    "The override is recorded in the audit log.")


class ReviewForm(FlaskForm):
    """Every section's fields; the view reads only the sections the signed-in person writes."""

    # The preceptee's section.
    reflection = TextAreaField("Your reflection", validators=[Length(max=20000)],
                               description="What has gone well, what has been hard, and what you have learned.")
    goals = TextAreaField("Your goals for the next period", validators=[Length(max=20000)])
    # The preceptor's section: reflective, not a re-test of competence (HCPC principle 3).
    preceptor_feedback = TextAreaField(
        "Your reflection on the period", validators=[Length(max=20000)],
        description="How the period has gone from your side and the support you have given. This review is "
                    "reflective: competence is signed off separately, not re-tested here.")
    development_plan = TextAreaField("Development plan agreed for the next period", validators=[Length(max=20000)])
    has_concern = BooleanField("Raise a concern", description="Makes the 9-month review required.")
    concerns = TextAreaField("The concern", validators=[Length(max=20000)],
                             description="Describe the concern so it can be followed up.")
    # The lead's section.
    lead_comments = TextAreaField("Your comments", validators=[Length(max=20000)])


class SupervisionForm(FlaskForm):
    held_on = DateField("Date of the session", validators=[DataRequired("Enter the date of the session")])
    minutes = IntegerField("Length in minutes", validators=[
        InputRequired("Enter the length in minutes"), NumberRange(min=1, max=480, message="Enter 1 to 480 minutes")])
    topics = StringField("Topics", validators=[Optional(), Length(max=500)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])


class ProtectedTimeForm(FlaskForm):
    taken_on = DateField("Date", validators=[DataRequired("Enter the date")])
    minutes = IntegerField("Minutes", validators=[
        InputRequired("Enter the minutes taken"), NumberRange(min=1, max=1440, message="Enter 1 to 1440 minutes")])
    activity = StringField("What the time was used for", validators=[Optional(), Length(max=500)])


class CheckinBase(FlaskForm):
    checked_on = DateField("Date", validators=[DataRequired("Enter the date")])
    wellbeing = RadioField("How is your wellbeing?", choices=SCALE,
                           validators=[InputRequired("Choose how your wellbeing is, from 1 to 5")])
    note = TextAreaField("Anything you want to add", validators=[Optional(), Length(max=5000)])


def checkin_form(pillars: list[tuple[str, str]], **kwargs) -> CheckinBase:
    """A check-in form with one 1-5 scale per pillar (``[(code, name)]``)."""

    class CheckinForm(CheckinBase):
        pass

    for code, name in pillars:
        setattr(CheckinForm, f"pillar_{code}", RadioField(
            f"How confident do you feel in {name.lower()}?", choices=SCALE,
            validators=[InputRequired(f"Rate your confidence in {name.lower()}")]))
    return CheckinForm(**kwargs)


class PauseForm(FlaskForm):
    start_on = DateField("First day of the pause", validators=[DataRequired("Enter the first day")])
    end_on = DateField("Last day of the pause", validators=[DataRequired("Enter the last day")],
                       description="The last day away, included in the pause.")
    reason = RadioField("Reason", choices=[(r.value, label) for r, label in PAUSE_REASON_LABELS.items()],
                        validators=[InputRequired("Choose a reason")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class FteForm(FlaskForm):
    fte = DecimalField("Full-time equivalent", places=2, validators=[
        InputRequired("Enter the FTE, for example 1 or 0.6"),
        NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])


class StartDateForm(FlaskForm):
    start_on = StartDateField("New start date", validators=[DataRequired("Enter the new start date")],
                              description="Every due date that is not done yet moves with it. No more than 6 months "
                                          "ahead or 12 months ago.")
    reason = TextAreaField("Why is the start date changing?",
                           validators=[DataRequired("Say why the start date is changing"), Length(max=1000)],
                           description="For example, 'typed the wrong year'. This goes into the audit log and to the "
                                       "preceptee and preceptor.")


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why is the programme being withdrawn?",
                           validators=[DataRequired("Say why the programme is being withdrawn"), Length(max=2000)],
                           description="Everything recorded so far stays on the record.")


class ModerationForm(FlaskForm):
    decision = RadioField("The panel's decision", validators=[InputRequired("Choose the panel's decision")])
    note = TextAreaField("Note from the panel", validators=[Optional(), Length(max=5000)])


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField("State", choices=[("", "Current (not completed or withdrawn)"), ("all", "All"),
                                          *COHORT_STATES.items()], validators=[Optional()])
    organisation_id = SelectField("Organisation", coerce=lambda v: int(v) if v else None, validators=[Optional()])
    template_id = SelectField("Programme", coerce=lambda v: int(v) if v else None, validators=[Optional()])
    preceptor_id = SelectField("Preceptor", coerce=lambda v: int(v) if v else None, validators=[Optional()])
