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

    # Never validated: the view ignores a value that is not one of the choices.
    version = SelectField("Version", choices=[], validate_choice=False)
    sector = SelectField("Sector", choices=[SelectChoice("", "All sectors"),
                                            *[SelectChoice(code, label) for code, label in SECTORS.items()]],
                         validate_choice=False)
    profession = SelectField("Profession", choices=[], validate_choice=False)


class ReferenceImportForm(FlaskForm):
    file = FileField(
        "CASE package or Moodle framework file",
        description="A CASE 1.1 package (.json) from any CASE tool, or a competency framework exported from Moodle (.csv). "
                    "It is kept exactly as it came; next you choose how it maps onto pillars, levels and capabilities.",
        validators=[
            FileRequired("Choose a CASE JSON or Moodle CSV file"),
            FileAllowed(["json", "csv"], "The file must be a .json or .csv file"),
            FileSize(max_size=MAX_FRAMEWORK_FILE_BYTES, message="The file must be smaller than 5 MB"),
        ],
    )


def mapping_form(kinds: list[dict], proposal, formdata=None):
    """A form with one role choice per kind of item (kinds differ per package, so the class is built here)."""
    from wtforms import RadioField, StringField
    from wtforms.validators import InputRequired, Regexp

    from competency.frameworks.case_mapping import LEVEL_SOURCES, ROLES

    class MappingForm(FlaskForm):
        slug = StringField("Short name for the framework", description="Lowercase words joined by hyphens, used in web addresses",
                           validators=[InputRequired("Enter a short name"),
                                       Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Use lowercase words joined by hyphens, like community-wound-care")])
        version = StringField("Version", description="Like 1.0.0",
                              validators=[InputRequired("Enter a version"),
                                          Regexp(r"^\d+\.\d+\.\d+$", message="Enter the version like 1.0.0")])
        level_source = RadioField("Where do levels come from?", choices=[SelectChoice(k, v) for k, v in LEVEL_SOURCES.items()
                                                                          if k != "branch"],
                                  validators=[InputRequired("Choose where levels come from")])
        level_name = StringField("Level name", description="The level for every capability, or for items with no education level",
                                 validators=[InputRequired("Enter a level name")])

    for index, kind in enumerate(kinds):
        setattr(MappingForm, f"role_{index}", SelectField(
            f"Items of type {kind['kind']}", choices=[SelectChoice(k, v) for k, v in ROLES.items()],
            validators=[InputRequired(f"Choose what items of type {kind['kind']} become")],
            default=proposal.roles.get(kind["kind"], "capability")))
    data = {"slug": proposal.slug, "version": proposal.version, "level_source": proposal.level_source
            if proposal.level_source != "branch" else "single", "level_name": proposal.level_name}
    return MappingForm(formdata=formdata, data=data)
