from __future__ import annotations

from flask_wtf import FlaskForm
from competency.blueprints.form_fields import LimitedFileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from competency.blueprints.submissions import OnceFormMixin
from competency.accounts.models import SECTOR_LABELS


class MultiCheckboxField(SelectMultipleField):
    """Rendered as checkboxes by the forms macro."""


class ShareForm(OnceFormMixin, FlaskForm):
    credential_ids = MultiCheckboxField("Credentials to share", coerce=int,
                                        validators=[DataRequired("Choose at least one credential to share")])
    expires_on = DateField("Link expires on", validators=[DataRequired("Enter the date the link stops working")],
                           description="At most a year from today. The default is 30 days.")
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)],
                         description="Shown at the top of the shared page, for example who you sent it to.")


class ImportForm(FlaskForm):
    organisation_id = SelectField("Organisation", coerce=int,
                                  description="Where you are bringing your passport to.")
    share_url = URLField("Share link", validators=[Optional(), Length(max=500)],
                         description="A share link from your previous employer's passport page")
    file = LimitedFileField("Passport file", description="Or the passport bundle (.json) you downloaded")


class TrustedIssuerForm(FlaskForm):
    name = StringField("Issuer name", validators=[DataRequired("Enter the issuer's name"), Length(max=200)])
    did = StringField("Issuer identifier (DID)", validators=[DataRequired("Enter the issuer's identifier"),
                                                             Length(max=300)],
                      description="It starts with did:web: and is shown on the verification result.")
    sector = SelectField("Sector", choices=[(sector.value, label) for sector, label in SECTOR_LABELS.items()])
