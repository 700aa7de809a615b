"""Load and validate data files of any registered ``kind``.

Every YAML document carries a top-level ``kind:``. Each kind registers a *parse*
function (check one document, return a typed spec) and optionally a *link* function
(check references between documents, e.g. a crosswalk naming a framework's levels).
Other packages add their own kinds without touching this module: put the
``register_kind(...)`` calls in ``competency/<package>/datafiles.py``;
:func:`discover_kinds` imports every such module.

Nothing here touches the database: the result is a list of specs plus a list of
:class:`Issue` (file, line, message). A caller imports only when there are no issues.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from competency.frameworks.yamlsource import LineDict, LineList, YamlSyntaxError, parse_yaml_file, parse_yaml_text

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, order=True)
class Issue:
    """One thing wrong with a data file, said so a person can find and fix it."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}" if self.line else f"{self.source}: {self.message}"


class Report:
    """Collects issues while one or more documents are checked."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def error(self, source: str, line: int | None, message: str) -> None:
        self.issues.append(Issue(source, line, message))

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class LoadedDocument:
    kind: str
    source: str
    line: int
    spec: Any


ParseFn = Callable[["DocumentReader", Report], Any]
LinkFn = Callable[[LoadedDocument, "LoadContext", Report], None]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    parse: ParseFn
    link: LinkFn | None = None
    # Lower numbers are linked first (reference data before the things referring to it).
    order: int = 100
    description: str = ""


_KINDS: dict[str, KindSpec] = {}


def register_kind(
    kind: str, parse: ParseFn, *, link: LinkFn | None = None, order: int = 100, description: str = ""
) -> None:
    """Register (or replace, on module reload) the validator for documents of ``kind``."""
    _KINDS[kind] = KindSpec(kind=kind, parse=parse, link=link, order=order, description=description)


def registered_kinds() -> dict[str, KindSpec]:
    discover_kinds()
    return dict(_KINDS)


_discovered = False


def discover_kinds() -> None:
    """Import ``competency.<package>.datafiles`` for every package that has one."""
    global _discovered
    if _discovered:
        return
    import competency

    for module in pkgutil.iter_modules(competency.__path__):
        if not module.ispkg:
            continue
        name = f"competency.{module.name}.datafiles"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    _discovered = True


class LoadContext:
    """All documents loaded together, plus reference documents for cross-checks."""

    def __init__(self, documents: list[LoadedDocument], reference: Iterable[LoadedDocument] = ()) -> None:
        self.documents = documents
        self.reference = list(reference)

    def find(self, kind: str, slug: str) -> LoadedDocument | None:
        for doc in [*self.documents, *self.reference]:
            if doc.kind == kind and getattr(doc.spec, "slug", None) == slug:
                return doc
        return None

    def of_kind(self, kind: str) -> list[LoadedDocument]:
        return [doc for doc in self.documents if doc.kind == kind]


@dataclass
class LoadResult:
    documents: list[LoadedDocument] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def specs(self, kind: str) -> list[Any]:
        return [doc.spec for doc in self.documents if doc.kind == kind]


class DocumentReader:
    """Typed, line-aware access to one mapping; every problem becomes an :class:`Issue`."""

    def __init__(self, report: Report, source: str, data: LineDict, where: str = "") -> None:
        self.report = report
        self.source = source
        self.data = data
        self.where = where

    @property
    def line(self) -> int:
        return getattr(self.data, "line", 1)

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) if isinstance(self.data, LineDict) else self.line

    def _prefix(self) -> str:
        return f"{self.where}: " if self.where else ""

    def error(self, message: str, key: str | None = None, line: int | None = None) -> None:
        at = line if line is not None else (self.line_of(key) if key else self.line)
        self.report.error(self.source, at, self._prefix() + message)

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.error(f"unknown field '{key}' (expected one of: {hint})", key=key)

    def string(self, key: str, *, required: bool = True, default: str | None = None) -> str | None:
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(f"missing required field '{key}'")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(f"'{key}' must be text", key=key)
            return default
        if not isinstance(value, str):
            self.error(f"'{key}' must be quoted text (YAML read {value!r} as a number)", key=key)
            return default
        value = value.strip()
        if required and not value:
            self.error(f"'{key}' must not be empty", key=key)
            return default
        return value

    def integer(self, key: str, *, required: bool = True, default: int | None = None, minimum: int | None = None) -> int | None:
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(f"missing required field '{key}'")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"'{key}' must be a whole number", key=key)
            return default
        if minimum is not None and value < minimum:
            self.error(f"'{key}' must be at least {minimum}", key=key)
            return default
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        if key not in self.data or self.data[key] is None:
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.error(f"'{key}' must be true or false", key=key)
            return default
        return value

    def mapping_list(self, key: str, *, required: bool = True) -> list["DocumentReader"]:
        """A list of mappings, each wrapped in a reader that reports its own lines."""
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(f"missing required field '{key}' (a list)")
            return []
        value = self.data[key]
        if not isinstance(value, LineList):
            self.error(f"'{key}' must be a list", key=key)
            return []
        readers = []
        for index, item in enumerate(value):
            if not isinstance(item, LineDict):
                self.report.error(self.source, value.line_of(index), f"{self._prefix()}each entry of '{key}' must be a mapping of fields")
                continue
            readers.append(DocumentReader(self.report, self.source, item))
        return readers

    def string_list(self, key: str, *, required: bool = False) -> list[tuple[str, int]]:
        """A list of text values with the line of each (a single value is accepted too)."""
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(f"missing required field '{key}'")
            return []
        value = self.data[key]
        if isinstance(value, str):
            return [(value.strip(), self.line_of(key))]
        if not isinstance(value, LineList):
            self.error(f"'{key}' must be a list of text values", key=key)
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                self.report.error(self.source, value.line_of(index), f"{self._prefix()}'{key}' entries must be text")
                continue
            out.append((str(item).strip(), value.line_of(index)))
        return out

    def sub(self, key: str, *, required: bool = False) -> "DocumentReader | None":
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(f"missing required field '{key}'")
            return None
        value = self.data[key]
        if not isinstance(value, LineDict):
            self.error(f"'{key}' must be a mapping", key=key)
            return None
        return DocumentReader(self.report, self.source, value, self.where)


def _check_documents(raw_docs, report: Report) -> list[LoadedDocument]:
    kinds = registered_kinds()
    loaded: list[LoadedDocument] = []
    for raw in raw_docs:
        if raw.data is None:
            continue  # an empty document (e.g. a trailing '---')
        if not isinstance(raw.data, LineDict):
            report.error(raw.source, raw.line, "a data file must be a mapping starting with 'kind:'")
            continue
        kind = raw.data.get("kind")
        if kind is None:
            report.error(raw.source, raw.data.line, f"missing 'kind:' (one of: {', '.join(sorted(kinds))})")
            continue
        spec_kind = kinds.get(kind) if isinstance(kind, str) else None
        if spec_kind is None:
            report.error(raw.source, raw.data.line_of("kind"), f"unknown kind '{kind}' (one of: {', '.join(sorted(kinds))})")
            continue
        before = len(report.issues)
        spec = spec_kind.parse(DocumentReader(report, raw.source, raw.data), report)
        if spec is not None and len(report.issues) == before:
            loaded.append(LoadedDocument(kind=kind, source=raw.source, line=raw.data.line, spec=spec))
    return loaded


def _link(loaded: list[LoadedDocument], reference: list[LoadedDocument], report: Report) -> None:
    kinds = registered_kinds()
    context = LoadContext(loaded, reference)
    for doc in sorted(loaded, key=lambda d: (kinds[d.kind].order, d.source, d.line)):
        link = kinds[doc.kind].link
        if link is not None:
            link(doc, context, report)


def yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    return [path]


def load_path(path: str | Path, *, reference: Iterable[LoadedDocument] | None = None) -> LoadResult:
    """Validate every YAML file under ``path`` (a file or a directory).

    ``reference`` documents (default: the shipped reference data, such as external
    frameworks) satisfy cross-references without being part of the result.
    """
    path = Path(path)
    result = LoadResult()
    report = Report()
    if not path.exists():
        report.error(str(path), None, "no such file or directory")
        result.issues = report.issues
        return result
    raw_docs = []
    for file in yaml_files(path):
        display = str(file)
        result.files.append(display)
        try:
            raw_docs.extend(parse_yaml_file(file, display))
        except YamlSyntaxError as exc:
            report.error(exc.source, exc.line, exc.message)
    loaded = _check_documents(raw_docs, report)
    if reference is None:
        reference = shipped_reference(exclude=[Path(f).resolve() for f in result.files])
    _link(loaded, list(reference), report)
    result.documents = loaded if report.ok else []
    result.issues = sorted(set(report.issues), key=lambda i: (i.source, i.line or 0, i.message))
    return result


def load_text(text: str, source: str, *, reference: Iterable[LoadedDocument] | None = None) -> LoadResult:
    """Validate YAML given as text (an uploaded file); ``source`` names it in messages."""
    result = LoadResult(files=[source])
    report = Report()
    try:
        raw_docs = parse_yaml_text(text, source)
    except YamlSyntaxError as exc:
        report.error(exc.source, exc.line, exc.message)
        raw_docs = []
    loaded = _check_documents(raw_docs, report)
    if reference is None:
        reference = shipped_reference()
    _link(loaded, list(reference), report)
    result.documents = loaded if report.ok else []
    result.issues = sorted(set(report.issues), key=lambda i: (i.source, i.line or 0, i.message))
    return result


SHIPPED_DATA = Path(__file__).parent / "data"
# Later published versions of shipped frameworks, one file each (never edits of the data above).
SHIPPED_UPDATES = Path(__file__).parent / "updates"


def shipped_reference(exclude: Iterable[Path] = ()) -> list[LoadedDocument]:
    """Documents of the shipped data folder, used to resolve references from other files."""
    excluded = set(exclude)
    report = Report()
    raw_docs = []
    for file in yaml_files(SHIPPED_DATA):
        if file.resolve() in excluded:
            continue
        try:
            raw_docs.extend(parse_yaml_file(file))
        except YamlSyntaxError:
            continue
    return _check_documents(raw_docs, report)
