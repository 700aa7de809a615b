"""Workforce insight the review asked for (issue 16.7): where support workers work, who works at the top
of their grade, and newly registered starters left without a preceptorship.

Three measures, each one grouped SQL statement over a set of organisations, shown
exactly on the organisation dashboard and with small-number suppression (``<5``,
rounding to 5, secondary suppression) in the system view and its CSV:

* **Support workforce by service**: people in post at support worker to assistant
  practitioner level, by whether their service is an allied health professions
  service (``Employment.is_ahp_service``), another service, or not recorded.
* **Signed off above post level**: people with a standing sign-off (local or
  recognised) at a level of practice above the level of their current post there.
* **Starters and the 60-day rule**: newly registered starters with no preceptorship
  60 days after starting (today), and programmes of the last year that started more
  than 60 days after the employment did.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

import sqlalchemy as sa

from competency.accounts.models import Employment, User
from competency.extensions import db
from competency.reporting.charts import Series, stacked_bar_chart
from competency.reporting.queries import LEVELS, SUPPORT_LEVELS
from competency.reporting.sql import days_between_dates
from competency.reporting.tables import ReportTable, Section

SERVICE_COLUMNS = [("ahp", "In an AHP service"), ("other", "In another service"),
                   ("not_recorded", "Service not recorded")]
STARTER_COLUMNS = [("not_enrolled", "Not enrolled 60 days after starting"),
                   ("late", "Programme started more than 60 days after the post (last 12 months)")]
LEVEL_POSITION = {code: position for position, (code, _) in enumerate(LEVELS, start=1)}
LATE_DAYS = 60


def _ids(org_ids: Collection[int]) -> list[int]:
    return list(org_ids) or [-1]


def _current(on: date):
    return sa.and_(Employment.start_on <= on, sa.or_(Employment.end_on.is_(None), Employment.end_on >= on),
                   User.is_active_account.is_(True))


def level_position(column):
    """A level code's place in the shared order (support worker 1 ... consultant 8), in SQL."""
    return sa.case(LEVEL_POSITION, value=column, else_=0)


# --- queries ----------------------------------------------------------------------------------

def support_by_service(org_ids: Collection[int], on: date) -> dict[int, dict[str, int]]:
    """{organisation: {ahp | other | not_recorded: people}} for the support workforce in post on ``on``."""
    flag = sa.case((Employment.is_ahp_service.is_(True), "ahp"), (Employment.is_ahp_service.is_(False), "other"),
                   else_="not_recorded").label("flag")
    rows = db.session.execute(
        sa.select(Employment.organisation_id, flag, sa.func.count(sa.distinct(Employment.user_id)))
        .join(User, User.id == Employment.user_id)
        .where(Employment.organisation_id.in_(_ids(org_ids)), Employment.level_code.in_(SUPPORT_LEVELS), _current(on))
        .group_by(Employment.organisation_id, flag))
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, key, n in rows:
        out[org_id][key] += n
    return out


def above_post_level(org_ids: Collection[int], on: date) -> dict[int, dict[str, int]]:
    """{organisation: {post level code: people}} signed off at a level above their current post there."""
    from competency.signoff.models import SignOff
    from competency.signoff.queries import not_revoked

    above = sa.exists().where(SignOff.practitioner_id == Employment.user_id, not_revoked(),
                              level_position(SignOff.level_code) > level_position(Employment.level_code))
    rows = db.session.execute(
        sa.select(Employment.organisation_id, Employment.level_code, sa.func.count(sa.distinct(Employment.user_id)))
        .join(User, User.id == Employment.user_id)
        .where(Employment.organisation_id.in_(_ids(org_ids)), _current(on), above)
        .group_by(Employment.organisation_id, Employment.level_code))
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, level, n in rows:
        out[org_id][level] += n
    return out


def starters_and_late_starts(org_ids: Collection[int], on: date) -> dict[int, dict[str, int]]:
    """{organisation: {not_enrolled: people, late: programmes}} (two grouped statements)."""
    from competency.preceptorship.models import Enrolment
    from competency.preceptorship.starters import not_enrolled_within_60_days

    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    starters = not_enrolled_within_60_days(on, org_ids).subquery()
    for org_id, n in db.session.execute(sa.select(starters.c.organisation_id, sa.func.count(sa.distinct(
            starters.c.user_id))).group_by(starters.c.organisation_id)):
        out[org_id]["not_enrolled"] += n
    late = (sa.select(Enrolment.organisation_id, sa.func.count())
            .where(Enrolment.organisation_id.in_(_ids(org_ids)), Enrolment.employment_start_on.is_not(None),
                   Enrolment.start_on > on - timedelta(days=365), Enrolment.start_on <= on,
                   days_between_dates(Enrolment.start_on, Enrolment.employment_start_on) > LATE_DAYS)
            .group_by(Enrolment.organisation_id))
    for org_id, n in db.session.execute(late):
        out[org_id]["late"] += n
    return out


# --- the organisation dashboard (exact figures) -----------------------------------------------

def _level_label(code: str) -> str:
    return dict(LEVELS).get(code, code.replace("_", " ").capitalize())


def dashboard_section(scope) -> Section:
    services = support_by_service(scope.ids, scope.on)
    above = above_post_level(scope.ids, scope.on)
    starters = starters_and_late_starts(scope.ids, scope.on)
    service_rows = [[o.name, *(services[o.id][k] for k, _ in SERVICE_COLUMNS), sum(services[o.id].values())]
                    for o in scope.orgs]
    service_totals = [sum(services[o.id][k] for o in scope.orgs) for k, _ in SERVICE_COLUMNS]
    levels = [code for code, _ in LEVELS if any(above[o.id].get(code) for o in scope.orgs)]
    above_rows = [[o.name, *(above[o.id].get(lv, 0) for lv in levels), sum(above[o.id].values())]
                  for o in scope.orgs]
    above_total = sum(sum(above[o.id].values()) for o in scope.orgs)
    starter_rows = [[o.name, *(starters[o.id][k] for k, _ in STARTER_COLUMNS)] for o in scope.orgs]
    tables = [
        ReportTable("insight-ahp-services", "Support workforce (support worker to assistant practitioner) by service",
                    ["Organisation", *(label for _, label in SERVICE_COLUMNS), "Total"], service_rows,
                    ["Total", *service_totals, sum(service_totals)]),
        ReportTable("insight-above-level", "People signed off above the level of their post, by post level",
                    ["Organisation", *(_level_label(lv) for lv in levels), "Total"], above_rows,
                    ["Total", *(sum(above[o.id].get(lv, 0) for o in scope.orgs) for lv in levels), above_total]),
        ReportTable("insight-starters", "Newly registered starters and the 60-day rule",
                    ["Organisation", *(label for _, label in STARTER_COLUMNS)], starter_rows,
                    ["Total", *(sum(starters[o.id][k] for o in scope.orgs) for k, _ in STARTER_COLUMNS)]),
    ]
    chart = stacked_bar_chart(
        "insight-services", "Support workforce by service",
        "Stacked bar chart of support workers, OT assistants and assistant practitioners at each organisation in "
        "an allied health professions service, another service, or a service not recorded. The same figures are "
        "in the first table below.",
        [o.name for o in scope.orgs],
        [Series(label, [services[o.id][k] for o in scope.orgs]) for k, label in SERVICE_COLUMNS])
    facts = [("Support workforce in AHP services", str(service_totals[0])),
             ("People signed off above their post level", str(above_total)),
             ("Newly registered starters not enrolled after 60 days",
              str(sum(starters[o.id]["not_enrolled"] for o in scope.orgs)))]
    return Section("insight", "Workforce insight",
                   "How the workforce is developing, not only how many: whether support workers work in allied "
                   "health professions services, who is signed off above the level of their post (working at the "
                   "top of their grade), and newly registered starters still without a preceptorship after 60 days.",
                   tables, chart, facts)


# --- the system view (suppressed) -------------------------------------------------------------

def system_section(scope) -> Section:
    from competency.reporting.system import SUPPRESSION_NOTE, _org_and_sector_tables

    services = support_by_service(scope.ids, scope.on)
    above = above_post_level(scope.ids, scope.on)
    starters = starters_and_late_starts(scope.ids, scope.on)
    support_levels = list(SUPPORT_LEVELS) + [code for code, _ in LEVELS if code not in SUPPORT_LEVELS]
    tables = _org_and_sector_tables(
        scope, "insight-ahp-services", "Support workforce by service", [label for _, label in SERVICE_COLUMNS],
        {o.id: [services[o.id][k] for k, _ in SERVICE_COLUMNS] for o in scope.orgs})
    tables += _org_and_sector_tables(
        scope, "insight-above-level", "People signed off above the level of their post",
        [_level_label(lv) for lv in support_levels],
        {o.id: [above[o.id].get(lv, 0) for lv in support_levels] for o in scope.orgs})
    tables += _org_and_sector_tables(
        scope, "insight-starters", "Newly registered starters and the 60-day rule",
        [label for _, label in STARTER_COLUMNS],
        {o.id: [starters[o.id][k] for k, _ in STARTER_COLUMNS] for o in scope.orgs})
    return Section("insight", "Workforce insight",
                   f"Where support workers work, who works above the level of their post, and starters without a "
                   f"preceptorship after 60 days, across the region. {SUPPRESSION_NOTE}", tables)
