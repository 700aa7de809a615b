"""An editor's uploaded file (YAML data file or CASE JSON package), imported as a draft."""
from __future__ import annotations

from dataclasses import dataclass, field

from competency.accounts.models import Organisation, User
from competency.errors import DomainError, PermissionDenied
from competency.extensions import db
from competency.frameworks import queries, services
from competency.frameworks.case import CaseFormatError
from competency.frameworks.case_import import read_case_text
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.loading import load_text
from competency.frameworks.models import FrameworkVersion
from competency.frameworks.policies import can_edit_frameworks
from competency.platform.policies import can_edit_frameworks_of, editable_owner_ids


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


PLATFORM_OWNER = "platform"


def owner_choices(by: User) -> list[tuple[str, str]]:
    """(value, label) for each owner ``by`` may create frameworks for; values as :func:`import_upload` takes."""
    choices = []
    for owner_id in editable_owner_ids(by):
        if owner_id is None:
            choices.append((PLATFORM_OWNER, "The platform (no single organisation)"))
        else:
            organisation = db.session.get(Organisation, owner_id)
            choices.append((str(owner_id), organisation.name))
    return sorted(choices, key=lambda choice: choice[1])


def _owner_for_new(by: User | None, owner: str | None) -> int | None:
    """The owner a framework first created by this upload gets."""
    if by is None:
        return None if owner in (None, PLATFORM_OWNER) else int(owner)
    allowed = {value for value, _ in owner_choices(by)}
    if owner is None and len(allowed) == 1:
        owner = next(iter(allowed))
    if owner not in allowed:
        raise DomainError("Choose which owner the new framework belongs to.", field="owner", rule="owner_required")
    return None if owner == PLATFORM_OWNER else int(owner)


def check_may_change(by: User | None, slugs: set[str], *, reference_lists: bool = False) -> None:
    """Refuse before anything is written when ``by`` may not edit a framework the file would change.

    Reference lists (Care Certificate, PCF ...) are shared by every framework, so they count as
    the platform's own.

    :raises PermissionDenied: naming the framework and who looks after it.
    """
    if by is None:
        return
    for slug in sorted(slugs):
        framework = queries.framework_by_slug(slug)
        if framework is not None and not can_edit_frameworks(by, framework):
            keeper = framework.owner.name if framework.owner is not None else "the platform"
            raise PermissionDenied(f"{framework.title} belongs to {keeper}: only its framework editors can change it. "
                                   "Nothing was changed.", rule="not_framework_editor")
    if reference_lists and not can_edit_frameworks_of(by, None):
        raise PermissionDenied("The file changes shared reference lists (such as the Care Certificate), which only "
                               "editors of the platform's own frameworks can change. Nothing was changed.",
                               rule="not_framework_editor")


def _give_owner(slugs: set[str], owner_id: int | None) -> None:
    for slug in slugs:
        framework = queries.framework_by_slug(slug)
        if framework is not None:
            framework.owner_id = owner_id
    db.session.flush()


def import_upload(filename: str, data: bytes, *, by: User | None, owner: str | None = None) -> UploadOutcome:
    """Validate and import; every version is stored as a draft for review.

    ``owner`` ("platform" or an organisation id) is who a framework the file creates belongs to;
    it may be left out when ``by`` edits for one owner only.

    :raises FrameworkFileInvalid: with one "file:line: problem" per problem.
    :raises VersionImmutable: the file would change a published version.
    :raises PermissionDenied: ``by`` is not an editor of a framework the file changes.
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
        slugs = {package.spec.slug}
        check_may_change(by, slugs)
        new = {slug for slug in slugs if queries.framework_by_slug(slug) is None}
        owner_id = _owner_for_new(by, owner) if new else None
        version, _ = services.import_case_package(package, by=by, source_name=filename, keep_status=False)
        _give_owner(new, owner_id)
        outcome.notes = package.notes
        if version is None:
            outcome.unchanged.append(f"{package.spec.title} {package.spec.version}")
        else:
            outcome.versions.append(version)
        return outcome
    result = load_text(text, filename)
    if not result.ok:
        raise FrameworkFileInvalid([str(issue) for issue in result.issues])
    slugs = {spec.slug for spec in result.specs("framework")} | {spec.framework for spec in result.specs("crosswalk")}
    check_may_change(by, slugs, reference_lists=bool(result.specs("external_framework")))
    new = {slug for slug in slugs if queries.framework_by_slug(slug) is None}
    owner_id = _owner_for_new(by, owner) if new else None
    imported = services.import_loaded(result, by=by)
    _give_owner(new, owner_id)
    outcome.versions, outcome.unchanged, outcome.crosswalks = imported.versions, imported.unchanged, len(imported.crosswalks)
    return outcome
