"""``flask accounts ...``: operator commands for people and tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from competency.accounts import services
from competency.accounts.models import Organisation, OrgKind, Role, Sector
from competency.accounts.passwords import password_problem
from competency.extensions import db

accounts_cli = AppGroup("accounts", help="Manage people, organisations and API tokens.")


@accounts_cli.command("create-admin")
@click.argument("email")
@click.option("--name", required=True, help="The person's display name.")
@click.option("--org-slug", required=True, help="Organisation short name (created if missing).")
@click.option("--org-name", help="Organisation name when it is created.")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), default="nhs_trust")
@click.option("--sector", type=click.Choice([s.value for s in Sector]), default="health")
@click.option("--region", default="Unassigned")
@click.password_option()
def create_admin(email, name, org_slug, org_name, kind, sector, region, password):
    """Create an administrator (and their organisation if it does not exist)."""
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    organisation = db.session.query(Organisation).filter_by(slug=org_slug).one_or_none()
    if organisation is None:
        organisation = Organisation(slug=org_slug, name=org_name or org_slug, kind=OrgKind(kind),
                                    sector=Sector(sector), region=region)
        db.session.add(organisation)
    user = services.find_user_by_email(email) or services.create_user(email, name, password=password)
    services.ensure_membership(user, organisation, Role.admin)
    db.session.commit()
    click.echo(f"{user.email} is an administrator of {organisation.name}.")


@accounts_cli.command("token")
@click.argument("email")
@click.option("--name", default="operator", help="A name to recognise the token by.")
def token(email, name):
    """Print a new personal access token for EMAIL (shown once)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email address {email}")
    _, secret = services.create_api_token(user, name)
    db.session.commit()
    click.echo(secret)
