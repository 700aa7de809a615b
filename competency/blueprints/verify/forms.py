from __future__ import annotations

from flask_wtf import FlaskForm
from competency.blueprints.form_fields import LimitedFileField
from wtforms import URLField
from wtforms.validators import Length, Optional


class VerifyForm(FlaskForm):
    share_url = URLField("Share link", validators=[Optional(), Length(max=500)],
                         description="The link the person sent you, or the link under a QR code, starting with https://")
    file = LimitedFileField("Passport file", description="A credential or passport bundle (.json) the person gave you")
