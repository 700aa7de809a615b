from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Optional

from competency.accounts.models import SECTOR_LABELS
from competency.blueprints.form_fields import ChoiceSelectField, DateInputField, LimitedFileField
from competency.blueprints.form_fields import MultiCheckboxField, at_most, to_come
from competency.blueprints.submissions import OnceFormMixin


class ShareForm(OnceFormMixin, FlaskForm):
    credential_ids = MultiCheckboxField("Credentials to share", coerce=int,
                                        validators=[DataRequired("Choose at least one credential to share")])
    expires_on = DateInputField("Link expires on", subject="The expiry date",
                                required_message="Enter the date the link stops working",
                                validators=[to_come(too_early="{subject} must be in the future")],
                                description="At most a year from today. The default is 30 days.")
    note = TextAreaField("Note", validators=[Optional(), at_most(500, "The note")],
                         description="Shown at the top of the shared page, for example who you sent it to.")


class ImportForm(FlaskForm):
    organisation_id = ChoiceSelectField("Organisation", coerce=int,
                                        message="Choose the organisation you are bringing your passport to",
                                        description="Where you are bringing your passport to.")
    share_url = URLField("Share link", validators=[Optional(), at_most(500, "The share link")],
                         description="A share link from your previous employer's passport page")
    file = LimitedFileField("Passport file", description="Or the passport bundle (.json) you downloaded")


class TrustedIssuerForm(FlaskForm):
    name = StringField("Issuer name", validators=[DataRequired("Enter the issuer's name"),
                                                  at_most(200, "The issuer's name")])
    did = StringField("Issuer identifier (DID)", validators=[DataRequired("Enter the issuer's identifier"),
                                                             at_most(300, "The issuer's identifier")],
                      description="It starts with did:web: and is shown on the verification result.")
    sector = ChoiceSelectField("Sector", choices=[(sector.value, label) for sector, label in SECTOR_LABELS.items()],
                               message="Choose the issuer's sector")
