"""Form fields that follow the NHS.UK design system's patterns, with messages written for people.

- :class:`DateInputField`: the three-box date (day, month, year) with the design system's error
  messages ("Date must include a month", "Date must be a real date") and a plausible range.
- :class:`LimitedFileField` / :class:`LimitedMultipleFileField`: file inputs that state the size
  limit in their hint and turn a file dropped for being too big (see
  :mod:`competency.blueprints.uploads`) into a message naming the file and its size.

Rendered by ``templates/macros/forms.html`` (``field``), which also points the error summary at
each field's first input.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, Field, FileField as WTFileField, HiddenField, MultipleFileField as WTMultipleFileField
from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from competency.blueprints.uploads import refused_uploads
from competency.evidence.uploads import size_limit_text

PARTS = ("day", "month", "year")
MONTH_NAMES = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class DateInputField(Field):
    """A date typed into three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year``.

    ``earliest`` and ``latest`` are dates or callables returning one (``date.today`` for "not in
    the future"); ``subject`` is how messages name the date ("The date", "The start date").
    Months may also be typed as names ("oct", "October"). After validation ``error_parts`` says
    which boxes to highlight and ``error_part`` where the error summary link lands.
    """

    def __init__(self, label: str | None = None, validators=None, *, required: bool = True,
                 subject: str = "The date", required_message: str | None = None,
                 earliest: date | Callable[[], date] | None = None, latest: date | Callable[[], date] | None = None,
                 latest_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.subject = subject
        self.required_message = required_message or f"Enter {subject[0].lower()}{subject[1:]}"
        self.earliest = earliest
        self.latest = latest
        self.latest_message = latest_message
        self.raw_parts: dict[str, str] | None = None
        self.error_parts: tuple[str, ...] = ()
        if required:
            self.flags.required = True

    @property
    def error_part(self) -> str | None:
        return self.error_parts[0] if self.error_parts else None

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        if data is unset_value:
            try:
                data = self.default()
            except TypeError:
                data = self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        self.raw_parts = None
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in PARTS):
            self.raw_parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip()[:20] for part in PARTS}
        elif formdata is not None and self.name in formdata:
            # One ISO value (2026-10-27), as scripts and older clients post it: read as the three boxes.
            year, _, rest = (formdata.get(self.name) or "").strip()[:20].partition("-")
            month, _, day = rest.partition("-")
            self.raw_parts = {"day": day, "month": month, "year": year}
        if self.raw_parts is not None:
            self.data = None
            try:
                self.data = self._parse(self.raw_parts)
            except ValueError:
                self.data = None

    def part_value(self, part: str) -> str:
        if self.raw_parts is not None:
            return self.raw_parts[part]
        if self.data is None:
            return ""
        return str(getattr(self.data, part))

    @staticmethod
    def _number(text: str, *, month: bool = False) -> int:
        if month and text.lower() in MONTH_NAMES:
            return MONTH_NAMES[text.lower()]
        if not text.isdigit():
            raise ValueError(text)
        return int(text)

    def _parse(self, parts: dict[str, str]) -> date:
        return date(self._number(parts["year"]), self._number(parts["month"], month=True), self._number(parts["day"]))

    @staticmethod
    def _resolve(bound: date | Callable[[], date] | None) -> date | None:
        return bound() if callable(bound) else bound

    def _fail(self, message: str, parts: tuple[str, ...] = PARTS) -> None:
        self.error_parts = parts
        raise StopValidation(message)

    def pre_validate(self, form) -> None:
        self.error_parts = ()
        parts = self.raw_parts or {part: "" for part in PARTS}
        if self.raw_parts is None and self.data is not None:  # nothing typed: the stored date stands
            return
        missing = tuple(part for part in PARTS if not parts[part])
        if len(missing) == len(PARTS):
            if self.required:
                self._fail(self.required_message)
            return
        if missing:
            words = " and ".join(missing) if len(missing) == 2 else missing[0]
            self._fail(f"{self.subject} must include a {words}", missing)
        if parts["year"].isdigit() and len(parts["year"]) != 4:
            self._fail("Year must include 4 numbers", ("year",))
        if self.data is None:
            wrong = tuple(part for part in PARTS if not self._part_plausible(part, parts[part]))
            self._fail(f"{self.subject} must be a real date", wrong or PARTS)
        earliest, latest = self._resolve(self.earliest), self._resolve(self.latest)
        if earliest is not None and self.data < earliest:
            self._fail(f"{self.subject} must be on or after {long_date(earliest)}", ("year",))
        if latest is not None and self.data > latest:
            self._fail(self.latest_message or f"{self.subject} must be on or before {long_date(latest)}")

    def _part_plausible(self, part: str, text: str) -> bool:
        try:
            number = self._number(text, month=part == "month")
        except ValueError:
            return False
        return {"day": 1 <= number <= 31, "month": 1 <= number <= 12, "year": 1000 <= number <= 9999}[part]


def _limit_hint(description: str) -> str:
    limit = size_limit_text(current_app.config["MAX_UPLOAD_BYTES"])
    description = description.strip()
    if description and not description.endswith((".", "?", "!")):
        description += "."
    return f"{description} Each file can be up to {limit}.".strip()


class _LimitedFiles:
    """Shared by the single and multiple file fields: the limit in the hint, over-size files as errors."""

    def _files(self) -> list[FileStorage]:
        data = self.data if isinstance(self.data, list) else [self.data]
        return [item for item in data if isinstance(item, FileStorage) and item.filename]

    @property
    def max_bytes(self) -> int:
        return current_app.config["MAX_UPLOAD_BYTES"]

    @property
    def chosen_filenames(self) -> list[str]:
        """Names of the files sent with this submission that were within the limits (and so are
        lost only because the form is shown again); the refused ones have their own message."""
        files = self._files()
        refused = {item.filename for item in refused_uploads(files)}
        return [item.filename for item in files if item.filename not in refused]

    def pre_validate(self, form) -> None:
        refused = refused_uploads(self._files())
        if refused:
            config = current_app.config
            self.errors.extend(item.message(config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_FILES"])
                               for item in refused)
            raise StopValidation()


class LimitedFileField(_LimitedFiles, FileField):
    def __init__(self, label=None, validators=None, description: str = "", **kwargs):
        super().__init__(label, validators, description=_limit_hint(description), **kwargs)


class LimitedMultipleFileField(_LimitedFiles, MultipleFileField):
    def __init__(self, label=None, validators=None, description: str = "", **kwargs):
        super().__init__(label, validators, description=_limit_hint(description), **kwargs)


def field_kind(field) -> str:
    """Which NHS.UK component renders ``field`` (the ``field`` macro's switch), by class, so that
    subclasses render like their parents."""
    for cls, kind in ((DateInputField, "date"), (WTMultipleFileField, "files"), (WTFileField, "file"),
                      (RadioField, "radios"), (SelectMultipleField, "checkboxes"), (SelectField, "select"),
                      (BooleanField, "checkbox"), ((HiddenField, CSRFTokenField), "hidden"),
                      (TextAreaField, "textarea"), (PasswordField, "password")):
        if isinstance(field, cls):
            return kind
    return "input"
