"""Two requests for the same create at the same instant on PostgreSQL: one item, a clear answer each, no 500.

Each request runs in its own thread, app context, session and database connection against
a database of its own, so both transactions are real and concurrent.
"""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.conftest import csrf_token_from
from tests.integration.fault_support import (FreshDatabase, app_on, dispose, signed_in_client, wait_until,
                                            waiting_on_a_lock)

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def pg_app(tmp_path):
    database = FreshDatabase()
    app = app_on(database.url, tmp_path)
    yield app
    dispose(app)
    database.drop()


def _seed(app) -> dict:
    from competency.accounts.services import create_api_token
    from competency.passport.issuing import issue_signoff_credential
    from tests.evidence_support import capability, log_evidence, signoff_world
    from tests.passport_support import signed_off

    with app.app_context():
        world = signoff_world(per_cell=2)
        cap = capability(world.version, "registered", n=2)
        evidence = log_evidence(world.practitioner, [cap], title="Home visit")
        credential = issue_signoff_credential(signed_off(world))
        _, secret = create_api_token(world.practitioner, "race test")
        db.session.commit()
        return {"practitioner": world.practitioner.id, "email": world.practitioner.email,
                "preceptor": world.preceptor.id, "capability": cap.uuid, "evidence": evidence.id,
                "token": secret, "credential": credential.id, "registered_cap": world.registered_cap.uuid}



def _at_once(*calls):
    """Run each call in its own thread, released together; returns their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait(timeout=10)
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _count(app, model, **filters) -> int:
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))
        db.session.remove()
        return value


def test_a_duplicate_signoff_request_waiting_on_the_first_answers_409_not_500(pg_app):
    """The first request's row is inserted but not committed; the second blocks on the unique index, then loses."""
    from competency.accounts.models import User
    from competency.evidence.models import Evidence
    from competency.signoff import services
    from competency.signoff.capabilities import find_capability
    from competency.signoff.models import SignOffRequest

    ids = _seed(pg_app)
    inserted, hold = threading.Event(), threading.Event()

    def first():
        with pg_app.app_context():
            practitioner = db.session.get(User, ids["practitioner"])
            services.request_signoff(practitioner, find_capability(ids["capability"]),
                                     [db.session.get(Evidence, ids["evidence"])],
                                     db.session.get(User, ids["preceptor"]))
            inserted.set()
            hold.wait(timeout=20)
            db.session.commit()
            db.session.remove()

    answer: dict = {}

    def second():
        response = pg_app.test_client().post(
            "/api/v1/signoff-requests", headers={"Authorization": f"Bearer {ids['token']}"},
            json={"capability_id": ids["capability"], "evidence_ids": [ids["evidence"]],
                  "assessor_id": ids["preceptor"]})
        answer.update(status=response.status_code, type=response.headers["Content-Type"], body=response.get_json())

    one = threading.Thread(target=first)
    one.start()
    assert inserted.wait(timeout=20)
    two = threading.Thread(target=second)
    two.start()
    wait_until(lambda: waiting_on_a_lock(pg_app), 10, "the second request to wait on the unique index")
    hold.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert answer["status"] == 409, answer
    assert answer["type"] == "application/problem+json"
    assert answer["body"]["rule"] == "request_pending"
    assert "already have a request" in answer["body"]["detail"]
    assert _count(pg_app, SignOffRequest, practitioner_id=ids["practitioner"], capability_uuid=ids["capability"]) == 1



def test_two_identical_signoff_requests_at_the_same_instant_make_one_and_never_a_500(pg_app):
    from competency.signoff.models import SignOffRequest

    ids = _seed(pg_app)

    def ask():
        response = pg_app.test_client().post(
            "/api/v1/signoff-requests", headers={"Authorization": f"Bearer {ids['token']}"},
            json={"capability_id": ids["capability"], "evidence_ids": [ids["evidence"]],
                  "assessor_id": ids["preceptor"]})
        return response.status_code

    for _ in range(5):
        statuses = sorted(_at_once(ask, ask))
        assert statuses[0] == 201 and statuses[1] in (409, 422), statuses
        with pg_app.app_context():
            pending = db.session.scalars(sa.select(SignOffRequest).filter_by(
                practitioner_id=ids["practitioner"], capability_uuid=ids["capability"], state="pending")).all()
            assert len(pending) == 1
            db.session.delete(pending[0])  # ready for the next round
            db.session.commit()
            db.session.remove()


def test_a_double_submitted_evidence_form_makes_one_item(pg_app):
    from competency.evidence.models import Evidence

    ids = _seed(pg_app)
    for round_number in range(3):
        first, second = (signed_in_client(pg_app, ids["email"]) for _ in range(2))
        page = first.get("/evidence/new").get_data(as_text=True)
        once = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page).group(1)
        title = f"Double-clicked reflection {round_number}"

        def submit(client):
            form_page = client.get("/evidence/new").get_data(as_text=True)
            return client.post("/evidence/new", data={
                "csrf_token": csrf_token_from(form_page), "submission_token": once, "kind": "reflection",
                "title": title, "occurred_on": "2026-10-27", "text": "Both clicks arrived.",
                "capabilities": [ids["registered_cap"]]})

        responses = _at_once(lambda: submit(first), lambda: submit(second))
        assert [r.status_code for r in responses] == [302, 302]
        assert responses[0].headers["Location"] == responses[1].headers["Location"]
        assert _count(pg_app, Evidence, owner_id=ids["practitioner"], title=title) == 1


def test_a_double_submitted_share_form_makes_one_link_and_shows_it_to_both(pg_app):
    from competency.passport.models import ShareLink

    ids = _seed(pg_app)
    first, second = (signed_in_client(pg_app, ids["email"]) for _ in range(2))
    page = first.get("/passport/shares/new").get_data(as_text=True)
    once = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page).group(1)

    def submit(client):
        form_page = client.get("/passport/shares/new").get_data(as_text=True)
        return client.post("/passport/shares", data={
            "csrf_token": csrf_token_from(form_page), "submission_token": once,
            "credential_ids": [str(ids["credential"])],
            "expires_on": (date.today() + timedelta(days=30)).isoformat(), "note": "For my new employer"})

    responses = _at_once(lambda: submit(first), lambda: submit(second))
    assert [r.status_code for r in responses] == [200, 200]
    urls = [r.get_data(as_text=True).split('id="share-url">', 1)[1].split("<", 1)[0] for r in responses]
    assert urls[0] == urls[1]
    assert _count(pg_app, ShareLink, holder_id=ids["practitioner"]) == 1
    shared = pg_app.test_client().get(urls[0].replace(pg_app.config["BASE_URL"], ""))
    assert shared.status_code == 200
