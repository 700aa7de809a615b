"""``flask bench seed --practitioners N``: a synthetic integrated care system for benchmarks."""
from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from competency.bench.generator import EMAIL_DOMAIN, Plan, generate, issue_sample_credential
from competency.extensions import db

bench_cli = AppGroup("bench", help="Benchmark datasets (never in production).")


@bench_cli.command("seed")
@click.option("--practitioners", type=int, required=True, help="How many practitioners (50000 for ICS scale).")
@click.option("--organisations", type=int, default=0, help="Default: one per 800 practitioners, 3 to 60.")
@click.option("--evidence-per-person", type=int, default=50, show_default=True)
@click.option("--signoffs-per-person", type=int, default=20, show_default=True)
@click.option("--create-schema/--no-create-schema", default=True, show_default=True,
              help="Create missing tables first (a fresh benchmark database has none).")
def seed(practitioners: int, organisations: int, evidence_per_person: int, signoffs_per_person: int,
         create_schema: bool):
    """Bulk-insert a dataset: COPY on PostgreSQL, batched inserts elsewhere. Prints what it wrote."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Refusing to write benchmark data under the production configuration.")
    if create_schema:
        db.create_all()
    plan = Plan(practitioners=practitioners, organisations=organisations, evidence_per_person=evidence_per_person,
                signoffs_per_person=signoffs_per_person)
    started = time.monotonic()
    click.echo(f"Seeding {plan.practitioners} practitioners in {plan.organisations} organisations "
               f"({db.engine.dialect.name}) ...")
    with click.progressbar(length=plan.practitioners, label="Practitioners", show_pos=True,
                           show_eta=True) as bar:
        summary = generate(plan, progress=bar.update)
    db.session.commit()
    public_id = issue_sample_credential()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Statistics for the planner, and the visibility map that lets index-only scans skip the heap.
            connection.execute(sa.text("VACUUM ANALYZE"))
    elapsed = time.monotonic() - started
    if public_id:
        click.echo(f"A signed credential to verify: /verify/c/{public_id}")
    for name, count in summary.rows.items():
        click.echo(f"  {name:<26} {count:>10,}")
    click.echo(f"Done in {elapsed:.0f} s. Sign in as lead@, preceptor@, practitioner@ "
               f"or analyst@{EMAIL_DOMAIN} with password {plan.password}.")
