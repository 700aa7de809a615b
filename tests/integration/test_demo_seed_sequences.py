"""After ``flask demo seed`` on PostgreSQL every id sequence is past its table's highest id.

The report figures step writes rows with ids it chose itself; if a sequence stayed behind,
the next evidence item (or sign-off, or anything else) anyone created would collide with
an existing primary key.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.integration.fault_support import FreshDatabase, app_on, dispose

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    database = FreshDatabase()
    app = app_on(database.url, tmp_path_factory.mktemp("seeded"), DEMO_PASSWORD="correct-horse-battery")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    yield app
    dispose(app)
    database.drop()


def test_every_sequence_is_past_its_tables_highest_id_after_the_demo_seed(seeded):
    from competency.bench.writer import tables_with_serial_ids

    behind = {}
    with seeded.app_context():
        names = tables_with_serial_ids()
        assert len(names) > 40
        for name in names:
            sequence = db.session.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{name}"'})
            highest = db.session.scalar(sa.text(f'SELECT max(id) FROM "{name}"')) or 0
            last, called = db.session.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
            next_id = last + 1 if called else last
            if next_id <= highest:
                behind[name] = (highest, next_id)
        db.session.remove()
    assert not behind, f"sequences behind their tables (max id, next id): {behind}"


def test_the_next_evidence_after_the_demo_seed_is_created_through_the_api(seeded):
    from competency.accounts.models import User
    from competency.accounts.services import create_api_token

    with seeded.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "preceptee@demo.test"))
        _, secret = create_api_token(user, "after the seed")
        db.session.commit()
        db.session.remove()
    response = seeded.test_client().post("/api/v1/evidence", headers={"Authorization": f"Bearer {secret}"},
                                         json={"kind": "reflection", "title": "After the demo seed",
                                               "occurred_on": "2026-11-30", "text": "A new item."})
    assert response.status_code == 201, response.get_data(as_text=True)
