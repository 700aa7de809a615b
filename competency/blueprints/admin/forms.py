from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from competency.accounts.models import ROLE_LABELS
from competency.blueprints.auth.forms import EmailAddress, strip_spaces

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]

LEVEL_CHOICES = [
    ("support", "Support worker"),
    ("senior_support", "Senior support worker / OT assistant"),
    ("assistant_practitioner", "Assistant practitioner"),
    ("pre_registration", "Pre-registration learner"),
    ("registered", "Registered practitioner"),
    ("enhanced", "Enhanced practitioner"),
    ("advanced", "Advanced practitioner"),
    ("consultant", "Consultant practitioner"),
]


class MultiCheckboxField(SelectMultipleField):
    """Rendered as a group of checkboxes by macros/forms.html."""


class InviteForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_spaces],
                       validators=[DataRequired("Enter an email address"), EmailAddress()])
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES,
                               validators=[DataRequired("Choose at least one role")])


class RolesForm(FlaskForm):
    roles = MultiCheckboxField("Roles at this organisation", choices=ROLE_CHOICES)


class EmploymentForm(FlaskForm):
    role_title = StringField("Role title", validators=[DataRequired("Enter the role title"), Length(max=120)],
                             description="As your organisation words it, for example 'OT assistant'.")
    level_code = SelectField("Level of practice", choices=LEVEL_CHOICES)
    band_label = StringField("Band or grade", validators=[Optional(), Length(max=40)],
                             description="For example 'Band 5' or 'Grade 6'.")
    start_on = DateField("Start date", validators=[DataRequired("Enter the start date")])
    end_on = DateField("End date", validators=[Optional()])
    service_name = StringField("Service or team", validators=[Optional(), Length(max=120)],
                               description="For example 'Community occupational therapy' or 'Reablement'.")
    is_ahp_service = SelectField("Is it an allied health professions service?",
                                 choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")], default="",
                                 description="Led by or made up mainly of allied health professionals, such as an "
                                             "occupational therapy or physiotherapy service.")
    fte = DecimalField("Full-time equivalent", default=1, places=2,
                       validators=[DataRequired("Enter the FTE, for example 1 or 0.6"),
                                   NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])
