from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from competency.blueprints.form_fields import ChoiceRadioField, ChoiceSelectField, DateInputField, NotBefore
from competency.blueprints.form_fields import NumberField, WholeNumberField, at_most, happened, plausible, to_come
from competency.progression.models import PanelOutcome
from competency.routing import MAX_DB_ID


class EnrolForm(FlaskForm):
    person = ChoiceSelectField("Person", validators=[DataRequired("Choose the person")])
    stage_code = ChoiceSelectField("Where they are now", validators=[DataRequired("Choose the stage they are at")])
    target_stage_code = ChoiceSelectField("Working towards", validators=[Optional()],
                                          message="Choose the stage they are working towards",
                                          description="Leave as suggested to aim for the next required stage.")


class TargetForm(FlaskForm):
    target_stage_code = ChoiceRadioField("Working towards", validators=[DataRequired("Choose a stage")])


class ConfirmForm(FlaskForm):
    note = TextAreaField("Note (optional)", validators=[Optional(), at_most(2000, "The note")],
                         description="For example who agreed the sponsorship and when.")


class PanelForm(FlaskForm):
    scheduled_on = DateInputField("Panel date", subject="The panel date", validators=[to_come()])
    members = TextAreaField("Panel members", validators=[DataRequired("Name at least one panel member"),
                                                         at_most(2000, "The list of panel members")],
                            description="One per line, with their role, for example 'Priya Shah, Principal OT (chair)'.")


OUTCOME_CHOICES = [
    (PanelOutcome.ready.value, "Ready: the person can start the next step"),
    (PanelOutcome.not_yet.value, "Not yet: agree actions before a further panel"),
    (PanelOutcome.deferred.value, "Deferred: the panel could not decide this time"),
]


class OutcomeForm(FlaskForm):
    outcome = ChoiceRadioField("Outcome", choices=OUTCOME_CHOICES, validators=[DataRequired("Choose the outcome")])
    actions = TextAreaField("Actions agreed", validators=[Optional(), at_most(4000, "The actions agreed")],
                            description="Needed when the outcome is 'not yet'.")
    notes = TextAreaField("Panel notes", validators=[Optional(), at_most(8000, "The panel notes")])


class ApprenticeshipForm(FlaskForm):
    provider = StringField("Training provider", validators=[DataRequired("Enter the training provider"),
                                                            at_most(200, "The training provider")],
                           description="The university delivering the degree apprenticeship.")
    standard = StringField("Apprenticeship standard", validators=[DataRequired("Enter the standard"),
                                                                  at_most(200, "The standard")])
    start_on = DateInputField("Start date", subject="The start date", validators=[plausible()])
    planned_end_on = DateInputField("Planned end date", subject="The planned end date", validators=[
        plausible(years_ahead=10), NotBefore("start_on", "The planned end date must be after the start date")])
    planned_otj_hours = NumberField("Planned off-the-job training hours", places=1,
                                    message="Planned hours must be a number, like 400",
                                    validators=[DataRequired("Enter the planned off-the-job hours"),
                                                NumberRange(min=1, max=20000,
                                                            message="Enter between 1 and 20,000 hours")],
                                    description="For the whole programme.")
    epa_gateway_on = DateInputField("End-point assessment gateway date", subject="The gateway date", required=False,
                                    validators=[plausible(years_ahead=10), NotBefore(
                                        "start_on", "The gateway date must be on or after the start date")])


class OtjForm(FlaskForm):
    occurred_on = DateInputField("Date", subject="The date of the learning", validators=[
        happened(too_late="Log hours once they are done: the date must be today or in the past")])
    hours = NumberField("Hours", places=2, message="Hours must be a number, like 3.5",
                        validators=[DataRequired("Enter the hours, for example 3.5")])
    activity = TextAreaField("Learning activity", validators=[DataRequired("Describe the learning activity"),
                                                              at_most(500, "The learning activity")],
                             description="For example 'University teaching: anatomy lecture' or 'Shadowing an OT home visit'.")
    evidence_id = WholeNumberField("Evidence number", message="The evidence number must be a whole number, like 12",
                                   validators=[Optional(), NumberRange(
                                       min=1, max=MAX_DB_ID, message="Enter the number of a piece of your evidence, "
                                                                     "like 12")],
                                   description="The number of a piece of your evidence that shows this learning.")


class PlanBlockForm(FlaskForm):
    label = StringField("What the time is for", validators=[DataRequired("Say what the block is"),
                                                            at_most(200, "The description of the block")],
                        description="For example 'University block: year 1 teaching' or 'Placement at the trust'.")
    starts_on = DateInputField("First day", subject="The first day", validators=[plausible(years_ahead=10)])
    ends_on = DateInputField("Last day", subject="The last day", validators=[
        plausible(years_ahead=10), NotBefore("starts_on", "The block must end on or after the day it starts")])
    hours = NumberField("Planned hours", places=1, message="Planned hours must be a number, like 150",
                        validators=[DataRequired("Enter the planned hours")])


class ReviewForm(FlaskForm):
    held_on = DateInputField("Date held", subject="The date of the review",
                             required_message="Enter the date the review took place", validators=[happened()])
    notes = TextAreaField("Notes", validators=[Optional(), at_most(8000, "The notes")])


class GatewayForm(FlaskForm):
    epa_gateway_on = DateInputField("End-point assessment gateway date", subject="The gateway date",
                                    validators=[plausible(years_ahead=10)])


class QualificationForm(FlaskForm):
    qualified_on = DateInputField("Date registered", subject="The date of registration", validators=[happened()])
    registration_body = StringField("Registration body", default="HCPC",
                                    validators=[at_most(40, "The registration body")])
    registration_number = StringField("Registration number", validators=[
        DataRequired("Enter the registration number"), at_most(40, "The registration number")])
    role_title = StringField("New role title", default="Occupational Therapist", validators=[
        DataRequired("Enter the new role title"), at_most(120, "The new role title")])
    band_label = StringField("Band or grade", validators=[Optional(), at_most(40, "The band or grade")])
