from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from competency.frameworks.specs import SECTORS

MAX_FRAMEWORK_FILE_BYTES = 5 * 1024 * 1024


class UploadFrameworkForm(FlaskForm):
    file = FileField(
        "Framework file",
        description="A YAML data file (.yaml) or a CASE 1.1 package (.json). It is checked and stored as a draft; "
                    "you can review the changes before publishing.",
        validators=[
            FileRequired("Choose a YAML or CASE JSON file"),
            FileAllowed(["yaml", "yml", "json"], "The file must be a .yaml, .yml or .json file"),
            FileSize(max_size=MAX_FRAMEWORK_FILE_BYTES, message="The file must be smaller than 5 MB"),
        ],
    )
    # Shown only to editors of several owners; choices are the owners they edit for.
    owner = SelectField("Owner of a new framework", choices=[], validate_choice=False,
                        description="Who looks after a framework this file creates. Versions of an existing "
                                    "framework keep its owner.")


class MatrixFilterForm(FlaskForm):
    """A GET form: no CSRF token, values come from the query string."""

    class Meta:
        csrf = False

    version = SelectField("Version", choices=[])
    sector = SelectField("Sector", choices=[SelectChoice("", "All sectors"),
                                            *[SelectChoice(code, label) for code, label in SECTORS.items()]])
    profession = SelectField("Profession", choices=[])
