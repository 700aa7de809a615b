"""The ordered list of demo seeding steps, each ``module:function(ctx)`` and idempotent."""
from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

SEED_STEPS = [
    "competency.demo.accounts:seed_accounts",
    "competency.frameworks.demo:seed_frameworks",
    "competency.demo.platform:seed_platform_roles",
    "competency.demo.evidence:seed_evidence",
    "competency.demo.programmes:seed_programmes",
    "competency.demo.passport:seed_passport",
    "competency.demo.progression:seed_progression",
    "competency.demo.waiting:seed_waiting",
    "competency.demo.workforce:seed_workforce",
    "competency.demo.reminders:seed_reminders",
    "competency.demo.insight:seed_insight",
    "competency.demo.reports:seed_report_figures",
    "competency.demo.insight:seed_synthetic_services",
]


def run_steps(ctx, steps: Sequence[str] = SEED_STEPS):
    """Run ``steps`` in order in the caller's transaction, flushing after each; returns ``ctx``."""
    from competency.extensions import db

    for spec in steps:
        module_name, attr = spec.split(":")
        getattr(import_module(module_name), attr)(ctx)
        db.session.flush()
    return ctx
