"""Forms for grants, placements and preceptor records. Choices that depend on data are set by the view."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from competency.blueprints.auth.forms import EmailAddress
from competency.blueprints.form_fields import ChoiceRadioField, ChoiceSelectField, DateInputField, MultiCheckboxField
from competency.blueprints.form_fields import NotBefore, WholeNumberField, at_most, happened, plausible, to_come
from competency.grants.models import GRANT_KIND_LABELS
from competency.placements.models import LEARNER_LABELS
from competency.preceptors.models import CHANGE_REASON_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class GrantForm(FlaskForm):
    kind = ChoiceRadioField("What may they do?", choices=[(k.value, label) for k, label in GRANT_KIND_LABELS.items()],
                            validators=[InputRequired("Choose what the grant allows")])
    email = EmailField("Their e-mail address", filters=[_strip], validators=[
        DataRequired("Enter the e-mail address of the person"), EmailAddress(), at_most(254, "The e-mail address")],
        description="The address they sign in with.")
    grantee_organisation_id = ChoiceSelectField("The organisation they work for", coerce=int,
                                                validators=[DataRequired("Choose the organisation they work for")],
                                                description="It is named in the passport as the assessing "
                                                            "organisation.")
    starts_on = DateInputField("Starts on", subject="The start date",
                               required_message="Enter the date the grant starts", validators=[to_come()])
    ends_on = DateInputField("Ends on", subject="The end date", required_message="Enter the date the grant ends",
                             validators=[plausible(years_ahead=5),
                                         NotBefore("starts_on", "The grant must end on or after the day it starts")],
                             description="At most 3 years after it starts.")
    pillar_codes = MultiCheckboxField("Pillars (leave all unticked for every pillar)", validators=[Optional()],
                                      message="Choose pillars from the list")
    level_codes = MultiCheckboxField("Levels of practice (leave all unticked for every level)",
                                     validators=[Optional()], message="Choose levels of practice from the list")
    capability_codes = StringField("Only these capabilities", filters=[_strip],
                                   validators=[Optional(), at_most(2000, "The list of capabilities")],
                                   description="Codes separated by commas, for example PP-CON-01, PP-ADV-02.")
    person_ids = MultiCheckboxField("Only these people (leave all unticked for everyone)", coerce=int,
                                    validators=[Optional()], message="Choose people from the list")
    training_course = StringField("Assessor training completed", filters=[_strip],
                                  validators=[Optional(), at_most(200, "The name of the training")],
                                  description="Trained assessors only, for example Care Certificate assessor training.")
    training_completed_on = DateInputField("Training completed on", subject="The date the training was completed",
                                           required=False, validators=[happened()])
    reason = TextAreaField("Why is the grant needed?", filters=[_strip], validators=[
        DataRequired("Say why the grant is needed"), at_most(2000, "The reason")],
        description="For example: single-handed council team; no consultant practitioner here.")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", filters=[_strip], validators=[DataRequired("Give the reason"),
                                                                    at_most(2000, "The reason")])


class PlacementForm(FlaskForm):
    email = EmailField("The learner's e-mail address", filters=[_strip], validators=[
        DataRequired("Enter the learner's e-mail address"), EmailAddress(), at_most(254, "The e-mail address")])
    learner_kind = ChoiceRadioField("Student or apprentice?",
                                    choices=[(k.value, label) for k, label in LEARNER_LABELS.items()],
                                    validators=[InputRequired("Choose student or apprentice")])
    home_organisation_id = ChoiceSelectField("Education provider or home employer", coerce=int,
                                             validators=[DataRequired("Choose the education provider or home "
                                                                      "employer")])
    supervisor_id = ChoiceSelectField("Named supervisor here", coerce=int,
                                      validators=[DataRequired("Choose the supervisor")],
                                      description="A registered preceptor or lead at this organisation.")
    starts_on = DateInputField("Starts on", subject="The start date",
                               required_message="Enter the date the placement starts", validators=[plausible()])
    ends_on = DateInputField("Ends on", subject="The end date", required_message="Enter the date the placement ends",
                             validators=[plausible(years_ahead=5), NotBefore(
                                 "starts_on", "The placement must end on or after the day it starts")])
    note = TextAreaField("Note", filters=[_strip], validators=[Optional(), at_most(2000, "The note")])


class TrainingForm(FlaskForm):
    course = StringField("Course", filters=[_strip], validators=[DataRequired("Enter the name of the course"),
                                                                  at_most(200, "The name of the course")])
    provider = StringField("Provider", filters=[_strip], validators=[Optional(), at_most(200, "The provider")])
    completed_on = DateInputField("Completed on", subject="The completion date",
                                  required_message="Enter the date the course was completed", validators=[happened()])
    expires_on = DateInputField("Expires on", subject="The expiry date", required=False, validators=[
        plausible(years_ahead=20),
        NotBefore("completed_on", "The expiry date must be on or after the completion date")],
        description="Leave blank if it does not expire.")


class TimeForm(FlaskForm):
    spent_on = DateInputField("Date", subject="The date", validators=[happened()])
    minutes = WholeNumberField("Minutes", message="Minutes must be a whole number, like 90", validators=[
        InputRequired("Enter the minutes"), NumberRange(min=1, max=600, message="Enter 1 to 600 minutes")])
    activity = StringField("What the time was for", filters=[_strip],
                           validators=[Optional(), at_most(500, "The description of the time")],
                           description="For example: preceptor update, preparing a review, peer support.")


class ChangePreceptorForm(FlaskForm):
    preceptor_id = ChoiceSelectField("New preceptor", coerce=int, validators=[DataRequired("Choose the new preceptor")],
                                     description="A preceptor or lead here, or someone holding a preceptor grant from "
                                                 "here.")
    reason = ChoiceRadioField("Why is the preceptor changing?",
                              choices=[(k.value, label) for k, label in CHANGE_REASON_LABELS.items()],
                              validators=[InputRequired("Choose why the preceptor is changing")])
    detail = TextAreaField("More about the reason", filters=[_strip],
                           validators=[Optional(), at_most(2000, "The detail about the reason")])
    on = DateInputField("From", subject="The date the new preceptor takes over", validators=[plausible()])
    override_reason = TextAreaField("Reason to accept a preceptor registered under 12 months", filters=[_strip],
                                    validators=[Optional(), at_most(2000, "The reason to accept the preceptor")])
