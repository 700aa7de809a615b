"""Operator commands: ``flask keys generate|rotate ORG`` and ``flask passport issue EMAIL|verify FILE``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from competency.errors import DomainError
from competency.extensions import db
from competency.passport import issuing, keys, queries
from competency.passport.verifying import UnreadableUpload, check_payload, parse_upload

keys_cli = AppGroup("keys", help="Organisations' passport signing keys (files in SIGNING_KEY_DIR).")
passport_cli = AppGroup("passport", help="Issue and verify passport credentials.")


def _organisation(slug: str):
    organisation = queries.organisation_by_slug(slug)
    if organisation is None:
        raise click.ClickException(f"No organisation with the slug {slug!r}.")
    return organisation


def _show_key(organisation, key) -> None:
    click.echo(f"{organisation.name}: {keys.did_for(organisation)}")
    click.echo(f"  current key {key.public_key_multibase}")
    click.echo(f"  private key file {keys.key_path(organisation, key.public_key_multibase)} (mode 0600)")


@keys_cli.command("generate")
@click.argument("org")
def generate(org: str):
    """Give organisation ORG (its slug) its first signing key."""
    organisation = _organisation(org)
    try:
        key = keys.generate_key(organisation)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    _show_key(organisation, key)


@keys_cli.command("rotate")
@click.argument("org")
def rotate(org: str):
    """Make a new key current for ORG; older keys stay published so what they signed keeps verifying."""
    organisation = _organisation(org)
    key = keys.rotate_key(organisation)
    db.session.commit()
    _show_key(organisation, key)
    click.echo(f"  {len(keys.listed_keys(organisation.id))} key(s) listed in the DID document")


@passport_cli.command("issue")
@click.argument("email")
def issue(email: str):
    """Issue every credential owed to the holder with EMAIL (already issued ones are kept as they are)."""
    from competency.accounts.services import find_user_by_email

    holder = find_user_by_email(email)
    if holder is None:
        raise click.ClickException(f"No account with the email address {email}.")
    count = issuing.ensure_issued(holder)
    db.session.commit()
    total = len(queries.holder_credentials(holder.id))
    click.echo(f"Issued {count} new credential(s); {holder.display_name}'s passport holds {total}.")


@passport_cli.command("issue-pending")
@click.option("--limit", default=500, show_default=True)
def issue_pending(limit: int):
    """Issue owed credentials across the installation (what the worker does in the background)."""
    count = issuing.issue_pending(limit=limit)
    db.session.commit()
    click.echo(f"Issued {count} credential(s).")


@passport_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def verify(file: Path, as_json: bool):
    """Verify a credential or passport bundle; exit status 1 unless every credential is valid."""
    try:
        results = check_payload(parse_upload(file.read_bytes()))
    except UnreadableUpload as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    if as_json:
        click.echo(json.dumps([result.to_json() for result in results], indent=2))
    else:
        for result in results:
            click.echo(f"{result.outcome.label.upper():<16} {result.summary.name}")
            click.echo(f"{'':<16} issued by {result.summary.issuer_name or result.result.issuer_id} "
                       f"({result.issuer.label.lower()})")
            if result.outcome.value != "valid":
                for reason in result.result.reasons:
                    click.echo(f"{'':<16} - {reason}")
    if any(result.outcome.value != "valid" for result in results):
        sys.exit(1)
