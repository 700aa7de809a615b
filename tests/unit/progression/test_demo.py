"""The demo seed: a partly met OTA checklist and an apprentice slightly behind, safe to run twice."""
from __future__ import annotations

import sqlalchemy as sa

from competency.demo.context import DemoContext
from competency.demo.steps import run_steps
from competency.progression import queries
from competency.progression.models import OffTheJobEntry, ProgressionRecord
from competency.reminders.planning import local_today

STEPS = ["competency.demo.accounts:seed_accounts", "competency.frameworks.demo:seed_frameworks",
         "competency.demo.evidence:seed_evidence", "competency.demo.progression:seed_progression"]


def seed() -> DemoContext:
    return run_steps(DemoContext(password="correct-horse-battery"), STEPS)


def test_demo_progression_is_realistic_and_idempotent(db):
    ctx = seed()
    records = db.session.scalars(sa.select(ProgressionRecord)).all()
    progress = {p.record.user.email: p for p in queries.progress_for(records, local_today())}
    assert set(progress) == {"ota@demo.test", "apprentice@demo.test", "support.worker@demo.test"}
    assert all(p.record.organisation.slug == "downshire-cc" for p in progress.values())

    ota = progress["ota@demo.test"].readiness
    assert not ota.is_ready_for_panel and 0 < ota.met_count < ota.total
    assert ota.result("months_in_post").is_met
    assert {"sponsorship", "hours_worked", "mentor_named"} <= {r.code for r in ota.results if r.is_met}
    capabilities = ota.result("ota_capabilities")
    assert 0 < capabilities.done < capabilities.needed  # some signed off by the evidence step

    apprentice = progress["apprentice@demo.test"]
    assert apprentice.stage.code == "degree_apprentice" and apprentice.readiness is None
    assert apprentice.otj.is_behind and apprentice.otj.hours_behind < 60
    assert apprentice.otj.catch_up_per_week > apprentice.otj.plan_per_week
    assert len(apprentice.apprenticeship.reviews) >= 4

    entries = db.session.scalar(sa.select(sa.func.count(OffTheJobEntry.id)))
    seed()
    assert db.session.scalar(sa.select(sa.func.count(ProgressionRecord.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(OffTheJobEntry.id))) == entries
    assert any("apprentice@demo.test" in email for email, _ in ctx.accounts)
