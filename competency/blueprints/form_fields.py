"""Form fields that follow the NHS.UK design system's patterns, with messages written for people.

- :class:`DateInputField`: the three-box date (day, month, year) with the design system's error
  messages ("Date must include a month", "Date must be a real date").
- :class:`DateWithin` (and :func:`happened`, :func:`plausible`, :func:`to_come`) and
  :class:`NotBefore`: a plausible range for any date, and an end that is not before its start.
- :class:`WholeNumberField` / :class:`NumberField`: numbers whose unreadable input gets the field's
  own message ("Hours must be a number, like 7.5"), never the library's.
- :class:`ChoiceSelectField`, :class:`ChoiceRadioField`, :class:`MultiCheckboxField`: choices whose
  only message is the field's own ("Choose a profession"), never "Not a valid choice".
- :func:`at_most`: a length limit that names the field.
- :class:`LimitedFileField` / :class:`LimitedMultipleFileField`: file inputs that state the size
  limit in their hint and turn a file dropped for being too big (see
  :mod:`competency.blueprints.uploads`) into a message naming the file and its size.

Rendered by ``templates/macros/forms.html`` (``field``), which also points the error summary at
each field's first input.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DecimalField, Field, FileField as WTFileField, HiddenField, IntegerField
from wtforms import MultipleFileField as WTMultipleFileField, PasswordField, RadioField, SelectField
from wtforms import SelectMultipleField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from competency.blueprints.uploads import refused_uploads
from competency.evidence.uploads import size_limit_text

PARTS = ("day", "month", "year")
MONTH_NAMES = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
LONDON = ZoneInfo("Europe/London")
# The oldest date anything recorded here plausibly carries (a first post, a registration).
EARLIEST_DATE = date(1950, 1, 1)

DateBound = date | Callable[[], date] | None
DATE_HINT = "For example, 27 3 2026"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def uk_today() -> date:
    """Today where the people using the forms are."""
    return datetime.now(LONDON).date()


def years_from_today(years: int) -> Callable[[], date]:
    """A bound ``years`` after today (29 February becomes the 28th), worked out when the form is checked."""
    def bound() -> date:
        today = uk_today()
        try:
            return today.replace(year=today.year + years)
        except ValueError:
            return today.replace(year=today.year + years, day=28)
    return bound


def _subject(field) -> str:
    return getattr(field, "subject", None) or "The date"


def _mark(field, parts: tuple[str, ...]) -> None:
    if hasattr(field, "error_parts"):  # a three-box date highlights the boxes to change
        field.error_parts = parts


class DateWithin:
    """The date lies between ``earliest`` and ``latest`` (dates, or callables such as :func:`uk_today`,
    read when the form is checked). Messages name the field by its ``subject`` ("The panel date must be
    on or after 1 January 1950"); ``too_early`` and ``too_late`` replace them and may say ``{subject}``.
    An empty or unreadable date is left to the field's own messages."""

    def __init__(self, earliest: DateBound = EARLIEST_DATE, latest: DateBound = None, *,
                 too_early: str | None = None, too_late: str | None = None):
        self.earliest, self.latest = earliest, latest
        self.too_early, self.too_late = too_early, too_late

    @staticmethod
    def _resolve(bound: DateBound) -> date | None:
        return bound() if callable(bound) else bound

    def __call__(self, form, field) -> None:
        if not isinstance(field.data, date):
            return
        subject = _subject(field)
        earliest, latest = self._resolve(self.earliest), self._resolve(self.latest)
        if earliest is not None and field.data < earliest:
            _mark(field, ("year",))
            raise StopValidation((self.too_early or "{subject} must be on or after {date}").format(
                subject=subject, date=long_date(earliest)))
        if latest is not None and field.data > latest:
            _mark(field, PARTS)
            raise StopValidation((self.too_late or "{subject} must be on or before {date}").format(
                subject=subject, date=long_date(latest)))


def happened(earliest: DateBound = EARLIEST_DATE, *, today: Callable[[], date] = uk_today,
             too_late: str = "{subject} must be today or in the past") -> DateWithin:
    """For something that has already happened: not in the future, not before ``earliest``."""
    return DateWithin(earliest, today, too_late=too_late)


def plausible(years_ahead: int = 2, earliest: DateBound = EARLIEST_DATE) -> DateWithin:
    """For a date that may be past or to come: not before ``earliest``, at most ``years_ahead`` years from today."""
    return DateWithin(earliest, years_from_today(years_ahead))


def to_come(years_ahead: int = 2, *, too_early: str = "{subject} must be today or in the future") -> DateWithin:
    """For something still to happen: from today, at most ``years_ahead`` years from today."""
    return DateWithin(uk_today, years_from_today(years_ahead), too_early=too_early)


class NotBefore:
    """The date is the same as or after the date in the form's field ``other`` (an end and its start),
    once both are readable dates."""

    def __init__(self, other: str, message: str):
        self.other, self.message = other, message

    def __call__(self, form, field) -> None:
        start = form[self.other].data
        if isinstance(field.data, date) and isinstance(start, date) and field.data < start:
            _mark(field, PARTS)
            raise StopValidation(self.message)


class DateInputField(Field):
    """A date typed into three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year``.

    ``subject`` is how messages name the date ("The date", "The start date"); give the range as a
    validator (:func:`happened`, :func:`plausible`, :class:`NotBefore`). Months may also be typed as
    names ("oct", "October"); one ISO value (``<name>=2026-10-27``) is read too. After validation
    ``error_parts`` says which boxes to highlight and ``error_part`` where the error summary link lands.
    """

    def __init__(self, label: str | None = None, validators=None, *, required: bool = True,
                 subject: str = "The date", required_message: str | None = None, **kwargs):
        if not kwargs.get("description"):
            kwargs["description"] = DATE_HINT  # the design system's hint, for a date with none of its own
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.subject = subject
        self.required_message = required_message or f"Enter {subject[0].lower()}{subject[1:]}"
        self.raw_parts: dict[str, str] | None = None
        self.error_parts: tuple[str, ...] = ()
        self._unreadable = False
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
        self._unreadable = False
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in PARTS):
            self.raw_parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip()[:20] for part in PARTS}
        elif formdata is not None and self.name in formdata:
            # One ISO value (2026-10-27), as scripts and older clients post it: read as the three boxes.
            value = (formdata.get(self.name) or "").strip()[:20]
            year, _, rest = value.partition("-")
            month, _, day = rest.partition("-")
            self.raw_parts = {"day": day, "month": month, "year": year}
            self._unreadable = bool(value) and not all(self.raw_parts.values())  # "not a date", "15/02/27"
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

    def _fail(self, message: str, parts: tuple[str, ...] = PARTS) -> None:
        self.error_parts = parts
        raise StopValidation(message)

    def pre_validate(self, form) -> None:
        self.error_parts = ()
        parts = self.raw_parts or {part: "" for part in PARTS}
        if self.raw_parts is None and self.data is not None:  # nothing typed: the stored date stands
            return
        if self._unreadable:
            self._fail(f"{self.subject} must be a real date")
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

    def _part_plausible(self, part: str, text: str) -> bool:
        try:
            number = self._number(text, month=part == "month")
        except ValueError:
            return False
        return {"day": 1 <= number <= 31, "month": 1 <= number <= 12, "year": 1000 <= number <= 9999}[part]


def at_most(limit: int, subject: str) -> Length:
    """A length limit whose message names the field: "The role title must be 120 characters or fewer"."""
    return Length(max=limit, message=f"{subject} must be {limit:,} characters or fewer")


class _ReadableNumber:
    """A number field whose unreadable input gets ``message`` and nothing else; empty input is left
    to the required or optional validator."""

    def __init__(self, label=None, validators=None, *, message: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.unreadable_message = message
        self._unreadable = False

    def process_formdata(self, valuelist) -> None:
        self._unreadable = False
        if not valuelist:
            return  # not sent: the default stands
        text = (valuelist[0] or "").strip() if isinstance(valuelist[0], str) else valuelist[0]
        if text == "":
            self.data = None
            return
        try:
            super().process_formdata([text])
        except ValueError:
            self.data, self._unreadable = None, True
        if isinstance(self.data, Decimal) and not self.data.is_finite():  # "NaN", "Infinity"
            self.data, self._unreadable = None, True

    def pre_validate(self, form) -> None:
        if self._unreadable:
            raise StopValidation(self.unreadable_message)


class WholeNumberField(_ReadableNumber, IntegerField):
    """A whole number: ``message`` for text that is not one ("Minutes must be a whole number, like 90")."""


class NumberField(_ReadableNumber, DecimalField):
    """A decimal: ``message`` for text that is not a number ("Hours must be a number, like 7.5")."""


def _required_message(validators) -> str | None:
    for validator in validators or ():
        if isinstance(validator, (DataRequired, InputRequired)) and validator.message:
            return validator.message
    return None


class _OwnChoiceMessage:
    """A choice field whose only message is ``message`` (by default its required message) for an
    answer that is not one of the choices or cannot be read."""

    def __init__(self, label=None, validators=None, *, message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choice_message = message or _required_message(validators)
        if not self.choice_message:
            raise TypeError(f"{type(self).__name__} {label!r} needs a message (or a required message)")
        self._unreadable = False

    def process_formdata(self, valuelist) -> None:
        self._unreadable = False
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self._unreadable = True

    def pre_validate(self, form) -> None:
        if self._unreadable:
            raise StopValidation(self.choice_message)
        try:
            super().pre_validate(form)
        except ValidationError:
            raise StopValidation(self.choice_message) from None


class ChoiceSelectField(_OwnChoiceMessage, SelectField):
    """A select (drop-down) list: ``message`` for an answer not in the list."""


class ChoiceRadioField(_OwnChoiceMessage, RadioField):
    """Radios: ``message`` for an answer not among them ("Choose what kind of evidence this is")."""


class MultiCheckboxField(_OwnChoiceMessage, SelectMultipleField):
    """Checkboxes (rendered as a group by macros/forms.html): ``message`` for an answer not among them."""


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
