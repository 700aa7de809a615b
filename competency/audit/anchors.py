"""Anchors: the heads of every chain, written outside the database at intervals.

A keyed chain shows any edited or re-hashed event, but not the deletion of its
last events: what is left is still a valid chain.  An anchor records each
chain's last place and hash; ``flask audit verify`` then checks that every
chain still reaches its anchored place with the anchored hash.

An anchor is one JSON line appended to ``AUDIT_ANCHOR_FILE`` (default
``instance/audit-anchors.jsonl``) and the same line written to the log (logger
``competency.audit``, INFO), so a log archive holds a second copy.  Each line
carries an HMAC under the audit key, so an edited or forged line is reported.
Beat writes one every ``AUDIT_ANCHOR_INTERVAL_SECONDS`` when anything changed
(``worker.tasks.anchor_audit_chains``); ``flask audit anchor`` writes one now.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from competency.audit import keys
from competency.audit.models import AuditEvent
from competency.db import utcnow
from competency.extensions import db

log = logging.getLogger("competency.audit")
ANCHOR_DOMAIN = b"competency-audit-anchor-v1\n"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Anchor:
    line: int
    anchored_at: str
    key_id: str
    heads: dict[str, Head]


@dataclass
class AnchorFile:
    path: Path
    anchors: list[Anchor] = field(default_factory=list)
    # (line number, what is wrong with it): lines that do not verify count as tampering.
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def latest(self) -> Anchor | None:
        return self.anchors[-1] if self.anchors else None


def anchor_path() -> Path:
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-anchors.jsonl"


def _mac(body: dict, secret: bytes) -> str:
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret, ANCHOR_DOMAIN + encoded, hashlib.sha256).hexdigest()


def _parse(number: int, text: str) -> Anchor:
    """One anchor line, checked against its audit key.

    :raises ValueError: with what is wrong, for the verifier to report.
    """
    try:
        body = json.loads(text)
        mac, key_id = body.pop("mac"), body["key_id"]
        heads = {chain: Head(int(place[0]), str(place[1])) for chain, place in body["heads"].items()}
        anchored_at = str(body["anchored_at"])
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise ValueError(f"anchor line {number} is not an anchor: the anchor file was edited") from None
    try:
        secret = keys.load_key(key_id)
    except keys.AuditKeyError as error:
        raise ValueError(f"anchor line {number} cannot be checked: {error}") from None
    if not isinstance(mac, str) or not hmac.compare_digest(_mac(body, secret), mac):
        raise ValueError(f"anchor line {number} ({anchored_at}) does not match its HMAC: "
                         "the anchor file was edited")
    return Anchor(number, anchored_at, key_id, heads)


def read_anchors(path: Path | None = None) -> AnchorFile:
    path = path or anchor_path()
    result = AnchorFile(path)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return result
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            result.anchors.append(_parse(number, text))
        except ValueError as error:
            result.problems.append((number, str(error)))
    return result


def current_heads() -> dict[str, Head]:
    """Each chain's last committed place and hash."""
    last = (sa.select(AuditEvent.chain, sa.func.max(AuditEvent.seq).label("seq"))
            .where(AuditEvent.seq.is_not(None)).group_by(AuditEvent.chain).subquery())
    rows = db.session.execute(
        sa.select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash)
        .join(last, sa.and_(AuditEvent.chain == last.c.chain, AuditEvent.seq == last.c.seq))).all()
    return {row.chain: Head(row.seq, row.hash) for row in rows}


def _has_keyed_events() -> bool:
    return db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.key_id.is_not(None)).limit(1)) is not None


def write_anchor(*, force: bool = False, path: Path | None = None) -> Anchor | None:
    """Append the current heads to the anchor file and the log; None when nothing changed since the last."""
    path = path or anchor_path()
    heads = current_heads()
    if not heads:
        return None
    previous = read_anchors(path).latest
    if not force and previous is not None and previous.heads == heads:
        return None
    key_id, secret = keys.current_key(database_has_keyed_events=_has_keyed_events)
    body = {"v": 1, "anchored_at": utcnow().isoformat(timespec="seconds"), "key_id": key_id,
            "heads": {chain: [head.seq, head.hash] for chain, head in sorted(heads.items())}}
    line = json.dumps({**body, "mac": _mac(body, secret)}, sort_keys=True, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(descriptor, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two anchoring processes never interleave a line
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        fcntl.flock(handle, fcntl.LOCK_UN)
    log.info("audit anchor %s", line)
    with path.open() as handle:
        number = sum(1 for _ in handle)
    return Anchor(number, body["anchored_at"], key_id, heads)


def seal_legacy_chains() -> tuple[list[str], list]:
    """Seal each chain whose last event predates the audit key with a keyed ``audit.legacy_sealed`` event.

    The keyed event's HMAC covers the link to the last unkeyed event, and so the
    whole unkeyed prefix: from now on it cannot be re-hashed unnoticed.  It
    vouches only for the prefix as it is now, so a chain that does not verify is
    refused (returned with its break) and left for an operator.  Returns the
    sealed chains and the refused breaks; the caller commits.
    """
    from competency.audit.sealing import organisation_of
    from competency.audit.services import record_event
    from competency.audit.verify import verify_chain

    sealed, refused = [], []
    for chain, head in sorted(current_heads().items()):
        key_id = db.session.scalar(sa.select(AuditEvent.key_id).where(AuditEvent.chain == chain,
                                                                      AuditEvent.seq == head.seq))
        if key_id is not None:
            continue
        problem = verify_chain(chain, allow_unsealed_legacy=True)
        if problem is not None:
            refused.append(problem)
            log.error("audit chain %s not sealed: event #%s: %s", chain, problem.seq, problem.problem)
            continue
        record_event("audit.legacy_sealed", actor=None, organisation=organisation_of(chain),
                     data={"legacy_events": head.seq, "legacy_head": head.hash})
        sealed.append(chain)
    return sealed, refused
