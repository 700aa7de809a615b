from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.validators import DataRequired

from competency.reminders.preferences import MUTABLE_KINDS, EmailMode


class MultiCheckboxField(SelectMultipleField):
    """Rendered as a group of checkboxes by macros/forms.html."""


class NotificationPreferencesForm(FlaskForm):
    email_mode = RadioField(
        "How should we e-mail you reminders?",
        choices=[(EmailMode.immediate.value, "Each reminder as it happens"),
                 (EmailMode.digest.value, "One digest e-mail on Monday mornings")],
        validators=[DataRequired("Choose how to get reminder e-mails")],
        description="Reminders always appear on your notifications page straight away.",
    )
    muted = MultiCheckboxField(
        "Mute these kinds",
        choices=list(MUTABLE_KINDS.items()),
        description=("Muted notifications still appear on your notifications page, marked as read, "
                     "but we do not e-mail you about them. Escalations to leads cannot be muted."),
    )
