"""The organisation settings form: the word for the people served, role titles and grades.

The form checks what only the page knows (a choice was made, "another word" was typed when chosen,
nothing absurdly long was sent); the rules for the words themselves live in
:mod:`competency.accounts.organisation_settings`, so they hold wherever words are saved from.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from competency.accounts.organisation_settings import COMMON_WORDS, MAX_LINE, MAX_LINES, MAX_WORD

OTHER = "other"
WORD_CHOICES = [SelectChoice(word, word[:1].upper() + word[1:]) for word in COMMON_WORDS] + [
    SelectChoice(OTHER, "Another word")]
# Room for the most lines allowed, with blank lines and repeats on top; anything longer is refused whole.
MAX_LIST_CHARS = 2 * MAX_LINES * (MAX_LINE + 2)


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _list_field(label: str, many: str, example: str) -> TextAreaField:
    """A one-per-line list, refused whole only when far longer than the most lines allowed."""
    return TextAreaField(
        label,
        validators=[Length(max=MAX_LIST_CHARS, message=f"Enter {MAX_LINES} {many} or fewer, "
                                                       f"each {MAX_LINE} characters or fewer")],
        description=f"One per line, as your organisation writes them, for example {example}. "
                    f"Up to {MAX_LINES}, each up to {MAX_LINE} characters.")


class NeededForOther:
    """The "another word" box must be filled in when "Another word" is chosen."""

    def __call__(self, form, field) -> None:
        if form.people_served.data == OTHER and not (field.data or "").strip():
            raise ValidationError("Enter the word your organisation uses")


class OrganisationSettingsForm(FlaskForm):
    people_served = RadioField(
        "What does your organisation call the people it serves?", choices=WORD_CHOICES, validate_choice=False,
        validators=[InputRequired("Choose the word for the people your organisation serves"),
                    AnyOf([choice.value for choice in WORD_CHOICES],
                          message="Choose the word for the people your organisation serves")],
        description="Used on every page and email that names them, for example feedback from them on evidence.")
    other_word = StringField(
        "Another word", filters=[strip],
        validators=[NeededForOther(), Length(max=MAX_WORD, message=f"The word must be {MAX_WORD} characters or fewer")],
        description="Only if you chose another word. One person, written as it reads in the middle of a sentence, "
                    "for example ‘tenant’ or ‘expert by experience’.")
    people_served_plural = StringField(
        "Plural", filters=[strip],
        validators=[Optional(), Length(max=MAX_WORD, message=f"The plural must be {MAX_WORD} characters or fewer")])
    role_titles = _list_field("Role titles", "role titles", "‘Occupational Therapy Assistant’")
    grades = _list_field("Grades or bands", "grades or bands", "‘Band 5’ or ‘Grade 9 (KR10)’")
    # The fingerprint of the settings this form was filled in from (see organisation_settings.fingerprint).
    based_on = HiddenField(validators=[
        DataRequired("The form was incomplete. Reload the page and try again."),
        Regexp(r"^[0-9a-f]{32}$", message="The form was incomplete. Reload the page and try again.")])

    @property
    def word(self) -> str:
        """The singular the person chose or typed."""
        return (self.other_word.data or "") if self.people_served.data == OTHER else (self.people_served.data or "")

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """Show the service's problems (by settings key) on the fields they belong to."""
        for key, messages in problems.items():
            field = self.other_word if key == "people_served" and self.people_served.data == OTHER else self[key]
            field.errors = [*field.errors, *messages]

    def show(self, words) -> None:
        """Fill the form in from saved :class:`~competency.accounts.organisation_settings.LocalWords`."""
        from competency.accounts.language import DEFAULT_SINGULAR

        singular = words.people_served or DEFAULT_SINGULAR
        common = {word.casefold(): word for word in COMMON_WORDS}
        if singular.casefold() in common:
            self.people_served.data = common[singular.casefold()]
            self.other_word.data = ""
        else:
            self.people_served.data = OTHER
            self.other_word.data = singular
        self.people_served_plural.data = words.people_served_plural or ""
        self.role_titles.data = "\n".join(words.role_titles)
        self.grades.data = "\n".join(words.grades)
