"""Status list storage: handing out indexes, flipping bits, publishing signed lists.

Every change is a conditional UPDATE (on ``next_slot`` or ``version``) retried
on conflict, so two workers allocating or revoking at once never lose a bit
and never hand out one index twice, on SQLite and PostgreSQL alike.  No
statement locks a row another path locks in the opposite order (a list row,
then the organisation's :class:`IssuerState` row), so they cannot deadlock.

Credentials issued from issue 12 on carry one ``message`` entry of 2 bits in
a list per organisation (revocation the low bit, suspension the high bit);
credentials issued before keep their separate revocation and suspension
lists, which are still served and still honoured.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import Organisation
from competency.db import utcnow
from competency.extensions import db
from competency.passport.dataintegrity import create_proof
from competency.passport.keys import base_url, did_for, signer_for
from competency.passport.freshness import renew_stamp
from competency.passport.models import StatusList
from competency.passport.statuslist import (
    FLAG_BITS,
    MIN_ENTRIES,
    STATUS_SIZE,
    Bitstring,
    StatusEntry,
    StatusPurpose,
    build_status_list_credential,
)

_RETRIES = 50


class StatusConflict(RuntimeError):
    """Another transaction kept changing the same list; try again."""


def list_url(status_list: StatusList) -> str:
    return f"{base_url()}/status/{status_list.public_id}"


def _new_list(organisation: Organisation, purpose: StatusPurpose) -> StatusList:
    size = int(current_app.config.get("STATUS_LIST_SIZE", MIN_ENTRIES))
    status_size = STATUS_SIZE if purpose is StatusPurpose.message else 1
    status_list = StatusList(
        public_id=secrets.token_hex(12), organisation_id=organisation.id, purpose=purpose, size=size,
        stride=secrets.randbelow(size // 2) * 2 + 1, index_offset=secrets.randbelow(size), next_slot=0,
        status_size=status_size, bits=Bitstring(size * status_size).to_bytes(), version=0, changed_at=utcnow(),
    )
    db.session.add(status_list)
    db.session.flush()
    return status_list


def allocate(organisation: Organisation, purpose: StatusPurpose) -> tuple[int, StatusEntry]:
    """A fresh index in one of the organisation's lists for ``purpose`` (a new list when all are full).

    Returns the list's database id and the credential's status entry.
    """
    for _ in range(_RETRIES):
        row = db.session.execute(
            sa.select(StatusList.id, StatusList.next_slot)
            .where(StatusList.organisation_id == organisation.id, StatusList.purpose == purpose,
                   StatusList.next_slot < StatusList.size)
            .order_by(StatusList.id).limit(1)).first()
        if row is None:
            status_list = _new_list(organisation, purpose)
            row = (status_list.id, status_list.next_slot)
        list_id, slot = row
        claimed = db.session.execute(
            sa.update(StatusList).where(StatusList.id == list_id, StatusList.next_slot == slot)
            .values(next_slot=slot + 1).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            status_list = db.session.get(StatusList, list_id)
            db.session.expire(status_list, ["next_slot"])
            index, url = status_list.index_for(slot), list_url(status_list)
            entry = StatusEntry.ours(index, url) if purpose is StatusPurpose.message else \
                StatusEntry(purpose, index, url)
            return list_id, entry
    raise StatusConflict("Could not allocate a status index; please try again.")


def _bit_of(status_size: int, index: int, purpose: StatusPurpose) -> int:
    return index if status_size == 1 else index * status_size + FLAG_BITS[purpose]


def set_status(list_id: int, index: int, purpose: StatusPurpose, value: bool = True) -> bool:
    """Set (or clear) a credential's revocation or suspension state; True when it changed.

    In a 1-bit list the entry is the bit; in a 2-bit ``message`` list the
    purpose picks its bit.  The signed copy of the list is dropped so the next
    fetch re-signs, and the organisation's stamp is renewed in the same
    transaction, so every process's cache sees the change on its next check.
    """
    for _ in range(_RETRIES):
        bits, version, status_size, organisation_id = db.session.execute(
            sa.select(StatusList.bits, StatusList.version, StatusList.status_size, StatusList.organisation_id)
            .where(StatusList.id == list_id)).one()
        bit = _bit_of(status_size, index, purpose)
        bitstring = Bitstring(data=bits)
        if bitstring.get(bit) == value:
            return False
        bitstring.set(bit, value)
        changed = db.session.execute(
            sa.update(StatusList).where(StatusList.id == list_id, StatusList.version == version)
            .values(bits=bitstring.to_bytes(), version=version + 1, changed_at=utcnow(), signed_json=None)
            .execution_options(synchronize_session=False))
        if changed.rowcount == 1:
            key = sa.inspect(StatusList).identity_key_from_primary_key((list_id,))
            cached = db.session.identity_map.get(key)
            if cached is not None:
                db.session.expire(cached)
            renew_stamp(organisation_id)
            return True
    raise StatusConflict("Could not update the status list; please try again.")


def set_bit(list_id: int, index: int, value: bool = True) -> bool:
    """Set (or clear) the revocation state at ``index`` (kept for 1-bit lists and older callers)."""
    return set_status(list_id, index, StatusPurpose.revocation, value)


def is_set(list_id: int, index: int, purpose: StatusPurpose = StatusPurpose.revocation) -> bool:
    bits, status_size = db.session.execute(
        sa.select(StatusList.bits, StatusList.status_size).where(StatusList.id == list_id)).one()
    return Bitstring(data=bits).get(_bit_of(status_size, index, purpose))


def find_list(public_id: str) -> StatusList | None:
    return db.session.scalar(sa.select(StatusList).where(StatusList.public_id == public_id))


def signed_list(status_list: StatusList) -> dict:
    """The list as a signed BitstringStatusListCredential, signed once per change and kept.

    ``validFrom`` is when its bits last changed (a verifier reports a revocation
    as "recorded in its status list published on <that day>"); ``ttl`` tells
    verifiers how long they may cache it.
    """
    if status_list.signed_json is not None:
        return status_list.signed_json
    organisation = status_list.organisation
    ttl_seconds = int(current_app.config.get("STATUS_LIST_TTL_SECONDS", 300))
    unsigned = build_status_list_credential(
        list_url=list_url(status_list), issuer=did_for(organisation), purpose=status_list.purpose,
        bitstring=Bitstring(data=status_list.bits), valid_from=status_list.changed_at.astimezone(UTC),
        ttl_ms=ttl_seconds * 1000,
    )
    signer = signer_for(organisation)
    document = create_proof(unsigned, signer.private_key, verification_method=signer.verification_method,
                            created=datetime.now(UTC))
    # Conditional on the version read, so a revocation landing meanwhile is never hidden by a stale copy.
    db.session.execute(
        sa.update(StatusList).where(StatusList.id == status_list.id, StatusList.version == status_list.version)
        .values(signed_json=document).execution_options(synchronize_session=False))
    return document
