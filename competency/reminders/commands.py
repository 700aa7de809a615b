"""``flask reminders plan|send|status``: the operator's view of reminders and the outbox."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from competency.db import utcnow
from competency.extensions import db
from competency.reminders import delivery, notices, planning, queries

reminders_cli = AppGroup("reminders", help="Plan and send reminders; inspect the e-mail outbox.")


def _parse_day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD, for example 2026-03-02") from None


@reminders_cli.command("plan")
@click.option("--on", "on", callback=_parse_day, metavar="YYYY-MM-DD",
              help="Plan as if it were this day (default: today in the UK).")
@click.option("--dry-run", is_flag=True, help="Show what would be planned; change nothing.")
def plan_command(on: date | None, dry_run: bool) -> None:
    """Plan the reminders due on a day and make their notifications and e-mails. Safe to repeat."""
    try:
        result = planning.plan(on, dry_run=dry_run)
        handled = 0
        if not dry_run:
            while batch := notices.deliver_planned():
                handled += batch
                db.session.commit()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    verb = "Would plan" if dry_run else "Planned"
    click.echo(f"{verb} {result.total} new reminder(s) for {result.on.isoformat()}.")
    for (kind, stage), count in sorted(result.counts.items()):
        click.echo(f"  {kind:<16} {stage:<12} {count}")
    if not dry_run:
        click.echo(f"Made {handled} notification(s), one per person and kind, each listing its reminders; "
                   "`flask reminders send` sends their e-mails now (the worker also does it every minute).")


@reminders_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most e-mails to try in this run.")
def send_command(limit: int) -> None:
    """Send due outbox e-mails now, in this process (no broker needed)."""
    try:
        while notices.deliver_planned():
            db.session.commit()
        db.session.commit()
        sent = delivery.send_due(limit=limit)
    except Exception:
        db.session.rollback()
        raise
    status = queries.outbox_status()
    click.echo(f"Sent {sent} e-mail(s). Still queued: {status.queued}; failed: {status.failed}.")


@reminders_cli.command("status")
def status_command() -> None:
    """Counts of the outbox by state, the oldest queued e-mail's age and reminders waiting."""
    status = queries.outbox_status()
    click.echo(f"queued   {status.queued}")
    click.echo(f"sending  {status.sending}")
    click.echo(f"sent     {status.sent}")
    click.echo(f"failed   {status.failed}")
    if status.oldest_queued_at is None:
        click.echo("oldest queued: none")
    else:
        age = utcnow() - status.oldest_queued_at
        minutes = int(age.total_seconds() // 60)
        click.echo(f"oldest queued: {minutes} minute(s) old ({status.oldest_queued_at:%Y-%m-%d %H:%M} UTC)")
    click.echo(f"reminders planned, not yet delivered: {status.planned_waiting}")
    click.echo(f"reminders waiting for a weekly digest: {status.in_digest}")
    if status.last_error:
        click.echo(f"last error: {status.last_error}")
