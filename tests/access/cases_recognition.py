"""Issue 16: employment history, previous posts and their verification (16.4); the apprenticeship's planned
off-the-job schedule (16.6)."""
from __future__ import annotations

from datetime import date

from tests.access.cases_progression import MANAGE
from tests.access.matrix import Case, owner_only

# Leads where the person works now verify; the person, peers and outsiders do not know the post exists.
VERIFIERS = {role: 404 for role in ("practitioner", "peer", "preceptor", "admin", "foreign_preceptor",
                                    "foreign_lead", "foreign_admin", "analyst", "editor")}

CASES = [
    Case("passport.history", lambda w: "/passport/history"),
    Case("passport.declare_previous_post", lambda w: "/passport/history/previous", method="POST",
         data=lambda w: {"employer_name": "Sunrise Care Home", "role_title": "Care assistant",
                         "level_code": "support", "start_on": "2023-01-02", "end_on": "2024-01-01", "fte": "1"},
         default=302),
    Case("passport.remove_previous_post", lambda w: f"/passport/history/previous/{w.declared_post.id}/remove",
         method="POST", expect=owner_only(practitioner=302)),
    Case("passport.state_post", lambda w: f"/passport/history/posts/{w.practitioner_employment.id}/statement",
         method="POST", expect=owner_only(practitioner=302)),
    Case("passport.previous_posts", lambda w: "/passport/previous-posts",
         expect={role: 403 for role in ("practitioner", "peer", "preceptor", "admin", "foreign_preceptor",
                                        "foreign_admin", "analyst", "editor")}),
    Case("passport.verify_previous_post", lambda w: f"/passport/previous-posts/{w.declared_post.id}/verify",
         method="POST", data=lambda w: {"note": "Reference checked with the care home manager"},
         expect={**VERIFIERS, "lead": 302}),
    Case("progression.add_plan_block", lambda w: f"/progression/apprenticeships/{w.apprenticeship.id}/plan",
         method="POST", data=lambda w: {"plan-label": "University block",
                                        "plan-starts_on": w.apprenticeship.start_on.isoformat(),
                                        "plan-ends_on": w.apprenticeship.start_on.isoformat(), "plan-hours": "30"},
         expect=MANAGE, default=302),
    Case("progression.remove_plan_block",
         lambda w: f"/progression/apprenticeships/{w.apprenticeship.id}/plan/{w.plan_block.id}/remove",
         method="POST", expect=MANAGE, default=302),
]


def build(world) -> None:
    from competency.recognition import services

    world.declared_post = services.declare_prior_employment(
        world.practitioner, employer_name="Sunrise Care Home", role_title="Care assistant", level_code="support",
        start_on=date(2022, 1, 3), end_on=date(2022, 12, 30), today=date.today())
    world.practitioner_employment = world.practitioner.employments[0]
    if getattr(world, "apprenticeship", None) is not None:
        from competency.extensions import db
        from competency.progression.models import OtjPlanBlock

        world.plan_block = OtjPlanBlock(apprenticeship=world.apprenticeship, label="Regular off-the-job time",
                                        starts_on=world.apprenticeship.start_on,
                                        ends_on=world.apprenticeship.planned_end_on, hours=1200)
        db.session.add(world.plan_block)
        db.session.flush()
