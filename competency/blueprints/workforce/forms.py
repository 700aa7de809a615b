"""Forms for grants, placements and preceptor records. Choices that depend on data are set by the view."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from competency.blueprints.auth.forms import EmailAddress

from competency.grants.models import GRANT_KIND_LABELS
from competency.placements.models import LEARNER_LABELS
from competency.preceptors.models import CHANGE_REASON_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Rendered as a group of checkboxes by macros/forms.html."""


class GrantForm(FlaskForm):
    kind = RadioField("What may they do?", choices=[(k.value, label) for k, label in GRANT_KIND_LABELS.items()],
                      validators=[InputRequired("Choose what the grant allows")])
    email = EmailField("Their e-mail address", filters=[_strip], validators=[
        DataRequired("Enter the e-mail address of the person"), EmailAddress(), Length(max=254)], description="The address they sign in with.")
    grantee_organisation_id = SelectField("The organisation they work for", coerce=int,
                                          validators=[DataRequired("Choose the organisation they work for")],
                                          description="It is named in the passport as the assessing organisation.")
    starts_on = DateField("Starts on", validators=[DataRequired("Enter the date the grant starts")])
    ends_on = DateField("Ends on", validators=[DataRequired("Enter the date the grant ends")],
                        description="At most 3 years after it starts.")
    pillar_codes = MultiCheckboxField("Pillars (leave all unticked for every pillar)", validators=[Optional()])
    level_codes = MultiCheckboxField("Levels of practice (leave all unticked for every level)", validators=[Optional()])
    capability_codes = StringField("Only these capabilities", filters=[_strip], validators=[Optional(), Length(max=2000)],
                                   description="Codes separated by commas, for example PP-CON-01, PP-ADV-02.")
    person_ids = MultiCheckboxField("Only these people (leave all unticked for everyone)", coerce=int,
                                    validators=[Optional()])
    training_course = StringField("Assessor training completed", filters=[_strip],
                                  validators=[Optional(), Length(max=200)],
                                  description="Trained assessors only, for example Care Certificate assessor training.")
    training_completed_on = DateField("Training completed on", validators=[Optional()])
    reason = TextAreaField("Why is the grant needed?", filters=[_strip], validators=[
        DataRequired("Say why the grant is needed"), Length(max=2000)],
        description="For example: single-handed council team; no consultant practitioner here.")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", filters=[_strip], validators=[DataRequired("Give the reason"), Length(max=2000)])


class PlacementForm(FlaskForm):
    email = EmailField("The learner's e-mail address", filters=[_strip], validators=[
        DataRequired("Enter the learner's e-mail address"), EmailAddress(), Length(max=254)])
    learner_kind = RadioField("Student or apprentice?", choices=[(k.value, label) for k, label in LEARNER_LABELS.items()],
                              validators=[InputRequired("Choose student or apprentice")])
    home_organisation_id = SelectField("Education provider or home employer", coerce=int,
                                       validators=[DataRequired("Choose the education provider or home employer")])
    supervisor_id = SelectField("Named supervisor here", coerce=int,
                                validators=[DataRequired("Choose the supervisor")],
                                description="A registered preceptor or lead at this organisation.")
    starts_on = DateField("Starts on", validators=[DataRequired("Enter the date the placement starts")])
    ends_on = DateField("Ends on", validators=[DataRequired("Enter the date the placement ends")])
    note = TextAreaField("Note", filters=[_strip], validators=[Optional(), Length(max=2000)])


class TrainingForm(FlaskForm):
    course = StringField("Course", filters=[_strip], validators=[DataRequired("Enter the name of the course"),
                                                                  Length(max=200)])
    provider = StringField("Provider", filters=[_strip], validators=[Optional(), Length(max=200)])
    completed_on = DateField("Completed on", validators=[DataRequired("Enter the date the course was completed")])
    expires_on = DateField("Expires on", validators=[Optional()], description="Leave blank if it does not expire.")


class TimeForm(FlaskForm):
    spent_on = DateField("Date", validators=[DataRequired("Enter the date")])
    minutes = IntegerField("Minutes", validators=[InputRequired("Enter the minutes"),
                                                  NumberRange(min=1, max=600, message="Enter 1 to 600 minutes")])
    activity = StringField("What the time was for", filters=[_strip], validators=[Optional(), Length(max=500)],
                           description="For example: preceptor update, preparing a review, peer support.")


class ChangePreceptorForm(FlaskForm):
    preceptor_id = SelectField("New preceptor", coerce=int, validators=[DataRequired("Choose the new preceptor")],
                               description="A preceptor or lead here, or someone holding a preceptor grant from here.")
    reason = RadioField("Why is the preceptor changing?",
                        choices=[(k.value, label) for k, label in CHANGE_REASON_LABELS.items()],
                        validators=[InputRequired("Choose why the preceptor is changing")])
    detail = TextAreaField("More about the reason", filters=[_strip], validators=[Optional(), Length(max=2000)])
    on = DateField("From", validators=[DataRequired("Enter the date the new preceptor takes over")])
    override_reason = TextAreaField("Reason to accept a preceptor registered under 12 months", filters=[_strip],
                                    validators=[Optional(), Length(max=2000)])
