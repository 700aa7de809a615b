"""``flask programmes ...``: validate, import and list programme templates."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks.loading import load_path
from competency.preceptorship import catalogue

programmes_cli = AppGroup("programmes", help="Preceptorship programme templates: validate, import, list.")


@programmes_cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=catalogue.SHIPPED_TEMPLATES)
def validate(path: Path):
    """Check programme template YAML (a file or folder); exit 1 on any problem."""
    result = load_path(path)
    if not result.ok:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        sys.exit(1)
    click.echo(f"{path}: {len(result.specs('programme_template'))} programme template(s), all valid.")


@programmes_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path), default=catalogue.SHIPPED_TEMPLATES)
@click.option("--draft", is_flag=True, help="Import as drafts instead of publishing.")
def import_(path: Path, draft: bool):
    """Import (and publish) programme templates; published versions never change."""
    result = load_path(path)
    if not result.ok:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    try:
        versions = catalogue.import_loaded(result, by=None, publish=not draft)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    for version in versions:
        click.echo(f"{version.template.slug} {version.version}: {version.status.value}")


@programmes_cli.command("list")
def list_():
    """The newest published version of every template."""
    for version in catalogue.published_versions():
        click.echo(f"{version.template.slug}@{version.version}  {version.title}")
