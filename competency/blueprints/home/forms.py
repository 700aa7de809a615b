from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

from competency.blueprints.form_fields import ChoiceRadioField, MultiCheckboxField
from competency.reminders.preferences import MUTABLE_KINDS, EmailMode


class NotificationPreferencesForm(FlaskForm):
    email_mode = ChoiceRadioField(
        "How should we e-mail you reminders?",
        choices=[(EmailMode.immediate.value, "Each reminder as it happens"),
                 (EmailMode.digest.value, "One digest e-mail on Monday mornings")],
        validators=[DataRequired("Choose how to get reminder e-mails")],
        description="Reminders always appear on your notifications page straight away.",
    )
    muted = MultiCheckboxField(
        "Mute these kinds",
        choices=list(MUTABLE_KINDS.items()), message="Choose kinds of notification from the list",
        description=("Muted notifications still appear on your notifications page, marked as read, "
                     "but we do not e-mail you about them. Escalations to leads cannot be muted."),
    )
