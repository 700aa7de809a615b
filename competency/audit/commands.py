"""``flask audit``: verify the chains, anchor their heads, rotate the audit key."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from competency.audit import anchors, keys
from competency.audit.verify import verify as verify_all
from competency.extensions import db

audit_cli = AppGroup("audit", help="Inspect and anchor the audit log.")


@audit_cli.command("verify")
@click.option("--anchors", "anchor_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Check against this anchor file (e.g. a copy kept elsewhere) instead of AUDIT_ANCHOR_FILE.")
def verify(anchor_file: Path | None):
    """Exit 0 when every chain is intact and reaches the latest anchor; otherwise name each problem."""
    report = verify_all(anchor_file=anchor_file)
    db.session.rollback()
    if report.breaks:
        for item in report.breaks:
            click.echo(f"BROKEN {item.chain}: {item.where}: {item.problem}", err=True)
        sys.exit(1)
    click.echo(f"Audit log intact: every chain verifies ({report.chains} chains, {report.events} events).")
    if report.anchor is not None:
        click.echo(f"Every chain reaches the anchor of {report.anchor.anchored_at} "
                   f"({report.anchor_path}, line {report.anchor.line}).")
    else:
        click.echo(f"No anchor yet in {report.anchor_path}: deleting the last events would not show. "
                   "Run `flask audit anchor` (beat does it every hour).")


@audit_cli.command("anchor")
@click.option("--force", is_flag=True, help="Write an anchor even if nothing changed since the last one.")
def anchor(force: bool):
    """Seal chains still hashed without the key, then record every chain's head in the anchor file and log."""
    sealed, refused = anchors.seal_legacy_chains()
    db.session.commit()
    for chain in sealed:
        click.echo(f"Sealed {chain}: its events from before the audit key are now covered by a keyed event.")
    for item in refused:
        click.echo(f"NOT SEALED {item.chain}: {item.where}: {item.problem}", err=True)
    written = anchors.write_anchor(force=force)
    db.session.rollback()
    if written is None:
        click.echo("Nothing new to anchor since the last anchor.")
    else:
        click.echo(f"Anchored {len(written.heads)} chains at {written.anchored_at} "
                   f"({anchors.anchor_path()}, line {written.line}).")
    if refused:
        sys.exit(1)


@audit_cli.command("rotate-key")
def rotate_key():
    """Make a new audit key current (older keys stay: they verify what they sealed)."""
    key_id = keys.rotate_key()
    click.echo(f"New audit key {key_id} in {keys.key_dir()}. Copy it to every host's AUDIT_KEY_DIR and back it up.")
