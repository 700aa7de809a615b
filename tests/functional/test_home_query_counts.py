"""The home page ("What needs you") runs the same number of SQL statements with 10 waiting items as with 100."""
from __future__ import annotations

from datetime import timedelta

import pytest

from competency.accounts.models import Employment
from competency.db import utcnow
from competency.extensions import db
from competency.frameworks.models import FrameworkVersion, VersionStatus
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    ImportDecision,
    ImportItem,
    ImportSource,
    Outcome as CheckOutcome,
)
from competency.preceptorship import services as preceptorship
from competency.preceptorship.queries import today
from competency.signoff import conversation, services
from competency.signoff.models import Outcome
from tests.evidence_support import log_evidence, signoff_world, switch_user
from tests.factories import OrganisationFactory, make_person
from tests.programmes_support import shipped_templates


class Scenario:
    """Grows everything each role's home page lists: returned requests, messages, a queue, programmes with reviews
    due and supervision overdue, passports to recognise, people not enrolled, drafts and regional counts."""

    def __init__(self):
        self.world = signoff_world(per_cell=7)
        w = self.world
        self.capabilities = [c for c in w.version.capabilities if c.level.code in ("registered", "support")]
        self.template = shipped_templates()["ahp-preceptorship"]
        self.analyst = make_person("analyst", OrganisationFactory(region=w.org.region), employed=False)
        self.editor = make_person("framework_editor", OrganisationFactory(), employed=False)
        self.size = 0

    def _person(self, n: int, start_days: int):
        w, on = self.world, today()
        person = make_person("practitioner", w.org, employed=False, display_name=f"Person {n}",
                             registration_body="HCPC", registration_number=f"OT7{n:04d}",
                             registered_on=on - timedelta(days=start_days + 20))
        db.session.add(Employment(user=person, organisation=w.org, role_title="OT", level_code="registered",
                                  start_on=on - timedelta(days=start_days)))
        db.session.flush()
        db.session.refresh(person)
        return person

    def grow_to(self, size: int) -> None:
        w, on = self.world, today()
        for n in range(self.size, size):
            cap = self.capabilities[n % len(self.capabilities)]
            # The practitioner: a returned request (or a reviewer's message on a waiting one).
            if n < len(self.capabilities):
                evidence = log_evidence(w.practitioner, [cap], title=f"Evidence {n}")
                request = services.request_signoff(w.practitioner, cap, [evidence], w.preceptor,
                                                   at=utcnow() - timedelta(days=30, hours=n))
                if n % 2:
                    services.decide(request, w.preceptor, Outcome.return_, f"Feedback {n}",
                                    at=utcnow() - timedelta(days=20, hours=n))
                else:
                    conversation.post_message(request, w.preceptor, f"Question {n}")
            # The preceptor: a queue, replies, and preceptees with reviews due and supervision overdue.
            person = self._person(n, 80)
            preceptorship.enrol(practitioner=person, template=self.template, organisation=w.org,
                                preceptor=w.preceptor, lead=w.lead, start_on=on - timedelta(days=78), fte=1.0,
                                by=w.lead, on=on)
            evidence = log_evidence(person, [cap], title=f"Their evidence {n}")
            request = services.request_signoff(person, cap, [evidence], w.preceptor,
                                               at=utcnow() - timedelta(days=n % 30))
            conversation.post_message(request, person, f"Reply {n}")
            # The lead: newly registered people not enrolled, and passports to recognise.
            self._person(1000 + n, 70)
            record = CredentialImport(holder_id=person.id, organisation_id=w.org.id, source=ImportSource.upload)
            record.items = [ImportItem(position=0, kind=CredentialKind.signoff, name=f"Credential {n}",
                                       outcome=CheckOutcome.valid, decision=ImportDecision.pending)]
            db.session.add(record)
            # The editor: drafts.
            db.session.add(FrameworkVersion(framework_id=w.version.framework_id, uuid=f"draft-{n}",
                                            version=f"9.{n}.0", title=f"Draft {n}", status=VersionStatus.draft,
                                            changed_at=utcnow()))
            db.session.flush()
        self.size = size
        db.session.commit()


@pytest.fixture
def scenario(db):
    return Scenario()


def measure(scenario, client, count_queries) -> dict[str, int]:
    results = {}
    w = scenario.world
    for name, user in (("practitioner", w.practitioner), ("preceptor", w.preceptor), ("lead", w.lead),
                       ("analyst", scenario.analyst), ("editor", scenario.editor)):
        switch_user(client, user)
        client.get("/")
        with count_queries() as statements:
            response = client.get("/")
        assert response.status_code == 200
        results[name] = (len(statements), response.get_data(as_text=True).count("nhsuk-tag"))
    return results


def test_home_statement_count_does_not_grow_with_what_is_waiting(scenario, client, count_queries):
    scenario.grow_to(10)
    small = measure(scenario, client, count_queries)
    scenario.grow_to(100)
    large = measure(scenario, client, count_queries)
    counts_small = {name: statements for name, (statements, _) in small.items()}
    counts_large = {name: statements for name, (statements, _) in large.items()}
    assert counts_small == counts_large, {name: (counts_small[name], counts_large[name]) for name in counts_small}
    # The pages really did list more at the larger size (so the equality means something).
    assert all(large[name][1] > small[name][1] for name in ("practitioner", "lead", "editor")), (small, large)
