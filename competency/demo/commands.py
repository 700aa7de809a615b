"""``flask demo seed``: realistic demo data, safe to run again."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from competency.demo.context import DemoContext
from competency.demo.steps import run_steps
from competency.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the platform.")


def run_seed() -> DemoContext:
    """Run every step in one transaction. Refuses under the production configuration."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Refusing to seed demo data under the production configuration.")
    ctx = DemoContext(password=current_app.config.get("DEMO_PASSWORD") or "correct-horse-battery")
    try:
        run_steps(ctx)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ctx


@demo_cli.command("seed")
def seed():
    """Create (or top up) the demo organisations, people and records."""
    ctx = run_seed()
    click.echo("Demo data ready. Sign in with any of these (password: the DEMO_PASSWORD setting, "
               "default correct-horse-battery):")
    for email, description in ctx.accounts:
        click.echo(f"  {email:<24} {description}")
    for note in ctx.notes:
        click.echo(note)
