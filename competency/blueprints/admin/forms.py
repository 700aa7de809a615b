from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from competency.accounts.models import ROLE_LABELS
from competency.blueprints.auth.forms import EmailAddress, strip_spaces
from competency.blueprints.form_fields import ChoiceSelectField, DateInputField, MultiCheckboxField, NotBefore
from competency.blueprints.form_fields import NumberField, at_most, plausible

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


class InviteForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_spaces],
                       validators=[DataRequired("Enter an email address"), EmailAddress()])
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES,
                               validators=[DataRequired("Choose at least one role")])


class RolesForm(FlaskForm):
    roles = MultiCheckboxField("Roles at this organisation", choices=ROLE_CHOICES,
                               message="Choose roles from the list")


class EmploymentForm(FlaskForm):
    role_title = StringField("Role title", validators=[DataRequired("Enter the role title"),
                                                       at_most(120, "The role title")],
                             description="As your organisation words it, for example 'OT assistant'.")
    level_code = ChoiceSelectField("Level of practice", choices=LEVEL_CHOICES, message="Choose the level of practice")
    band_label = StringField("Band or grade", validators=[Optional(), at_most(40, "The band or grade")],
                             description="For example 'Band 5' or 'Grade 6'.")
    start_on = DateInputField("Start date", subject="The start date", validators=[plausible()])
    end_on = DateInputField("End date", subject="The end date", required=False, validators=[
        plausible(years_ahead=10), NotBefore("start_on", "The end date must be on or after the start date")])
    service_name = StringField("Service or team", validators=[Optional(), at_most(120, "The service or team")],
                               description="For example 'Community occupational therapy' or 'Reablement'.")
    is_ahp_service = ChoiceSelectField("Is it an allied health professions service?",
                                       choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")], default="",
                                       message="Choose yes, no or not recorded",
                                       description="Led by or made up mainly of allied health professionals, such "
                                                   "as an occupational therapy or physiotherapy service.")
    fte = NumberField("Full-time equivalent", default=1, places=2, message="FTE must be a number, like 1 or 0.6",
                      validators=[DataRequired("Enter the FTE, for example 1 or 0.6"),
                                  NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])
