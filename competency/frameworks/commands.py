"""``flask frameworks ...``: validate, import, publish, retire and export framework data."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks import exports, queries, services
from competency.frameworks.case import CaseFormatError
from competency.frameworks.case_import import read_case_text
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.loading import load_path
from competency.frameworks.models import FrameworkVersion

frameworks_cli = AppGroup("frameworks", help="Capability frameworks: validate, import, publish and export.")


def _fail(lines: list[str], summary: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(summary, err=True)
    sys.exit(1)


def _version(slug: str, number: str | None) -> FrameworkVersion:
    framework = queries.framework_by_slug(slug)
    if framework is None:
        raise click.ClickException(f"No framework called '{slug}'. Run `flask frameworks list` to see them.")
    if number is None:
        version = queries.current_version(framework) or (framework.versions[-1] if framework.versions else None)
        if version is None:
            raise click.ClickException(f"'{slug}' has no versions yet.")
        return version
    version = queries.version_by_number(framework, number)
    if version is None:
        known = ", ".join(v.version for v in framework.versions) or "none"
        raise click.ClickException(f"'{slug}' has no version {number} (versions: {known}).")
    return version


@frameworks_cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path):
    """Check YAML data files (a file or a folder) or a CASE JSON package; exit 1 on any problem."""
    if path.suffix == ".json":
        try:
            package = read_case_text(path.read_text(encoding="utf-8"), str(path), queries.external_specs() or _shipped_externals())
        except (CaseFormatError, OSError) as exc:
            _fail(getattr(exc, "problems", [str(exc)]), f"{path}: not valid.")
        click.echo(f"{path}: valid CASE package ({len(package.spec.capabilities)} capabilities).")
        return
    result = load_path(path)
    if not result.ok:
        _fail([str(issue) for issue in result.issues],
              f"{len(result.issues)} problem(s) in {len(result.files)} file(s); nothing would be imported.")
    for doc in result.documents:
        extra = f", {len(doc.spec.capabilities)} capabilities" if doc.kind == "framework" else ""
        click.echo(f"ok  {doc.source}:{doc.line}  {doc.kind} {doc.spec.slug}{extra}")
    click.echo(f"{len(result.files)} file(s), {len(result.documents)} document(s): all valid.")


def _shipped_externals():
    from competency.frameworks.loading import SHIPPED_DATA

    return {spec.slug: spec for spec in load_path(SHIPPED_DATA).specs("external_framework")}


@frameworks_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_(path: Path):
    """Import YAML data files as draft versions, all or nothing."""
    result = load_path(path)
    if not result.ok:
        _fail([str(issue) for issue in result.issues], "Nothing was imported.")
    total = sum(len(spec.capabilities) for spec in result.specs("framework"))
    try:
        with click.progressbar(length=total, label="Importing capabilities", file=sys.stderr) as bar:
            outcome = services.import_loaded(result, by=None, progress=bar.update)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(getattr(exc, "problems", []), exc.message)
    for version in outcome.versions:
        click.echo(f"Imported {version.framework.slug} {version.version} as a draft "
                   f"({len(version.capabilities)} capabilities). Publish it with: "
                   f"flask frameworks publish {version.framework.slug} {version.version}")
    for name in outcome.unchanged:
        click.echo(f"{name} is already published with the same content: unchanged.")
    for crosswalk in outcome.crosswalks:
        click.echo(f"Imported crosswalk {crosswalk.slug}.")
    click.echo(f"Reference frameworks updated: {outcome.external_frameworks}.")


@frameworks_cli.command("import-case")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Import as a draft even if the package says it is adopted.")
@click.option("--as-reference", is_flag=True,
              help="Keep the package as a reference framework (exactly as it came) that capabilities can be aligned to.")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON mapping (roles per item type, where levels come from, slug, version) that turns the "
                   "package into a draft of pillars, levels and capabilities.")
def import_case(file: Path, draft: bool, as_reference: bool, mapping_file: Path | None):
    """Import a CASE 1.1 CFPackage (JSON).

    A package in this platform's own shape becomes a framework version (an Adopted one
    is recorded as published). Any other package is kept as a reference framework and
    the proposed mapping is printed; run again with --mapping to create a draft.
    """
    from competency.frameworks import case_mapping, case_reference
    from competency.frameworks.case_import import is_platform_shape, loads

    try:
        data = loads(file.read_text(encoding="utf-8"), str(file))
        if not as_reference and mapping_file is None and is_platform_shape(data):
            package = read_case_text(file.read_text(encoding="utf-8"), str(file), queries.external_specs(),
                                     queries.external_item_ids())
            with click.progressbar(length=1, label="Importing package", file=sys.stderr) as bar:
                version, _ = services.import_case_package(package, by=None, source_name=str(file), keep_status=not draft)
                bar.update(1)
            db.session.commit()
            for note in package.notes:
                click.echo(f"note: {note}", err=True)
            if version is None:
                click.echo(f"{package.spec.slug} {package.spec.version} is already recorded with the same content: unchanged.")
            else:
                click.echo(f"Imported {package.spec.slug} {version.version} ({version.status.value}, {len(version.capabilities)} capabilities).")
            return
        document, notes = case_reference.store_package(data, source=str(file), by=None)
        proposal = case_mapping.propose(document)
        version = None
        if mapping_file is not None:
            try:
                mapping_data = json.loads(mapping_file.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise FrameworkFileInvalid([f"{mapping_file}:{exc.lineno}: not valid JSON ({exc.msg})"]) from None
            version = case_mapping.create_draft(document, case_mapping.Mapping.from_json(mapping_data, proposal), by=None)
        db.session.commit()
    except CaseFormatError as exc:
        db.session.rollback()
        _fail(exc.problems, "Nothing was imported.")
    except DomainError as exc:
        db.session.rollback()
        _fail(getattr(exc, "problems", []), exc.message)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"Kept {document.title} as a reference framework ({len(document.of('CFItems'))} items, "
               f"{len(document.of('CFAssociations'))} associations); capabilities can be aligned to its items.")
    if version is not None:
        click.echo(f"Created the draft {version.framework.slug} {version.version} ({len(version.capabilities)} capabilities). "
                   f"Publish it with: flask frameworks publish {version.framework.slug} {version.version}")
    else:
        click.echo("To make it a framework of pillars, levels and capabilities, save this mapping, change it as needed "
                   "and run again with --mapping FILE:")
        click.echo(json.dumps(proposal.as_json(), indent=2))


@frameworks_cli.command("export-case")
@click.argument("identifier")
@click.option("--source-uris", is_flag=True, help="Keep every uri as the source wrote it (default: this installation's).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of standard output.")
def export_case(identifier: str, source_uris: bool, output: Path | None):
    """Export a reference framework (by CFDocument identifier) as a CASE package."""
    from competency.frameworks import case_reference
    from competency.frameworks.case import dumps

    document = case_reference.document_by_identifier(identifier)
    if document is None:
        raise click.ClickException(f"No reference framework has the identifier {identifier}.")
    text = dumps(case_reference.export_reference(document, base_url=current_app.config["BASE_URL"],
                                                 uris="source" if source_uris else "local"))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


@frameworks_cli.command("import-moodle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_moodle(file: Path):
    """Import a competency framework CSV exported by Moodle's "Export competency framework" tool, as a draft."""
    from competency.frameworks.moodle_import import import_moodle_csv

    try:
        version, notes = import_moodle_csv(file.read_bytes(), source=str(file), by=None)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(getattr(exc, "problems", []), exc.message)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"Imported {version.framework.slug} {version.version} as a draft ({len(version.capabilities)} capabilities).")


def _change_status(slug: str, number: str, change, done: str) -> None:
    """Apply a status change service to a version, committing or explaining the refusal."""
    target = _version(slug, number)
    try:
        change(target, by=None)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"{done} {slug} {number}.")


@frameworks_cli.command("publish")
@click.argument("slug")
@click.argument("version")
def publish(slug: str, version: str):
    """Publish a draft version; it can never be changed afterwards."""
    from competency.signoff.version_changes import publish_and_tell  # tells people whose sign-offs stop counting

    _change_status(slug, version, publish_and_tell, "Published")


@frameworks_cli.command("retire")
@click.argument("slug")
@click.argument("version")
def retire(slug: str, version: str):
    """Retire a published version (sign-offs made against it stay valid)."""
    from competency.signoff.version_changes import retire_and_tell  # tells people with requests waiting on it

    _change_status(slug, version, retire_and_tell, "Retired")


@frameworks_cli.command("export")
@click.argument("slug")
@click.option("--version", "number", help="Version number (default: the current published version).")
@click.option("--format", "fmt", type=click.Choice(list(exports.FORMATS)), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of standard output.")
def export(slug: str, number: str | None, fmt: str, output: Path | None):
    """Export a version as CASE JSON, Moodle competency CSV or YAML."""
    version = _version(slug, number)
    text = exports.render(version, fmt, base_url=current_app.config["BASE_URL"])
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


@frameworks_cli.command("list")
def list_():
    """List frameworks and their versions."""
    for framework in queries.list_frameworks():
        click.echo(f"{framework.slug}  {framework.title}")
        for version in framework.versions:
            click.echo(f"  {version.version:<10} {version.status.value:<10} {len(version.capabilities)} capabilities")
