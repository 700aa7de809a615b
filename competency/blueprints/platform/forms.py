from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired

from competency.blueprints.auth.forms import EmailAddress, strip_spaces
from competency.blueprints.form_fields import ChoiceRadioField
from competency.platform.models import PLATFORM_ROLE_HINTS, PLATFORM_ROLE_LABELS

ROLE_CHOICES = [(role.value, f"{label}: {PLATFORM_ROLE_HINTS[role]}") for role, label in PLATFORM_ROLE_LABELS.items()]
PLATFORM_OWNER = "platform"


class GrantForm(FlaskForm):
    email = EmailField("Email address of the person", filters=[strip_spaces],
                       description="They must already have an account here.",
                       validators=[DataRequired("Enter the email address of the person"), EmailAddress()])
    role = ChoiceRadioField("Platform role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a platform role")])
    # Checked against the role in the view: only the chosen role's scope matters.
    owner = SelectField("Frameworks of (framework editors only)", choices=[], validate_choice=False,
                        description="The owner whose frameworks they may upload, publish, retire and discard.")
    region = SelectField("Region (analysts only)", choices=[], validate_choice=False,
                         description="The region whose figures they may read, suppressed.")
