"""Publishing and retiring framework versions with their impact first and the people affected told (issue 15.4).

Defects: Publish of a version that rewords a capability, and Retire of the only published
version, were single clicks with no impact shown; after Retire progress pages were empty
and recognised sign-offs vanished from view; after publishing 1.1.0 (a clause added to
PP-REG-02) a sign-off made an hour earlier silently stopped counting and nobody was told.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from competency.evidence.models import EvidenceKind
from competency.extensions import db
from competency.frameworks import queries as framework_queries
from competency.frameworks import services as framework_services
from competency.frameworks.errors import VersionImmutable
from competency.frameworks.models import VersionStatus
from competency.reminders.models import Notification
from competency.signoff import services as signoff_services
from competency.signoff.capabilities import current_framework_version, progress_framework_version
from competency.signoff.counting import counted_capabilities, holders_by_capability
from competency.signoff.models import Outcome
from competency.signoff.progress import progress_grid
from competency.signoff.version_changes import publish_and_tell, publish_impact, retire_and_tell, retire_impact
from tests.evidence_support import log_evidence
from tests.factories import OrganisationFactory, make_person
from tests.unit.frameworks_helpers import import_shipped, next_version

AT = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
CLAUSE = " They record who was involved and why."


def code(version, wanted: str):
    return next(c for c in version.capabilities if c.code == wanted)


@pytest.fixture
def world(db):
    org = OrganisationFactory(name="Downshire test council")
    v1 = import_shipped()
    people = [make_person("practitioner", org, level_code="registered", display_name=f"Practitioner {n}")
              for n in range(4)]
    preceptor = make_person("preceptor", org, level_code="enhanced", display_name="Tom Preceptor")
    return org, v1, people, preceptor


def sign_locally(person, capability, preceptor):
    """A real request and decision, as a preceptor signs off in the app."""
    evidence = log_evidence(person, [capability], kind=EvidenceKind.reflection)
    request = signoff_services.request_signoff(person, capability, [evidence], preceptor, at=AT)
    signoff_services.decide(request, preceptor, Outcome.sign, at=AT)
    return request


def recognise(person, capability, org):
    return signoff_services.record_recognised_signoff(
        person, organisation=org, actor=None, capability_uuid=capability.uuid, capability_code=capability.code,
        level_code="registered", signed_at=AT, assessor_name="A Preceptor", issuer_name="Harbourside Trust")


def draft_with_a_clause_added(v1):
    spec = framework_queries.version_spec(v1)
    old = code(v1, "PP-REG-02")
    spec = next_version(spec, "1.1.0", **{"PP-REG-02": {"statement": old.statement + CLAUSE, "revision": 2}})
    draft, _ = framework_services.import_framework(spec, by=None)
    return draft


def titles(person) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.title).where(Notification.user_id == person.id)))


class TestPublishing:
    def test_the_impact_says_who_holds_sign_offs_and_who_must_re_request(self, world):
        org, v1, people, preceptor = world
        sign_locally(people[0], code(v1, "PP-REG-02"), preceptor)
        recognise(people[1], code(v1, "PP-REG-02"), org)
        sign_locally(people[2], code(v1, "PP-REG-01"), preceptor)
        draft = draft_with_a_clause_added(v1)
        impact = publish_impact(draft)
        assert impact.baseline == v1 and impact.holders == 3
        assert [(c.code, c.kind, c.people) for c in impact.changes] == [("PP-REG-02", "reworded", 2)]
        assert impact.headline() == ("3 people hold sign-offs against version 1.0.0; 2 will need to re-request "
                                     "PP-REG-02.")
        assert sorted(impact.affected) == sorted([people[0].id, people[1].id]) and impact.still_count == 1

    def test_publishing_tells_everyone_whose_sign_off_stops_counting(self, world):
        """Regression: the sign-off of an hour earlier stopped counting and nobody was told."""
        org, v1, people, preceptor = world
        sign_locally(people[0], code(v1, "PP-REG-02"), preceptor)
        sign_locally(people[2], code(v1, "PP-REG-01"), preceptor)
        draft = draft_with_a_clause_added(v1)
        publish_and_tell(draft, by=None)
        assert current_framework_version() == draft
        assert code(draft, "PP-REG-02").uuid not in counted_capabilities(people[0].id, draft)
        [note] = [t for t in titles(people[0]) if "changed" in t]
        assert note == f"PP-REG-02 changed in {draft.title} 1.1.0"
        body = db.session.scalar(sa.select(Notification.body).where(Notification.user_id == people[0].id,
                                                                    Notification.kind == "framework.changed"))
        assert "does not count for the new wording: ask for sign-off again" in body
        assert not [t for t in titles(people[2]) if "changed" in t]  # PP-REG-01 still counts

    def test_a_request_waiting_on_the_earlier_wording_is_flagged_and_its_person_told(self, world):
        org, v1, people, preceptor = world
        evidence = log_evidence(people[3], [code(v1, "PP-REG-02")])
        signoff_services.request_signoff(people[3], code(v1, "PP-REG-02"), [evidence], preceptor, at=AT)
        draft = draft_with_a_clause_added(v1)
        impact = publish_impact(draft)
        assert [(c.code, c.pending) for c in impact.changes] == [("PP-REG-02", 1)]
        publish_and_tell(draft, by=None)
        assert "Your request for PP-REG-02 is for the earlier wording" in titles(people[3])

    def test_nothing_is_sent_when_publishing_is_refused(self, world):
        org, v1, people, preceptor = world
        sign_locally(people[0], code(v1, "PP-REG-02"), preceptor)
        with pytest.raises(VersionImmutable):
            publish_and_tell(v1, by=None)
        assert not [t for t in titles(people[0]) if "changed" in t]

    def test_counting_goes_through_one_function(self, world):
        """The seam the supersedes rule plugs into: widening it carries sign-offs over."""
        from competency.signoff import counting

        org, v1, people, preceptor = world
        sign_locally(people[0], code(v1, "PP-REG-02"), preceptor)
        draft = draft_with_a_clause_added(v1)
        old, new = code(v1, "PP-REG-02").uuid, code(draft, "PP-REG-02").uuid
        original = counting.equivalent_identifiers

        def minor(identifiers, *, with_version=None):
            groups = original(identifiers, with_version=with_version)
            for group in groups.values():
                if group & {old, new}:
                    group |= {old, new}
            return groups

        counting.equivalent_identifiers = minor
        try:
            impact = publish_impact(draft)
            assert impact.changes == [] and impact.still_count == 1
            assert people[0].id in holders_by_capability(draft, with_version=draft)[new]
        finally:
            counting.equivalent_identifiers = original


class TestRetiring:
    def test_retiring_the_only_version_keeps_progress_and_recognised_sign_offs_in_view(self, world):
        org, v1, people, preceptor = world
        recognise(people[1], code(v1, "PP-REG-02"), org)
        impact = retire_impact(v1)
        assert impact.holders == 1 and impact.progress_after == v1
        assert impact.headline() == "1 person holds sign-offs against version 1.0.0; they all stay valid and stay in view."
        retire_and_tell(v1, by=None)
        assert v1.status == VersionStatus.retired and current_framework_version() is None
        assert progress_framework_version() == v1
        grid = progress_grid(people[1].id, progress_framework_version())
        assert grid.totals()["signed"] == 1

    def test_people_with_requests_waiting_on_the_retired_version_are_told(self, world):
        org, v1, people, preceptor = world
        evidence = log_evidence(people[3], [code(v1, "PP-REG-01")])
        signoff_services.request_signoff(people[3], code(v1, "PP-REG-01"), [evidence], preceptor, at=AT)
        assert retire_impact(v1).pending == 1
        retire_and_tell(v1, by=None)
        assert "Your request for PP-REG-01 is against a retired version" in titles(people[3])


def test_the_impact_costs_the_same_statements_for_one_holder_or_many(world, count_queries):
    org, v1, people, preceptor = world
    draft = draft_with_a_clause_added(v1)
    recognise(people[0], code(v1, "PP-REG-02"), org)
    db.session.expire_all()
    with count_queries() as few:
        assert publish_impact(draft).holders == 1
    for person in people[1:]:
        recognise(person, code(v1, "PP-REG-02"), org)
        recognise(person, code(v1, "PP-REG-01"), org)
    db.session.expire_all()
    with count_queries() as many:
        assert publish_impact(draft).holders == 4
    assert len(many) == len(few)
