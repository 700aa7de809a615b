"""Checking the chains: links, keyed hashes, and the latest anchor.

What a clean result proves, and what it does not, is set out in the README
("Audit chain" under Design notes).  In short: no event up to the latest
anchor was edited, re-hashed, inserted or deleted, and no later event was
edited or re-hashed without the audit key; events appended and then deleted
after the latest anchor leave no trace, and a holder of the key can rewrite
anything.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from competency.audit import keys
from competency.audit.anchors import Anchor, Head, read_anchors
from competency.audit.models import AuditEvent
from competency.audit.sealing import GENESIS, PENDING, keyed_digest, legacy_digest
from competency.extensions import db


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int | None
    event_id: int | None
    problem: str

    @property
    def where(self) -> str:
        if self.chain == "anchors":
            return "anchor file"
        if self.seq is None:
            return f"event id {self.event_id}" if self.event_id is not None else "chain"
        return f"event #{self.seq} (id {self.event_id})"


@dataclass
class Report:
    breaks: list[ChainBreak] = field(default_factory=list)
    chains: int = 0
    events: int = 0
    anchor: Anchor | None = None
    anchor_path: Path | None = None


def _event_problem(event: AuditEvent, keyed_seen: bool) -> str | None:
    if event.key_id is None:
        if keyed_seen:
            return ("it is hashed with plain SHA-256 after keyed events: the chain was re-hashed without "
                    "the audit key")
        if legacy_digest(event) != event.hash:
            return "its contents were changed after it was written"
        return None
    try:
        secret = keys.load_key(event.key_id)
    except keys.AuditKeyError as error:
        return f"it cannot be checked: {error}"
    if not hmac.compare_digest(keyed_digest(event, secret), event.hash or ""):
        return (f"its contents were changed after it was written: its HMAC does not match audit key "
                f"{event.key_id}, so it was edited or re-hashed without the key")
    return None


def verify_chain(chain: str, *, anchor: Anchor | None = None, batch_size: int = 5000,
                 allow_unsealed_legacy: bool = False, counter: list | None = None) -> ChainBreak | None:
    """The first break in one chain, or None.

    ``allow_unsealed_legacy`` accepts a chain of unkeyed events only (for sealing it).
    """
    anchored: Head | None = anchor.heads.get(chain) if anchor else None
    expected_prev, expected_seq, keyed_seen, last = GENESIS, 1, False, None
    stream = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq).execution_options(yield_per=batch_size))
    for event in stream:
        if counter is not None:
            counter[0] += 1
        if event.seq != expected_seq:
            problem = f"event {expected_seq} is missing (next is {event.seq})"
        elif event.prev_hash != expected_prev:
            problem = "its link to the previous event does not match"
        else:
            problem = _event_problem(event, keyed_seen)
        if problem is None and anchored is not None and event.seq == anchored.seq and event.hash != anchored.hash:
            problem = f"it differs from the anchor of {anchor.anchored_at}: the chain was rewritten up to here"
        if problem:
            return ChainBreak(chain, event.seq, event.id, problem)
        keyed_seen = keyed_seen or event.key_id is not None
        expected_prev, expected_seq, last = event.hash, event.seq + 1, event
    if last is None:
        if anchored is None:
            return None
        return ChainBreak(chain, None, None, f"all its events were deleted: the anchor of {anchor.anchored_at} "
                                             f"recorded event #{anchored.seq}")
    if anchored is not None and last.seq < anchored.seq:
        missing = anchored.seq - last.seq
        return ChainBreak(chain, last.seq, last.id,
                          f"the chain ends here but the anchor of {anchor.anchored_at} recorded event "
                          f"#{anchored.seq}: the last {missing} event{'s were' if missing != 1 else ' was'} deleted")
    if not keyed_seen and not allow_unsealed_legacy:
        return ChainBreak(chain, last.seq, last.id,
                          f"its {last.seq} events were hashed with plain SHA-256 (before the audit key), which "
                          "anyone can recompute, and no keyed event seals them: run `flask audit anchor` to seal them")
    return None


def verify(*, batch_size: int = 5000, anchor_file: Path | None = None) -> Report:
    """Every chain, checked against the latest anchor that verifies."""
    anchors = read_anchors(anchor_file)
    report = Report(anchor=anchors.latest, anchor_path=anchors.path)
    report.breaks.extend(ChainBreak("anchors", number, None, problem) for number, problem in anchors.problems)
    chains = set(db.session.scalars(sa.select(AuditEvent.chain).distinct()))
    chains |= set(report.anchor.heads) if report.anchor else set()
    report.chains = len(chains)
    counter = [0]
    for chain in sorted(chains):
        found = verify_chain(chain, anchor=report.anchor, batch_size=batch_size, counter=counter)
        if found is not None:
            report.breaks.append(found)
    report.events = counter[0]
    own_pending = db.session.info.get(PENDING) or []
    for event_id, chain in db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.chain).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)):
        if event_id not in own_pending:
            report.breaks.append(ChainBreak(chain, None, event_id,
                                            "it was committed without a place in its chain (written around the "
                                            "audit service)"))
    return report
