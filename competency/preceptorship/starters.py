"""Newly registered starters not on a preceptorship within 60 days: one set-based query.

Enrolment raises a warning when a programme starts late, but someone never enrolled
was never checked. A *starter* is a post at the registered level, current on the
day, begun within the last year, held by someone registered no more than 12 months
before it began (newly registered). They are *not enrolled* when, 60 days after the
post began, there is no preceptorship or ASYE enrolment for them at that organisation
(active or completed; a withdrawn one does not count) and they have no completed
first-year programme here or recognised from their passport (say it once).

The daily reminder (``competency.reminders.sources.starters``) lists each one to the
organisation's leads; the reports count them (``competency.reporting.insight``).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from competency.accounts.models import Employment, User
from competency.preceptorship.models import Enrolment, EnrolmentStatus, TemplateVersion
from competency.recognition.queries import PRECEPTORSHIP_KINDS, has_completed_preceptorship_clause
from competency.reminders.sqldates import add_days

ENROL_WITHIN_DAYS = 60
NEWLY_REGISTERED_DAYS = 366
STARTER_YEAR_DAYS = 365
STARTER_LEVEL = "registered"


def enrolled_here(user_id, organisation_id):
    return sa.exists().where(
        Enrolment.practitioner_id == user_id, Enrolment.organisation_id == organisation_id,
        Enrolment.status != EnrolmentStatus.withdrawn,
        Enrolment.template_version_id.in_(sa.select(TemplateVersion.id).where(
            TemplateVersion.programme_kind.in_(PRECEPTORSHIP_KINDS))))


def newly_registered_starters(on, org_ids=None) -> sa.Select:
    """(employment_id, user_id, organisation_id, start_on) of starters in their first year on ``on``.

    ``on`` may be a date or a bound parameter (the reminder planner binds it).
    """
    query = (
        sa.select(Employment.id.label("employment_id"), Employment.user_id, Employment.organisation_id,
                  Employment.start_on)
        .join(User, User.id == Employment.user_id)
        .where(Employment.level_code == STARTER_LEVEL, Employment.start_on <= on,
               sa.or_(Employment.end_on.is_(None), Employment.end_on >= on),
               Employment.start_on > add_days(on, -STARTER_YEAR_DAYS),
               User.is_active_account.is_(True), User.registered_on.is_not(None),
               User.registered_on >= add_days(Employment.start_on, -NEWLY_REGISTERED_DAYS),
               ~has_completed_preceptorship_clause(Employment.user_id)))
    if org_ids is not None:
        query = query.where(Employment.organisation_id.in_(list(org_ids) or [-1]))
    return query


def not_enrolled_within_60_days(on, org_ids=None) -> sa.Select:
    """Starters whose 60 days have passed with no preceptorship at their employer."""
    return newly_registered_starters(on, org_ids).where(
        Employment.start_on < add_days(on, -ENROL_WITHIN_DAYS),
        ~enrolled_here(Employment.user_id, Employment.organisation_id))


def due_on(start_on: date) -> date:
    """The day the programme should have started by."""
    return start_on + timedelta(days=ENROL_WITHIN_DAYS)
