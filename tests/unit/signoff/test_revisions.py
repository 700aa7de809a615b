"""Issue 16.4: the ``supersedes`` rule. A minor revision (same intent) carries sign-offs of the wording it
replaces; a major revision does not. Tested across sign-off requests, the progress grid, readiness
checklists and the impact figure a publish page shows. On the old code every sign-off of the superseded
identifier stopped counting the moment a reworded version was published."""
from __future__ import annotations

from datetime import date

import pytest

from competency.errors import DomainError
from competency.frameworks import queries as framework_queries
from competency.frameworks import services as framework_services
from competency.signoff import services
from competency.signoff.models import Outcome
from competency.signoff.progress import SIGNED, progress_grid
from competency.signoff.queries import signed_capability_ids
from competency.signoff.revisions import Equivalence
from competency.signoff.version_changes import publish_impact
from tests.evidence_support import log_evidence
from tests.factories import OrganisationFactory, make_person
from tests.unit.frameworks_helpers import SLUG, import_shipped

TODAY = date(2026, 11, 20)


@pytest.fixture
def frameworks(db):
    first = import_shipped()
    framework_services.import_shipped_updates(by=None)
    framework = framework_queries.framework_by_slug(SLUG)
    second = framework_queries.version_by_number(framework, "1.1.0")
    return first, second


@pytest.fixture
def people(db):
    org = OrganisationFactory(name="Downshire test council")
    practitioner = make_person("practitioner", org, level_code="registered", display_name="Sam Preceptee")
    preceptor = make_person("preceptor", org, level_code="advanced", display_name="Tom Preceptor")
    return practitioner, preceptor


def by_code(version, code):
    return next(c for c in version.capabilities if c.code == code)


def sign(practitioner, assessor, capability):
    request = services.request_signoff(practitioner, capability, [log_evidence(practitioner, [capability])], assessor,
                                       today=TODAY)
    services.decide(request, assessor, Outcome.sign, "Well evidenced.", today=TODAY)
    return request.signoff


class TestTheData:
    def test_minor_and_major_revisions_are_marked_in_1_1(self, frameworks):
        _, second = frameworks
        assert by_code(second, "PP-REG-01").is_minor_revision and by_code(second, "PP-REG-01").revision == 2
        assert by_code(second, "PP-REG-02").is_minor_revision
        fl = by_code(second, "FL-REG-01")
        assert fl.revision == 2 and not fl.is_minor_revision and fl.supersedes_uuid == by_code(frameworks[0],
                                                                                                 "FL-REG-01").uuid


class TestMinorRevisionsCarrySignOffs:
    def test_a_sign_off_of_the_old_wording_counts_for_the_new_one_and_back(self, frameworks, people):
        first, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(first, "PP-REG-01"))
        signed = signed_capability_ids(practitioner.id)
        assert by_code(second, "PP-REG-01").uuid in signed

    def test_the_new_wording_is_never_requested_again(self, frameworks, people):
        first, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(first, "PP-REG-01"))
        new = by_code(second, "PP-REG-01")
        with pytest.raises(DomainError) as excinfo:
            services.request_signoff(practitioner, new, [log_evidence(practitioner, [new])], preceptor, today=TODAY)
        assert excinfo.value.rule == "already_signed"

    def test_the_progress_grid_of_the_new_version_shows_it_signed(self, frameworks, people):
        first, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(first, "PP-REG-01"))
        grid = progress_grid(practitioner.id, second)
        statuses = {c.code: s for cell in grid.cells.values() for c, s in cell.items}
        assert statuses["PP-REG-01"] == SIGNED
        assert grid.signed_elsewhere == 0  # the old wording is the same capability, not "elsewhere"

    def test_a_checklist_naming_the_old_identifier_counts_a_sign_off_of_the_new_one(self, frameworks, people):
        from competency.progression.catalogue import catalogue
        from competency.progression.sources import signed_capability_ids as many

        _, second = frameworks
        practitioner, preceptor = people
        support_worker = make_person("practitioner", preceptor.memberships[0].organisation, level_code="support")
        sign(support_worker, preceptor, by_code(second, "PP-SUP-02"))
        step = catalogue().get("ota-to-ot-degree-apprenticeship").step("support_worker_to_ota")
        (criterion,) = [c for c in step.criteria if c.kind.value == "capabilities"]
        wanted = next(ref for ref in criterion.capabilities if ref.code == "PP-SUP-02")
        assert wanted.uuid != by_code(second, "PP-SUP-02").uuid  # the pathway names the 1.0.0 wording
        assert wanted.uuid in many([support_worker.id])[support_worker.id]


class TestMajorRevisionsStartUnsigned:
    def test_a_sign_off_of_the_old_wording_does_not_count_for_the_new_one(self, frameworks, people):
        first, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(first, "FL-REG-01"))
        assert by_code(second, "FL-REG-01").uuid not in signed_capability_ids(practitioner.id)
        new = by_code(second, "FL-REG-01")
        request = services.request_signoff(practitioner, new, [log_evidence(practitioner, [new])], preceptor,
                                           today=TODAY)
        assert request.is_pending

    def test_the_chain_breaks_at_a_major_revision(self):
        equivalence = Equivalence([("r2", "r1"), ("r4", "r3")])  # r3 replaced r2 with a major change
        assert equivalence.group("r1") == {"r1", "r2"}
        assert equivalence.group("r3") == {"r3", "r4"}
        assert equivalence.group("other") == {"other"}


class TestImpactForAPublishPage:
    """The publish page's figures (``publish_impact``) follow the same rule as counting."""

    @staticmethod
    def _draft_revising(second, code: str, *, minor: bool):
        from dataclasses import replace

        spec = framework_queries.version_spec(second)
        caps = tuple(replace(c, revision=2, statement="Works across boundaries, reviewing the plan together.",
                             is_minor_revision=minor) if c.code == code else c for c in spec.capabilities)
        draft, _ = framework_services.import_framework(replace(spec, version="1.2.0", capabilities=caps), by=None)
        return draft

    def test_a_draft_major_revision_shows_who_would_re_request(self, frameworks, people):
        _, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(second, "IW-REG-01"))
        impact = publish_impact(self._draft_revising(second, "IW-REG-01", minor=False))
        changes = {change.code: change for change in impact.changes}
        assert (changes["IW-REG-01"].kind, changes["IW-REG-01"].people) == ("reworded", 1)
        assert impact.affected == {practitioner.id: ["IW-REG-01"]}

    def test_a_draft_minor_revision_asks_nobody_again(self, frameworks, people):
        _, second = frameworks
        practitioner, preceptor = people
        sign(practitioner, preceptor, by_code(second, "IW-REG-01"))
        impact = publish_impact(self._draft_revising(second, "IW-REG-01", minor=True))
        assert "IW-REG-01" not in {change.code for change in impact.changes}
        assert impact.affected == {}
