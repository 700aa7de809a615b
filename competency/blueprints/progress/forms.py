from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Optional

from competency.blueprints.form_fields import ChoiceRadioField, MultiCheckboxField, at_most


class RequestForm(FlaskForm):
    evidence_ids = MultiCheckboxField("Evidence to cite", coerce=int,
                                      validators=[DataRequired("Choose at least one piece of evidence")],
                                      description="Only evidence linked to this capability is listed.")
    assessor_id = ChoiceRadioField("Who should review it?", coerce=int,
                             validators=[DataRequired("Choose who should review your request")],
                             description="Preceptors and leads where you work now who can sign off this "
                                         "capability.")
    message = TextAreaField("Note for the reviewer", validators=[Optional(), at_most(5000, "The note")],
                            description="Optional. Anything that helps them read your evidence.")


class SeveralRequestsForm(FlaskForm):
    capability_ids = MultiCheckboxField(
        "Capabilities to ask for",
        validators=[DataRequired("Choose at least one capability to ask for")],
        description="Only capabilities with linked evidence that are not signed off or waiting are listed. Each "
                    "becomes its own request citing all your evidence linked to it.")
    assessor_id = ChoiceRadioField("Who should review them?", coerce=int,
                             validators=[DataRequired("Choose who should review your requests")],
                             description="Preceptors and leads where you work now.")
    message = TextAreaField("Note for the reviewer", validators=[Optional(), at_most(5000, "The note")],
                            description="Optional. Sent with every request.")
