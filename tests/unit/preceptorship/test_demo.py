"""The demo programmes tell the story the README describes, and seeding twice changes nothing."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from competency.demo.accounts import seed_accounts
from competency.demo.context import DemoContext
from competency.demo.programmes import seed_programmes
from competency.extensions import db
from competency.preceptorship.models import Enrolment, ProgrammeCompletion
from competency.preceptorship.progress import progress_of
from competency.preceptorship.scheduling import MilestoneState

DEMO_TODAY = date(2026, 11, 23)


def test_the_demo_programmes(db):
    ctx = DemoContext(password="demo-password")
    seed_accounts(ctx)
    seed_programmes(ctx)
    count = db.session.scalar(sa.select(sa.func.count(Enrolment.id)))
    seed_programmes(ctx)
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == count == 5

    sam = db.session.scalar(sa.select(Enrolment).where(Enrolment.practitioner_id == ctx.users["preceptee@demo.test"].id))
    assert sam.template_version.template.slug == "ot-social-care-asye" and sam.start_on == date(2026, 9, 14)
    assert sam.preceptor.email == "preceptor@demo.test" and sam.lead.email == "lead@demo.test"
    progress = progress_of(sam, DEMO_TODAY)
    assert progress.view("learning_agreement").state == MilestoneState.done
    assert progress.view("review_3m").state == MilestoneState.due_soon
    assert len(progress.supervision.gaps) == 1 and not progress.supervision.is_overdue
    assert len(progress.checkins) == 3 and progress.unconfirmed_sessions == 1

    trust = ctx.orgs["wessex-valley-nhs"]
    states = {e.practitioner.display_name: progress_of(e, DEMO_TODAY).worst_state
              for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.organisation_id == trust.id))}
    assert states == {"Aisha Rahman": "overdue", "Ben Carter": "paused", "Chloe Evans": "on_track",
                      "Dan Price": "completed"}
    assert db.session.scalar(sa.select(ProgrammeCompletion.template_slug)) == "nursing-preceptorship-core"
