"""Every form speaks plain English (#15): whatever is typed, no message that WTForms or Flask-WTF
writes when it is given none reaches the screen, and every date has a plausible range.

The forms are found by walking ``competency.blueprints``. The library's own messages are read from
the library: each of its validators and fields is made to fail with no message of ours, so a new
WTForms message is caught without editing a list here.
"""
from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import wtforms
import wtforms.fields
import wtforms.validators as library_validators
from flask_wtf import FlaskForm
from flask_wtf import file as flask_wtf_file
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import Form
from wtforms.fields import DateTimeField, FieldList, FormField, SelectFieldBase

import competency.blueprints
from competency.blueprints.form_fields import DateInputField

SENTINEL = "zqxj"  # stands for a value the library puts into a message ("'zqxj' is not a valid choice")


# --- the library's own messages ---------------------------------------------------------------

def _validator_cases() -> list[tuple[object, type, object]]:
    """(validator with no message, field class, what is typed) for each validator that can fail."""
    v, f = library_validators, flask_wtf_file
    text, number, day = wtforms.StringField, wtforms.IntegerField, wtforms.DateField
    upload = flask_wtf_file.FileField
    a_file = FileStorage(io.BytesIO(b"x" * 20), filename="x.exe")
    return [
        (v.DataRequired(), text, ""), (v.InputRequired(), text, ""),
        (v.Length(min=7), text, "x"), (v.Length(max=7), text, "x" * 9), (v.Length(min=7, max=9), text, "x"),
        (v.Length(min=7, max=7), text, "x"),
        (v.NumberRange(min=7), number, "1"), (v.NumberRange(max=7), number, "9"),
        (v.NumberRange(min=7, max=9), number, "1"),
        (v.DateRange(min=date(2001, 1, 1)), day, "2000-01-01"), (v.DateRange(max=date(1999, 1, 1)), day, "2000-01-01"),
        (v.DateRange(min=date(2001, 1, 1), max=date(2002, 1, 1)), day, "2000-01-01"),
        (v.Email(), text, SENTINEL), (v.EqualTo(SENTINEL), text, "x"), (v.EqualTo("nowhere"), text, "x"),
        (v.IPAddress(), text, SENTINEL), (v.MacAddress(), text, SENTINEL), (v.UUID(), text, SENTINEL),
        (v.URL(), text, SENTINEL), (v.Regexp("^7$"), text, SENTINEL), (v.AnyOf(["7"]), text, SENTINEL),
        (v.NoneOf([SENTINEL]), text, SENTINEL), (v.ReadOnly(), text, SENTINEL), (v.Disabled(), text, SENTINEL),
        (f.FileRequired(), upload, ""), (f.FileAllowed([SENTINEL]), upload, a_file),
        (f.FileSize(max_size=7), upload, a_file), (f.FileSize(max_size=70, min_size=50), upload, a_file),
    ]


def _covered_validator_classes() -> set[type]:
    return {type(validator) for validator, _field, _value in _validator_cases()}


def _library_validator_classes() -> set[type]:
    """Every validator class WTForms and Flask-WTF export that can refuse a value."""
    classes = {getattr(library_validators, name) for name in library_validators.__all__}
    classes |= {getattr(flask_wtf_file, name) for name in ("FileRequired", "FileAllowed", "FileSize")}
    return {cls for cls in classes if inspect.isclass(cls) and not issubclass(cls, Exception)
            and cls is not library_validators.Optional}


def _field_cases() -> list[tuple[type, dict, object]]:
    """(field class, its arguments, what is typed) for every WTForms field that reads typed text."""
    cases = []
    for name in wtforms.fields.__all__:
        cls = getattr(wtforms.fields, name)
        if not (inspect.isclass(cls) and issubclass(cls, wtforms.Field)) or cls in (wtforms.Field, FormField, FieldList,
                                                                                     SelectFieldBase):
            continue
        if issubclass(cls, SelectFieldBase):
            choices = [("7", "Seven")]
            cases += [(cls, {"choices": choices}, SENTINEL), (cls, {"choices": choices, "coerce": int}, SENTINEL)]
        else:
            cases.append((cls, {}, SENTINEL))
    return cases


def _failing(field, value) -> list[str]:
    class Probe(Form):
        pass

    Probe.probe = field
    setattr(Probe, SENTINEL, wtforms.StringField())
    setattr(Probe, "nowhere_", wtforms.StringField())
    data = MultiDict([("probe", value), (SENTINEL, "y")]) if value is not None else MultiDict()
    form = Probe(formdata=data, data={"probe": "original"} if field.field_class is wtforms.StringField else {})
    form.validate()
    return list(form.probe.errors)


def _csrf_messages(app) -> list[str]:
    """Flask-WTF's own messages for a missing or wrong CSRF token."""
    messages = []
    for data in ({}, {"csrf_token": SENTINEL}):
        with app.test_request_context("/", method="POST", data=data):
            form = FlaskForm(meta={"csrf": True})
            form.validate()
            messages += form.errors.get("csrf_token", [])
    return messages


def _pattern(message: str) -> re.Pattern:
    """A message with its numbers, dates and the sentinel left open, matched at the end of ours."""
    escaped = re.escape(message).replace(SENTINEL, "\0")
    escaped = re.sub(r"\d+", "\0", escaped).replace("\0", ".+?")
    return re.compile(escaped + r"\Z")


@pytest.fixture(scope="module")
def library_messages(app) -> dict[str, re.Pattern]:
    messages: list[str] = []
    with app.test_request_context("/"):
        for validator, field_class, value in _validator_cases():
            messages += _failing(field_class(validators=[validator]), value)
        for field_class, arguments, value in _field_cases():
            messages += _failing(field_class(**arguments), value)
    messages += _csrf_messages(app)
    return {message: _pattern(message) for message in messages if message}


def test_the_librarys_messages_are_read_from_the_library(library_messages):
    """Guards the collection above: it finds the well-known defaults, and every validator is tried."""
    for known in ("This field is required.", "Not a valid date value.", "Not a valid integer value.",
                  "Not a valid decimal value.", "Not a valid choice.", "Invalid email address.", "Invalid input.",
                  "Not a valid float value.", "Number must be between 7 and 9.",
                  "Field cannot be longer than 7 characters."):
        assert known in library_messages, sorted(library_messages)
    assert _library_validator_classes() <= _covered_validator_classes(), \
        "a WTForms or Flask-WTF validator has no failing case here"
    assert _is_library("Enter between 1 and 20,000 hours", library_messages) is None
    assert _is_library("Oops: Field must be between 3 and 120 characters long.", library_messages)


def _is_library(message: str, library_messages: dict[str, re.Pattern]) -> str | None:
    for default, pattern in library_messages.items():
        if pattern.search(message.strip()):
            return default
    return None


# --- the forms --------------------------------------------------------------------------------

def _modules():
    package = competency.blueprints
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        yield importlib.import_module(info.name)


def _form_classes() -> list[type[FlaskForm]]:
    found = {}
    for module in _modules():
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, FlaskForm) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[name] for name in sorted(found)]


def _form_factories() -> dict[str, object]:
    """Public functions of the forms modules that build a form class at run time (``checkin_form``)."""
    found = {}
    for module in _modules():
        if not module.__name__.endswith("forms"):
            continue
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and name.endswith("_form") and not name.startswith("_") \
                    and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


# How to call each factory: its forms differ per call, so give them a typical shape.
FACTORY_CALLS = {
    "competency.blueprints.programmes.forms.checkin_form":
        lambda factory, **meta: factory([("leadership", "Leadership"), ("practice", "Practice")], **meta),
    "competency.blueprints.frameworks.forms.mapping_form":
        lambda factory, **meta: factory(
            [{"kind": "Competency"}, {"kind": "Domain"}],
            SimpleNamespace(roles={"Competency": "capability"}, slug="wound-care", version="1.0.0",
                            level_source="single", level_name="Registered")),
}


def test_every_form_factory_is_exercised():
    assert set(_form_factories()) == set(FACTORY_CALLS), "add the new form factory to FACTORY_CALLS"


def _builders() -> list[tuple[str, object]]:
    builders = [(f"{cls.__module__.removeprefix('competency.blueprints.')}.{cls.__qualname__}",
                 lambda cls=cls: cls(meta={"csrf": False})) for cls in _form_classes()]
    factories = _form_factories()
    for name, call in FACTORY_CALLS.items():
        builders.append((name.removeprefix("competency.blueprints."),
                         lambda call=call, factory=factories.get(name): _without_csrf(call(factory))))
    return builders


def _without_csrf(form):
    if "csrf_token" in form:
        del form["csrf_token"]
    return form


FORMS = _builders()


def _fill_choices(form) -> None:
    """Choices the view sets from data: two made-up ones, numeric so that ``coerce=int`` reads them."""
    for field in form:
        if isinstance(field, SelectFieldBase) and not field.choices:
            field.choices = [("1", "One"), ("2", "Two")]


def _is_date(field) -> bool:
    return isinstance(field, (DateTimeField, DateInputField, wtforms.MonthField, wtforms.TimeField))


def _longest(field) -> int:
    limits = [v.max for v in field.validators if isinstance(v, library_validators.Length) and v.max >= 0]
    return max(limits, default=5000)


def _date_value(field, day: str, month: str, year: str) -> dict:
    if isinstance(field, DateInputField):
        return {f"{field.name}-day": day, f"{field.name}-month": month, f"{field.name}-year": year}
    return {field.name: f"{year}-{month.zfill(2)}-{day.zfill(2)}"}


def _typed(field, case: str):
    """What a person (or a mischievous one) types into ``field`` in each case."""
    if _is_date(field):
        if case == "words":
            return _date_value(field, "abc", "abc", "abc")
        return _date_value(field, *{"impossible": ("31", "2", "2026"), "long ago": ("1", "6", "1800"),
                                    "far ahead": ("1", "6", "2200")}[case])
    if isinstance(field, wtforms.FileField):
        return {field.name: (io.BytesIO(b"nonsense"), "nonsense.exe")} if case == "words" else {}
    if isinstance(field, (wtforms.IntegerField, wtforms.DecimalField, wtforms.FloatField)):
        return {field.name: {"words": "abc", "impossible": "sNaN", "long ago": "-5", "far ahead": "1e9"}[case]}
    if isinstance(field, wtforms.BooleanField):
        return {field.name: "y"}
    if isinstance(field, SelectFieldBase):
        return {field.name: {"words": "abc", "impossible": "99999999999999999999", "long ago": "-1",
                             "far ahead": "0"}[case]}
    return {field.name: {"words": "abc", "impossible": "x" * (_longest(field) + 1), "long ago": " ",
                         "far ahead": "<script>"}[case]}


CASES = ("words", "impossible", "long ago", "far ahead")


def _submit(app, build, data: dict):
    with app.test_request_context("/", method="POST", data=data):
        form = build()
        _fill_choices(form)
        form.validate()
        return form


def _shown(form) -> list[tuple[str, str]]:
    """(field name, message) for every message the form would show."""
    messages = [(name, message) for name, errors in form.errors.items() if name is not None
                for message in errors if isinstance(message, str)]
    return messages + [("(form)", message) for message in form.form_errors]


@pytest.mark.parametrize(("name", "build"), FORMS, ids=[name for name, _ in FORMS])
def test_no_library_message_is_ever_shown(app, library_messages, name, build):
    """Before: "Not a valid date value.", "Field cannot be longer than 120 characters.", "Not a valid
    choice." and more on many forms; "sNaN" for a decimal crashed the page."""
    with app.test_request_context("/"):
        fields = list(build())
    problems = []
    for case in ("empty", *CASES):
        data = {} if case == "empty" else {k: v for field in fields for k, v in _typed(field, case).items()}
        form = _submit(app, build, data)
        for field_name, message in _shown(form):
            default = _is_library(message, library_messages)
            if default:
                problems.append(f"{case}: {field_name}: {message!r} (the library's {default!r})")
            elif not message.strip():
                problems.append(f"{case}: {field_name}: an empty message")
    assert not problems, "\n".join(problems)


def test_every_date_has_a_plausible_range(app):
    """Before: 1 June 1800 and 1 June 2200 were accepted as panel dates, start dates, expiry dates..."""
    problems, checked = [], 0
    for name, build in FORMS:
        with app.test_request_context("/"):
            dates = [field.name for field in build() if _is_date(field)]
        if not dates:
            continue
        checked += len(dates)
        for case in ("impossible", "long ago", "far ahead"):
            with app.test_request_context("/"):
                data = {k: v for field in build() if field.name in dates for k, v in _typed(field, case).items()}
            form = _submit(app, build, data)
            problems += [f"{name}: {case}: {field} accepted" for field in dates if not form[field].errors]
    assert checked >= 30
    assert not problems, "\n".join(problems)


# Start and end dates, by name: a form holding both must not take an end before its start.
STARTS = ("start_on", "starts_on", "completed_on")
ENDS = ("end_on", "ends_on", "planned_end_on", "expires_on")


def _ranges(build, app) -> list[tuple[str, str]]:
    with app.test_request_context("/"):
        names = {field.name for field in build() if _is_date(field)}
    return [(start, end) for start in STARTS for end in ENDS if start in names and end in names]


def _ranged_forms(app):
    return [(name, build, pair) for name, build in FORMS for pair in _ranges(build, app)]


def test_an_end_date_before_its_start_is_refused_by_the_form(app, library_messages):
    """Before: the forms took any order, and only some services checked it later."""
    pairs = _ranged_forms(app)
    assert len(pairs) >= 7
    problems = []
    for name, build, (start, end) in pairs:
        with app.test_request_context("/"):
            fields = {field.name: field for field in build()}
        data = {**_date_value(fields[start], "10", "6", "2026"), **_date_value(fields[end], "9", "6", "2026")}
        form = _submit(app, build, data)
        messages = form[end].errors
        if not messages:
            problems.append(f"{name}: {end} before {start} accepted")
        elif _is_library(messages[0], library_messages):
            problems.append(f"{name}: {messages[0]!r}")
        same_day = _submit(app, build, {**_date_value(fields[start], "10", "6", "2026"),
                                        **_date_value(fields[end], "10", "6", "2026")})
        if any("start" in message or "after" in message for message in same_day[end].errors):
            problems.append(f"{name}: {end} on the day of {start} refused: {same_day[end].errors}")
    assert not problems, "\n".join(problems)


def test_dates_in_a_library_message_are_left_open():
    """The collection's patterns leave numbers open, so a date in a default message still matches."""
    pattern = _pattern(f"Date must be between {datetime(2001, 1, 1)} and {datetime(2002, 1, 1)}.")
    assert pattern.search("Date must be between 2020-01-01 00:00:00 and 2030-01-01 00:00:00.")


# --- on the pages -----------------------------------------------------------------------------

def _previous_post(**overrides) -> dict:
    return {"employer_name": "Sunrise Care Home", "role_title": "Senior care assistant", "level_code": "senior_support",
            "start_on-day": "2", "start_on-month": "1", "start_on-year": "2023", "fte": "1", **overrides}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"fte": "sNaN"}, "FTE must be a number, like 1 or 0.6"),
    ({"fte": "NaN"}, "FTE must be a number, like 1 or 0.6"),
    ({"start_on-year": "1800"}, "The start date must be on or after 1 January 1950"),
    ({"start_on-day": "31", "start_on-month": "2"}, "The start date must be a real date"),
    ({"end_on-day": "1", "end_on-month": "1", "end_on-year": "2022"}, "The end date must be on or after the start date"),
    ({"level_code": "wizard"}, "Choose the level of practice of the post"),
    ({"employer_name": "x" * 201}, "The employer&#39;s name must be 200 characters or fewer"),
])
def test_a_previous_post_with_nonsense_gets_a_message_not_a_crash(db, login_as, browser, overrides, message):
    """Before: "sNaN" as the FTE answered 500 (Decimal compared with a float), and 1800, "Not a valid choice."
    and "Field cannot be longer than 200 characters." got through or were shown."""
    login_as("practitioner")
    response = browser.submit("/passport/history", _previous_post(**overrides), post_url="/passport/history/previous")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_previous_post_is_declared_with_three_date_boxes(db, login_as, browser):
    from competency.recognition.models import PriorEmployment

    login_as("practitioner")
    form = browser.get("/passport/history").get_data(as_text=True)
    assert all(f'name="start_on-{part}"' in form for part in ("day", "month", "year"))
    response = browser.submit("/passport/history", _previous_post(), post_url="/passport/history/previous")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(PriorEmployment.start_on)) == date(2023, 1, 2)
