from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from competency.blueprints.submissions import OnceFormMixin
from competency.evidence.models import FEEDBACK_SOURCE_LABELS, KIND_LABELS

KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
FEEDBACK_CHOICES = [(source.value, label) for source, label in FEEDBACK_SOURCE_LABELS.items()]


class CapabilityChoiceField(SelectMultipleField):
    """Checkboxes grouped by pillar and level, rendered by templates/evidence/_capabilities.html."""

    def pre_validate(self, form) -> None:  # unknown identifiers are reported by the service
        pass


class EvidenceForm(OnceFormMixin, FlaskForm):
    kind = RadioField("What kind of evidence is this?", choices=KIND_CHOICES,
                      validators=[DataRequired("Choose what kind of evidence this is")])
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200)],
                        description="A few words you will recognise later, for example 'First solo home visit'.")
    occurred_on = DateField("Date", validators=[DataRequired("Enter the date this happened, like 2026-10-27")],
                            description="When it happened, or the date on the certificate.")
    text = TextAreaField("Description", validators=[Optional(), Length(max=20000)],
                         description="What happened and what it shows. For a certificate or CPD record, say what "
                                     "it covered.")
    what_happened = TextAreaField("What happened?", validators=[Optional(), Length(max=20000)])
    so_what = TextAreaField("So what? What did you learn, and why does it matter?",
                            validators=[Optional(), Length(max=20000)])
    now_what = TextAreaField("Now what? What will you do differently?", validators=[Optional(), Length(max=20000)])
    feedback_source = RadioField("Who gave this feedback?", choices=FEEDBACK_CHOICES, validate_choice=False,
                                 validators=[Optional()],
                                 description="Only for feedback or testimony.")
    capabilities = CapabilityChoiceField("Capabilities this evidence supports")
    file = FileField("Attach a file", description="Optional. PDF, image, Word, Excel, PowerPoint, OpenDocument text "
                                                  "or plain text.")


class UploadForm(FlaskForm):
    file = FileField("Add a file", validators=[DataRequired("Choose a file to upload")],
                     description="PDF, image (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument text or "
                                 "plain text.")
