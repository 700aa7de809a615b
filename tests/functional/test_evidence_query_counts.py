"""Each page runs the same number of SQL statements with 10 items as with 100."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest

from competency.db import utcnow
from competency.evidence.models import Attachment, Evidence, EvidenceCapability, EvidenceKind
from competency.extensions import db
from competency.signoff.models import (
    Outcome,
    RequestState,
    SignOff,
    SignOffDecision,
    SignOffRequest,
    SignOffRevocation,
    SignOffSource,
)
from tests.evidence_support import signoff_world, switch_user
from tests.factories import make_person


class Scenario:
    """Grows one person's record (and one preceptor's queue) to a given size."""

    def __init__(self):
        self.world = signoff_world(per_cell=7)  # 2 pillars x 8 levels x 7 = 112 capabilities
        w = self.world
        self.capabilities = list(w.version.capabilities)
        self.history_cap = w.registered_cap
        self.others = [make_person("practitioner", w.org, level_code="registered") for _ in range(5)]
        self.size = 0

    def _evidence(self, owner, n: int, capability) -> Evidence:
        evidence = Evidence(owner_id=owner.id, kind=EvidenceKind.reflection, title=f"Evidence {n}",
                            occurred_on=date(2026, 1, 1) + timedelta(days=n % 300), text="Text")
        evidence.links = [EvidenceCapability(capability_uuid=uuid)
                          for uuid in sorted({capability.uuid, self.history_cap.uuid})]
        evidence.attachments = [Attachment(storage_key=secrets.token_hex(20), filename=f"f{n}.txt",
                                           media_type="text/plain", size_bytes=4, sha256="0" * 64)]
        db.session.add(evidence)
        return evidence

    def _request(self, practitioner, capability, evidence, state, n: int) -> SignOffRequest:
        w = self.world
        now = utcnow() - timedelta(hours=200 - n)
        request = SignOffRequest(practitioner_id=practitioner.id, assessor_id=w.preceptor.id,
                                 organisation_id=w.org.id, capability_uuid=capability.uuid,
                                 framework_version_id=w.version.id, state=state, created_at=now,
                                 closed_at=None if state == RequestState.pending else now,
                                 closed_by_id=None if state == RequestState.pending else w.preceptor.id)
        request.evidence = [evidence]
        db.session.add(request)
        db.session.flush()
        if state in (RequestState.signed, RequestState.returned):
            db.session.add(SignOffDecision(request_id=request.id, decided_by_id=w.preceptor.id, decided_at=now,
                                           outcome=Outcome.sign if state == RequestState.signed else Outcome.return_,
                                           comment="Comment"))
        if state == RequestState.signed:
            db.session.add(SignOff(
                source=SignOffSource.local, practitioner_id=practitioner.id, capability_uuid=capability.uuid,
                capability_code=capability.code, framework_version_id=w.version.id, level_code="registered",
                request_id=request.id, assessor_id=w.preceptor.id, assessor_name="Tom Preceptor",
                organisation_id=w.org.id, organisation_name=w.org.name, signed_at=now,
                evidence_hashes=[{"evidence_id": evidence.id, "title": evidence.title, "content_hash": "0" * 64}]))
        return request

    def grow_to(self, size: int) -> None:
        w = self.world
        for n in range(self.size, size):
            capability = self.capabilities[n % len(self.capabilities)]
            evidence = self._evidence(w.practitioner, n, capability)
            db.session.flush()
            # The capability page's history: returned requests for one capability.
            self._request(w.practitioner, self.history_cap, evidence, RequestState.returned, n)
            # The grid: sign-offs (some revoked) and pending requests across the framework.
            if capability is not self.history_cap:
                state = RequestState.signed if n % 3 else RequestState.pending
                request = self._request(w.practitioner, capability, evidence, state, n)
                if state == RequestState.signed and n % 5 == 0:
                    db.session.flush()
                    db.session.add(SignOffRevocation(signoff_id=request.signoff.id, reason="r",
                                                     revoked_by_id=w.lead.id))
            # The preceptor's queue: pending requests from several people.
            other = self.others[n % len(self.others)]
            other_evidence = self._evidence(other, n, capability)
            db.session.flush()
            self._request(other, self.capabilities[n // len(self.others) % len(self.capabilities)],
                          other_evidence, RequestState.pending, n)
            db.session.flush()
        self.size = size
        db.session.commit()


@pytest.fixture
def scenario(db):
    return Scenario()


PAGES = [
    ("practitioner", "/evidence/"),
    ("practitioner", "/progress/"),
    ("practitioner", "/progress/?pillar=professional_practice&level=registered"),
    ("practitioner", "/progress/capabilities/{history}"),
    ("practitioner", "/progress/requests"),
    ("preceptor", "/review/"),
    ("practitioner", "/api/v1/me/signoffs"),
]


def measure(scenario, client, count_queries, headers) -> dict[str, int]:
    """Statements per page, each page fetched once to warm up and once counted."""
    results = {}
    for who in ("practitioner", "preceptor"):
        switch_user(client, getattr(scenario.world, who))
        for page_who, url in PAGES:
            if page_who != who:
                continue
            url = url.format(history=scenario.history_cap.uuid)
            extra = {"headers": headers} if url.startswith("/api/") else {}
            client.get(url, **extra)
            with count_queries() as statements:
                response = client.get(url, **extra)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            results[url] = len(statements)
    return results


def test_statement_count_does_not_grow_with_the_data(scenario, client, count_queries):
    from competency.accounts.services import create_api_token

    _, secret = create_api_token(scenario.world.practitioner, "count")
    headers = {"Authorization": f"Bearer {secret}"}
    scenario.grow_to(10)
    small = measure(scenario, client, count_queries, headers)
    scenario.grow_to(100)
    large = measure(scenario, client, count_queries, headers)
    assert len(small) == len(PAGES)
    assert small == large, {url: (small[url], large[url]) for url in small if small[url] != large[url]}
