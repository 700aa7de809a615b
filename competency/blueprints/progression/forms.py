from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from competency.progression.models import PanelOutcome


class EnrolForm(FlaskForm):
    person = SelectField("Person", validators=[DataRequired("Choose the person")])
    stage_code = SelectField("Where they are now", validators=[DataRequired("Choose the stage they are at")])
    target_stage_code = SelectField("Working towards", validators=[Optional()],
                                    description="Leave as suggested to aim for the next required stage.")


class TargetForm(FlaskForm):
    target_stage_code = RadioField("Working towards", validators=[DataRequired("Choose a stage")])


class ConfirmForm(FlaskForm):
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)],
                         description="For example who agreed the sponsorship and when.")


class PanelForm(FlaskForm):
    scheduled_on = DateField("Panel date", validators=[DataRequired("Enter the panel date")])
    members = TextAreaField("Panel members", validators=[DataRequired("Name at least one panel member"),
                                                         Length(max=2000)],
                            description="One per line, with their role, for example 'Priya Shah, Principal OT (chair)'.")


OUTCOME_CHOICES = [
    (PanelOutcome.ready.value, "Ready: the person can start the next step"),
    (PanelOutcome.not_yet.value, "Not yet: agree actions before a further panel"),
    (PanelOutcome.deferred.value, "Deferred: the panel could not decide this time"),
]


class OutcomeForm(FlaskForm):
    outcome = RadioField("Outcome", choices=OUTCOME_CHOICES, validators=[DataRequired("Choose the outcome")])
    actions = TextAreaField("Actions agreed", validators=[Optional(), Length(max=4000)],
                            description="Needed when the outcome is 'not yet'.")
    notes = TextAreaField("Panel notes", validators=[Optional(), Length(max=8000)])


class ApprenticeshipForm(FlaskForm):
    provider = StringField("Training provider", validators=[DataRequired("Enter the training provider"),
                                                            Length(max=200)],
                           description="The university delivering the degree apprenticeship.")
    standard = StringField("Apprenticeship standard", validators=[DataRequired("Enter the standard"),
                                                                  Length(max=200)])
    start_on = DateField("Start date", validators=[DataRequired("Enter the start date")])
    planned_end_on = DateField("Planned end date", validators=[DataRequired("Enter the planned end date")])
    planned_otj_hours = DecimalField("Planned off-the-job training hours", places=1,
                                     validators=[DataRequired("Enter the planned off-the-job hours"),
                                                 NumberRange(min=1, max=20000,
                                                             message="Enter between 1 and 20,000 hours")],
                                     description="For the whole programme.")
    epa_gateway_on = DateField("End-point assessment gateway date", validators=[Optional()])


class OtjForm(FlaskForm):
    occurred_on = DateField("Date", validators=[DataRequired("Enter the date of the learning")])
    hours = DecimalField("Hours", places=2, validators=[DataRequired("Enter the hours, for example 3.5")])
    activity = TextAreaField("Learning activity", validators=[DataRequired("Describe the learning activity"),
                                                              Length(max=500)],
                             description="For example 'University teaching: anatomy lecture' or 'Shadowing an OT home visit'.")
    evidence_id = IntegerField("Evidence number", validators=[Optional()],
                               description="The number of a piece of your evidence that shows this learning.")


class PlanBlockForm(FlaskForm):
    label = StringField("What the time is for", validators=[DataRequired("Say what the block is"), Length(max=200)],
                        description="For example 'University block: year 1 teaching' or 'Placement at the trust'.")
    starts_on = DateField("First day", validators=[DataRequired("Enter the first day")])
    ends_on = DateField("Last day", validators=[DataRequired("Enter the last day")])
    hours = DecimalField("Planned hours", places=1, validators=[DataRequired("Enter the planned hours")])


class ReviewForm(FlaskForm):
    held_on = DateField("Date held", validators=[DataRequired("Enter the date the review took place")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=8000)])


class GatewayForm(FlaskForm):
    epa_gateway_on = DateField("End-point assessment gateway date",
                               validators=[DataRequired("Enter the gateway date")])


class QualificationForm(FlaskForm):
    qualified_on = DateField("Date registered", validators=[DataRequired("Enter the date of registration")])
    registration_body = StringField("Registration body", default="HCPC", validators=[Length(max=40)])
    registration_number = StringField("Registration number", validators=[
        DataRequired("Enter the registration number"), Length(max=40)])
    role_title = StringField("New role title", default="Occupational Therapist", validators=[
        DataRequired("Enter the new role title"), Length(max=120)])
    band_label = StringField("Band or grade", validators=[Optional(), Length(max=40)])
