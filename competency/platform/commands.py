"""``flask platform ...``: platform roles from the command line, where the operator needs no role.

The first platform administrator is made here: ``flask platform grant EMAIL platform_admin``.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from competency.accounts.models import Organisation, User
from competency.accounts.services import find_user_by_email
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks import queries as framework_queries
from competency.platform import services
from competency.platform.models import SCOPED_BY_OWNER, SCOPED_BY_REGION, PlatformGrant, PlatformRole

platform_cli = AppGroup("platform", help="Platform roles: administrators, framework editors, trust-list "
                                         "managers and analysts.")

ROLE = click.Choice([role.value for role in PlatformRole], case_sensitive=False)


def _person(email: str) -> User:
    person = find_user_by_email(email)
    if person is None:
        raise click.ClickException(f"No account with the email address {email}")
    return person


def _organisation(slug: str | None) -> Organisation | None:
    if slug is None:
        return None
    organisation = db.session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if organisation is None:
        raise click.ClickException(f"No organisation with the short name {slug}")
    return organisation


def _scope(role: PlatformRole, owner: str | None, region: str | None) -> tuple[Organisation | None, str | None]:
    if role in SCOPED_BY_REGION and not region:
        raise click.ClickException("An analyst needs --region (an organisation's region, as `flask platform list` "
                                   "shows).")
    if role not in SCOPED_BY_REGION and region:
        raise click.ClickException(f"--region applies to analysts only, not {role.value}.")
    if role not in SCOPED_BY_OWNER and owner:
        raise click.ClickException(f"--owner applies to framework editors only, not {role.value}.")
    return _organisation(owner), region


@platform_cli.command("grant")
@click.argument("email")
@click.argument("role", type=ROLE)
@click.option("--owner", help="framework_editor: the short name of the organisation whose frameworks they edit "
                              "(leave out for the platform's own frameworks).")
@click.option("--region", help="analyst: the region whose figures they read.")
def grant(email, role, owner, region):
    """Give EMAIL a platform role (audited)."""
    role = PlatformRole(role.lower())
    person = _person(email)
    owner_org, region = _scope(role, owner, region)
    try:
        granted = services.grant_role(person, role, by=None, owner=owner_org, region=region)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{person.email} is now {granted.label} ({granted.scope_label}).")


@platform_cli.command("revoke")
@click.argument("email")
@click.argument("role", type=ROLE)
@click.option("--owner", help="framework_editor: the owner organisation's short name (leave out for the platform).")
@click.option("--region", help="analyst: the region.")
def revoke(email, role, owner, region):
    """Take a platform role away from EMAIL (audited)."""
    role = PlatformRole(role.lower())
    person = _person(email)
    owner_org, region = _scope(role, owner, region)
    try:
        grant_ = services.find_grant(person, role, owner=owner_org, region=region)
        label, scope = grant_.label, grant_.scope_label
        services.revoke_grant(grant_, by=None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{person.email} is no longer {label} ({scope}).")


@platform_cli.command("list")
def list_():
    """Every platform grant, then the regions and framework owners there are."""
    grants = db.session.scalars(sa.select(PlatformGrant).join(PlatformGrant.user)
                                .order_by(PlatformGrant.role, User.email)).all()
    if not grants:
        click.echo("No platform roles are granted yet. Start with: flask platform grant EMAIL platform_admin")
    for item in grants:
        click.echo(f"{item.user.email}\t{item.role.value}\t{item.scope_label}")
    click.echo("Regions: " + (", ".join(services.known_regions()) or "none"))
    for framework in framework_queries.list_frameworks():
        owner = framework.owner.slug if framework.owner is not None else "the platform"
        click.echo(f"Framework {framework.slug}: owned by {owner}")


@platform_cli.command("set-owner")
@click.argument("framework_slug")
@click.argument("org_slug", required=False)
def set_owner(framework_slug, org_slug):
    """Make ORG_SLUG's framework editors look after FRAMEWORK_SLUG (no ORG_SLUG: the platform's own)."""
    framework = framework_queries.framework_by_slug(framework_slug)
    if framework is None:
        raise click.ClickException(f"No framework called '{framework_slug}'.")
    owner = _organisation(org_slug)
    services.set_framework_owner(framework, owner, by=None)
    db.session.commit()
    click.echo(f"{framework.title} is now owned by {owner.name if owner else 'the platform'}.")
