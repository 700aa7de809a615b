"""Reminders: every signed-in person has their own notification settings page."""
from __future__ import annotations

from tests.access.matrix import Case

CASES = [
    Case("home.notification_preferences", lambda w: "/notifications/preferences"),
    Case("home.notification_preferences", lambda w: "/notifications/preferences", method="POST",
         data=lambda w: {"email_mode": "digest", "muted": ["milestone"]}, default=302,
         id="home.notification_preferences-save"),
]
