"""Bringing a passport to an employer: telling its leads, and recognising every valid credential at once.

A person who brings their passport is usually a new starter; the leads who must recognise it are
told at once (an in-app notification linking to the import), rather than finding it by chance
under *Passports brought to your organisation*. "Recognise all valid": each credential still waiting is recognised exactly as one click on it would
(:func:`competency.passport.importing.accept`: re-checked with its issuer first), each in its own
savepoint, so one that fails its re-check, or is already signed here, keeps its new result and
does not stop the others. Services flush; the request commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from competency.accounts.models import Membership, Organisation, Role, User
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import importing
from competency.passport.models import CredentialImport, ImportDecision, ImportItem, ImportSource
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to


def deciders(organisation_id: int, holder_id: int) -> list[User]:
    """Who is told: the organisation's active leads; its administrators only when it has no lead."""
    rows = db.session.execute(
        sa.select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.is_active.is_(True),
               Membership.role.in_((Role.lead, Role.admin)), User.is_active_account.is_(True), User.id != holder_id)
        .order_by(User.id)).all()
    leads = [user for user, role in rows if role == Role.lead]
    chosen = leads or [user for user, role in rows if role == Role.admin]
    return list({user.id: user for user in chosen}.values())


def bring_passport(holder: User, organisation: Organisation, payload: Any, *, source: ImportSource,
                   source_url: str | None = None) -> CredentialImport:
    """Import the credentials (:func:`competency.passport.importing.import_credentials`, whose
    errors it raises) and tell the leads when any is waiting for them."""
    record = importing.import_credentials(holder, organisation, payload, source=source, source_url=source_url)
    count = len(waiting(record))
    if count:
        link = link_to("passport.import_detail", import_id=record.id)
        for person in deciders(organisation.id, holder.id):
            notify(person, kind="passport.imported",
                   title=f"{holder.display_name} brought a passport to {organisation.name}",
                   body=f"{count} valid credential{'s are' if count != 1 else ' is'} waiting for a lead to recognise.",
                   link=link, dedupe_key=f"passport.imported:{record.id}:{person.id}")
    return record


@dataclass
class RecognitionOutcome:
    recognised: list[ImportItem] = field(default_factory=list)
    refused: list[tuple[ImportItem, str]] = field(default_factory=list)


def waiting(record: CredentialImport) -> list[ImportItem]:
    return [item for item in record.items if item.decision == ImportDecision.pending]


def recognise_all_valid(record: CredentialImport, *, by: User) -> RecognitionOutcome:
    """:raises DomainError: ``by`` may not decide this import (nothing is changed)."""
    outcome = RecognitionOutcome()
    for item in waiting(record):
        savepoint = db.session.begin_nested()
        try:
            importing.accept(item, by=by)
        except importing.NoLongerValid as error:
            savepoint.commit()  # keep the new result: the lead and the holder see why
            outcome.refused.append((item, error.message))
        except DomainError as error:
            savepoint.rollback()
            if error.status in (403, 404):
                raise
            outcome.refused.append((item, error.message))
        else:
            savepoint.commit()
            outcome.recognised.append(item)
    return outcome
