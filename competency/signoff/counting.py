"""Which sign-offs count against a framework version: one place for the rule.

Publishing, retiring and the pages that show their impact ("12 people hold sign-offs
against this version; 3 will need to re-request PP-REG-02") all ask the same question:
*which of this person's sign-offs still count against version V?* They ask it here, so
the answer can change in one place.

:func:`equivalent_identifiers` applies the ``supersedes`` rule
(:mod:`competency.signoff.revisions`): a sign-off is recorded against one capability
identifier and counts for it and for every minor revision of identical intent along the
chain; a major revision gets a new identifier that starts unsigned. ``with_version`` lets a
draft's own ``supersedes`` links take part when the impact of publishing it is worked out
before it is published.

Bounded: a fixed number of statements whatever the number of people or sign-offs.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from competency.extensions import db
from competency.frameworks.models import Capability, FrameworkVersion
from competency.signoff.models import SignOff
from competency.signoff.queries import not_revoked
from competency.signoff.revisions import current_equivalence


def equivalent_identifiers(identifiers: Iterable[str], *,
                           with_version: FrameworkVersion | None = None) -> dict[str, set[str]]:
    """For each capability identifier, every identifier whose sign-offs count for it (itself included).

    A sign-off of a minor revision's predecessor (or successor) counts for it: the ``supersedes``
    rule of :mod:`competency.signoff.revisions`, with ``with_version``'s own links included.
    """
    equivalence = current_equivalence(include_version_id=with_version.id if with_version is not None else None)
    return {identifier: equivalence.group(identifier) for identifier in identifiers}


def version_identifiers(version: FrameworkVersion) -> dict[str, str]:
    """Capability identifier -> code, for every capability of ``version``."""
    return {uuid: code for uuid, code in db.session.execute(
        sa.select(Capability.uuid, Capability.code).where(Capability.version_id == version.id))}


def _standing(identifiers: set[str], user_id: int | None = None) -> list[tuple[int, str]]:
    if not identifiers:
        return []
    query = (sa.select(SignOff.practitioner_id, SignOff.capability_uuid).distinct()
             .where(SignOff.capability_uuid.in_(identifiers), not_revoked()))
    if user_id is not None:
        query = query.where(SignOff.practitioner_id == user_id)
    return [(person, identifier) for person, identifier in db.session.execute(query)]


def holders_by_capability(version: FrameworkVersion, *, with_version: FrameworkVersion | None = None,
                          user_id: int | None = None) -> dict[str, set[int]]:
    """For each capability identifier of ``version``, the people whose standing sign-offs count for it
    (local and recognised, not revoked). ``user_id`` limits it to one person."""
    counts_for = equivalent_identifiers(version_identifiers(version), with_version=with_version)
    covering: dict[str, set[str]] = defaultdict(set)  # signed identifier -> capabilities of the version
    for capability, signed in counts_for.items():
        for identifier in signed:
            covering[identifier].add(capability)
    holders: dict[str, set[int]] = {capability: set() for capability in counts_for}
    for person, identifier in _standing(set(covering), user_id):
        for capability in covering[identifier]:
            holders[capability].add(person)
    return holders


def counted_capabilities(user_id: int, version: FrameworkVersion) -> set[str]:
    """Which of this person's sign-offs still count against ``version``: the identifiers of the
    version's capabilities that their standing sign-offs cover."""
    return {capability for capability, people in holders_by_capability(version, user_id=user_id).items() if people}
