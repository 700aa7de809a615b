"""Publishing and retiring framework versions: the impact said first, the people affected told after.

Why: Publish and Retire were single clicks. Publishing a version that rewords a capability
silently stopped earlier sign-offs counting (nobody was told), and retiring the only
published version emptied every progress page. The confirmation pages show a
:class:`VersionImpact`, and :func:`publish_and_tell` / :func:`retire_and_tell` make the
change and tell each person affected. Every count comes from
:mod:`competency.signoff.counting`, the one place that says which sign-offs count.

Decision: retiring the only published version is allowed; progress pages keep showing
that version's grid, marked retired, so sign-offs (recognised ones included) stay in view
(:func:`competency.signoff.capabilities.progress_framework_version`).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.extensions import db
from competency.frameworks import queries as framework_queries
from competency.frameworks import services as framework_services
from competency.frameworks.models import FrameworkVersion, VersionStatus
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to
from competency.signoff.capabilities import DEFAULT_FRAMEWORK_SLUG
from competency.signoff.counting import equivalent_identifiers, holders_by_capability, version_identifiers
from competency.signoff.models import RequestState, SignOffRequest


@dataclass(frozen=True)
class CapabilityImpact:
    code: str
    kind: str  # "reworded" (the new wording needs its own sign-off) or "removed"
    people: int  # people whose sign-off stops counting
    pending: int = 0  # requests waiting on the earlier wording


@dataclass
class VersionImpact:
    action: str  # "publish" or "retire"
    version: FrameworkVersion
    # The version people's sign-offs are counted against before the change.
    baseline: FrameworkVersion | None
    holders: int = 0
    changes: list[CapabilityImpact] = field(default_factory=list)
    # person id -> codes whose sign-off stops counting; person id -> codes of their waiting requests affected.
    affected: dict[int, list[str]] = field(default_factory=dict)
    requesters: dict[int, list[str]] = field(default_factory=dict)
    # What progress pages show afterwards (None: nothing published, which retiring never leaves).
    progress_after: FrameworkVersion | None = None
    new_identifiers: dict[str, str] = field(default_factory=dict)  # code -> identifier in the new version

    @property
    def still_count(self) -> int:
        return self.holders - len(self.affected)

    @property
    def people_to_tell(self) -> int:
        return len(set(self.affected) | set(self.requesters))

    @property
    def pending(self) -> int:
        return sum(len(codes) for codes in self.requesters.values())

    @property
    def fingerprint(self) -> str:
        """Changes when the figures do, so a confirmation given on stale figures is asked again."""
        payload = [self.action, self.version.id, self.holders, [(c.code, c.kind, c.people, c.pending)
                                                               for c in self.changes], self.pending]
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]

    def headline(self) -> str:
        against = self.baseline or self.version
        people = f"{self.holders} {'person holds' if self.holders == 1 else 'people hold'}"
        text = f"{people} sign-offs against version {against.version}"
        if self.action == "retire":
            return text + "; they all stay valid and stay in view."
        losses = [c for c in self.changes if c.kind == "reworded"]
        if not self.changes:
            return text + "; every one of them still counts in version " + self.version.version + "."
        parts = [f"{c.people} will need to re-request {c.code}" for c in losses]
        parts += [f"{c.people} held {c.code}, which is removed" for c in self.changes if c.kind == "removed"]
        return text + "; " + "; ".join(parts) + "."


def _progress_version_without(excluded: FrameworkVersion | None, adding: FrameworkVersion | None):
    """What progress pages would show, with ``excluded`` gone from the published versions and ``adding`` published."""
    from competency.frameworks.models import Framework

    candidates = list(db.session.scalars(
        sa.select(FrameworkVersion).join(Framework).where(FrameworkVersion.status == VersionStatus.published)))
    if excluded is not None:
        candidates = [v for v in candidates if v.id != excluded.id]
    if adding is not None:
        candidates = [v for v in candidates if v.framework_id != adding.framework_id or v.id == adding.id] + [adding]
    if not candidates:
        return excluded  # retiring the only published version: progress keeps showing it, marked retired
    return max(candidates, key=lambda v: (v.framework.slug == DEFAULT_FRAMEWORK_SLUG, v is adding,
                                          v.published_at or v.created_at, v.id))


def _waiting_requests(identifiers: set[str]) -> list[tuple[int, str]]:
    if not identifiers:
        return []
    return [(person, identifier) for person, identifier in db.session.execute(
        sa.select(SignOffRequest.practitioner_id, SignOffRequest.capability_uuid)
        .where(SignOffRequest.state == RequestState.pending, SignOffRequest.capability_uuid.in_(identifiers)))]


def publish_impact(version: FrameworkVersion) -> VersionImpact:
    """What publishing the draft ``version`` does to people's sign-offs, compared with the published version."""
    baseline = framework_queries.current_version(version.framework)
    impact = VersionImpact("publish", version, baseline, progress_after=_progress_version_without(None, version))
    new_codes = {code: uuid for uuid, code in version_identifiers(version).items()}
    impact.new_identifiers = new_codes
    after = holders_by_capability(version, with_version=version)
    if baseline is None:
        impact.holders = len(set().union(*after.values())) if after else 0
        return impact
    before = holders_by_capability(baseline)
    old_codes = version_identifiers(baseline)
    impact.holders = len(set().union(*before.values())) if before else 0
    covered = set().union(*equivalent_identifiers(new_codes.values(), with_version=version).values()) \
        if new_codes else set()
    affected: dict[int, list[str]] = defaultdict(list)
    lost_ids: dict[str, str] = {}
    for identifier, code in old_codes.items():
        if identifier in covered:
            continue
        lost_ids[identifier] = code
    waiting: dict[str, list[int]] = defaultdict(list)
    for person, identifier in _waiting_requests(set(lost_ids)):
        waiting[lost_ids[identifier]].append(person)
        impact.requesters.setdefault(person, []).append(lost_ids[identifier])
    for identifier, code in lost_ids.items():
        kind = "reworded" if code in new_codes else "removed"
        people = before.get(identifier, set()) - after.get(new_codes.get(code, ""), set())
        for person in people:
            affected[person].append(code)
        if people or waiting.get(code):
            impact.changes.append(CapabilityImpact(code, kind, len(people), len(waiting.get(code, []))))
    impact.affected = dict(affected)
    impact.changes.sort(key=lambda c: (c.kind, c.code))
    return impact


def retire_impact(version: FrameworkVersion) -> VersionImpact:
    """What retiring the published ``version`` does: sign-offs stay valid; waiting requests can still be decided."""
    impact = VersionImpact("retire", version, None, progress_after=_progress_version_without(version, None))
    holders = holders_by_capability(version)
    impact.holders = len(set().union(*holders.values())) if holders else 0
    codes = version_identifiers(version)
    for person, identifier in db.session.execute(
            sa.select(SignOffRequest.practitioner_id, SignOffRequest.capability_uuid)
            .where(SignOffRequest.state == RequestState.pending, SignOffRequest.framework_version_id == version.id)):
        impact.requesters.setdefault(person, []).append(codes.get(identifier, identifier))
    return impact


def _tell(people: dict[int, list[str]], *, title, body, link, key: str) -> int:
    told = 0
    for user in db.session.scalars(sa.select(User).where(User.id.in_(people))) if people else []:
        codes = sorted(set(people[user.id]))
        if notify(user, kind="framework.changed", title=title(codes), body=body(codes), link=link(codes),
                  dedupe_key=f"{key}:{user.id}") is not None:
            told += 1
    return told


def _codes(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " and " + codes[-1]


def publish_and_tell(version: FrameworkVersion, *, by: User | None) -> VersionImpact:
    """Publish ``version`` and tell everyone whose sign-off stops counting or whose waiting request is affected.

    :raises VersionImmutable: the version is not a draft (nothing is changed or sent).
    """
    impact = publish_impact(version)
    framework_services.publish_version(version, by=by)
    name = f"{version.title} {version.version}"
    removed = {c.code for c in impact.changes if c.kind == "removed"}

    def link(codes):
        identifier = impact.new_identifiers.get(codes[0])
        if len(codes) == 1 and identifier:
            return link_to("progress.show_capability", capability_id=identifier)
        return link_to("progress.my_progress")

    def body(codes):
        again = [c for c in codes if c not in removed]
        gone = [c for c in codes if c in removed]
        text = []
        if again:
            text.append(f"{_codes(again)} now {'asks' if len(again) == 1 else 'ask'} for something different. Your "
                        "sign-off of the earlier wording stays on your record, but it does not count for the new "
                        "wording: ask for sign-off again when you are ready.")
        if gone:
            text.append(f"{_codes(gone)} {'is' if len(gone) == 1 else 'are'} no longer in the framework; your "
                        "sign-off stays on your record.")
        return " ".join(text)

    told = _tell(impact.affected, title=lambda codes: f"{_codes(codes)} changed in {name}", body=body, link=link,
                 key=f"framework.published:{version.uuid}")
    told += _tell(impact.requesters, title=lambda codes: f"Your request for {_codes(codes)} is for the earlier wording",
                  body=lambda codes: f"{name} rewords it, so a sign-off on this request would not count for the new "
                                     "wording. Withdraw the request and ask again for the new wording.",
                  link=lambda codes: link_to("progress.my_requests"), key=f"framework.published.request:{version.uuid}")
    record_event("framework.publish_impact", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"holders": impact.holders, "changes": [[c.code, c.kind, c.people, c.pending]
                                                              for c in impact.changes], "told": told})
    return impact


def retire_and_tell(version: FrameworkVersion, *, by: User | None) -> VersionImpact:
    """Retire ``version`` and tell the people whose requests against it are still waiting.

    :raises VersionImmutable: the version is not published (nothing is changed or sent).
    """
    impact = retire_impact(version)
    framework_services.retire_version(version, by=by)
    name = f"{version.title} {version.version}"
    told = _tell(impact.requesters, title=lambda codes: f"Your request for {_codes(codes)} is against a retired version",
                 body=lambda codes: f"{name} has been retired. Your request can still be decided, and a sign-off on "
                                    "it stays valid.",
                 link=lambda codes: link_to("progress.my_requests"), key=f"framework.retired:{version.uuid}")
    record_event("framework.retire_impact", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"holders": impact.holders, "waiting_requests": impact.pending, "told": told})
    return impact
