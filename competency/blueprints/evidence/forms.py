from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from competency.blueprints.form_fields import ChoiceRadioField, DateInputField, LimitedFileField
from competency.blueprints.form_fields import LimitedMultipleFileField, happened
from competency.db import utcnow
from competency.blueprints.submissions import OnceFormMixin
from competency.evidence.models import FEEDBACK_SOURCE_LABELS, KIND_LABELS
from competency.evidence.services import EARLIEST_EVIDENCE_DATE, MAX_TEXT, MAX_TITLE

KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
FEEDBACK_CHOICES = [(source.value, label) for source, label in FEEDBACK_SOURCE_LABELS.items()]
TEXT_TOO_LONG = f"must be {MAX_TEXT:,} characters or fewer"


def evidence_today():
    """The latest date evidence may carry: the same day the service checks against."""
    return utcnow().date()


class CapabilityChoiceField(SelectMultipleField):
    """Checkboxes grouped by pillar and level, rendered by templates/evidence/_capabilities.html."""

    def pre_validate(self, form) -> None:  # unknown identifiers are reported by the service
        pass


class EvidenceForm(OnceFormMixin, FlaskForm):
    kind = ChoiceRadioField("What kind of evidence is this?", choices=KIND_CHOICES,
                            message="Choose what kind of evidence this is")
    title = StringField("Title", validators=[DataRequired("Enter a title"),
                                             Length(max=MAX_TITLE,
                                                    message=f"The title must be {MAX_TITLE} characters or fewer")],
                        description="A few words you will recognise later, for example 'First solo home visit'.")
    occurred_on = DateInputField("When did it happen?", subject="The date",
                                 required_message="Enter the date this happened",
                                 validators=[happened(EARLIEST_EVIDENCE_DATE, today=evidence_today)],
                                 description="Or the date on the certificate. For example, 27 10 2026.")
    # Required unless the structured reflection below is filled in: the service checks that,
    # and the label says so rather than calling it optional.
    text = TextAreaField("Description", validators=[Length(max=MAX_TEXT, message=f"The description {TEXT_TOO_LONG}")],
                         description="What happened and what it shows. For a certificate or CPD record, say what it "
                                     "covered. For a reflection you can use the three questions below instead.")
    what_happened = TextAreaField("What happened?",
                                  validators=[Length(max=MAX_TEXT, message=f"What happened {TEXT_TOO_LONG}")])
    so_what = TextAreaField("So what? What did you learn, and why does it matter?",
                            validators=[Length(max=MAX_TEXT, message=f"So what {TEXT_TOO_LONG}")])
    now_what = TextAreaField("Now what? What will you do differently?",
                             validators=[Length(max=MAX_TEXT, message=f"Now what {TEXT_TOO_LONG}")])
    feedback_source = RadioField("Who gave this feedback?", choices=FEEDBACK_CHOICES, validate_choice=False,
                                 description="Only for feedback or testimony.")
    capabilities = CapabilityChoiceField("Capabilities this evidence supports")
    # The picker's filter (not saved): see competency/blueprints/evidence/picker.py.
    capability_search = StringField("Search by code or words", validators=[
        Length(max=100, message="Search for 100 characters or fewer")])
    capability_level = SelectField("Level of practice", validate_choice=False)
    capability_pillar = SelectField("Pillar", validate_choice=False)
    file = LimitedMultipleFileField("Files", description="PDF, image, Word, Excel, PowerPoint, OpenDocument text or "
                                                         "plain text. You can choose several files at once.")


class UploadForm(FlaskForm):
    file = LimitedFileField("Add a file", validators=[DataRequired("Choose a file to upload")],
                            description="PDF, image (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument "
                                        "text or plain text.")
