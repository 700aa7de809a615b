from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import URLField
from wtforms.validators import Optional

from competency.blueprints.form_fields import LimitedFileField, at_most


class VerifyForm(FlaskForm):
    share_url = URLField("Share link", validators=[Optional(), at_most(500, "The share link")],
                         description="The link the person sent you, or the link under a QR code, starting with https://")
    file = LimitedFileField("Passport file", description="A credential or passport bundle (.json) the person gave you")
