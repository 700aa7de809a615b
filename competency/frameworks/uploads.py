"""An editor's uploaded file (YAML data file or CASE JSON package), imported as a draft."""
from __future__ import annotations

from dataclasses import dataclass, field

from competency.accounts.models import User
from competency.frameworks import queries, services
from competency.frameworks.case import CaseFormatError
from competency.frameworks.case_import import read_case_text
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.loading import load_text
from competency.frameworks.models import FrameworkVersion


@dataclass
class UploadOutcome:
    versions: list[FrameworkVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    crosswalks: int = 0
    notes: list[str] = field(default_factory=list)
    # Set when the package was not in this platform's shape and was kept as a reference framework.
    reference: object | None = None


def looks_like_json(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".json") or data.lstrip()[:1] == b"{"


def import_upload(filename: str, data: bytes, *, by: User | None) -> UploadOutcome:
    """Validate and import; every version is stored as a draft for review.

    :raises FrameworkFileInvalid: with one "file:line: problem" per problem.
    :raises VersionImmutable: the file would change a published version.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameworkFileInvalid([f"{filename}: the file is not UTF-8 text"]) from None
    outcome = UploadOutcome()
    if looks_like_json(filename, data):
        from competency.frameworks import case_reference
        from competency.frameworks.case_import import is_platform_shape, loads

        try:
            parsed = loads(text, filename)
            if not is_platform_shape(parsed):
                outcome.reference, outcome.notes = case_reference.store_package(parsed, source=filename, by=by)
                return outcome
            package = read_case_text(text, filename, queries.external_specs(), queries.external_item_ids())
        except CaseFormatError as exc:
            raise FrameworkFileInvalid(exc.problems) from None
        version, _ = services.import_case_package(package, by=by, source_name=filename, keep_status=False)
        outcome.notes = package.notes
        if version is None:
            outcome.unchanged.append(f"{package.spec.title} {package.spec.version}")
        else:
            outcome.versions.append(version)
        return outcome
    result = load_text(text, filename)
    if not result.ok:
        raise FrameworkFileInvalid([str(issue) for issue in result.issues])
    imported = services.import_loaded(result, by=by)
    outcome.versions, outcome.unchanged, outcome.crosswalks = imported.versions, imported.unchanged, len(imported.crosswalks)
    return outcome
