"""``flask audit verify``: check the hash chains."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from competency.audit.services import verify_chains

audit_cli = AppGroup("audit", help="Inspect the audit log.")


@audit_cli.command("verify")
def verify():
    """Exit 0 when every chain is intact; otherwise name the first broken event of each chain."""
    breaks = verify_chains()
    if not breaks:
        click.echo("Audit log intact: every chain verifies.")
        return
    for item in breaks:
        click.echo(f"BROKEN {item.chain}: event #{item.seq} (id {item.event_id}): {item.problem}", err=True)
    sys.exit(1)
