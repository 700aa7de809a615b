"""Issue 16.7 "Must show": the demo organisation dashboard counts the demo apprentice as an apprentice, and shows
support workers in AHP services and people signed off above their post level (page and CSV)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Organisation
from competency.accounts.services import find_user_by_email
from competency.demo.commands import run_seed
from competency.extensions import db


def fact(html: str, label: str) -> int:
    match = re.search(rf"<dt[^>]*>\s*{re.escape(label)}\s*</dt>\s*<dd[^>]*>\s*(\d+)\s*</dd>", html)
    assert match, f"no fact {label!r} on the page"
    return int(match.group(1))


def test_the_demo_dashboard_answers_the_reviews_questions(client, db, login):
    from competency.passport import resolver
    from competency.reporting import queries

    resolver.clear_caches()
    run_seed()
    council = db.session.scalar(sa.select(Organisation).filter_by(slug="downshire-cc"))
    login(find_user_by_email("lead@demo.test"))
    html = client.get(f"/reports/organisation?organisation={council.id}").get_data(as_text=True)

    # Casey Brooks keeps an OT assistant post while on the apprenticeship: counted as an apprentice.
    casey = find_user_by_email("apprentice@demo.test")
    levels = {level for org, level, _, n in queries.workforce([council.id], date.today()) if n}
    assert "pre_registration" in levels
    on_apprenticeship = queries.pipeline_milestones([council.id])[council.id]["apprenticeship"]
    assert on_apprenticeship >= 1
    assert fact(html, "Pre-registration learners and apprentices") >= on_apprenticeship
    assert any(job.level_code == "senior_support" for job in casey.employments)

    # Support workers in AHP services, and people working at the top of their grade (Riley, at least).
    assert fact(html, "Support workforce in AHP services") >= 1
    assert fact(html, "People signed off above their post level") >= 1
    response = client.get(f"/reports/organisation/insight-above-level.csv?organisation={council.id}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Organisation" and rows[-1][0] == "Total" and int(rows[-1][-1]) >= 1
    assert "Support worker" in rows[0]  # Riley, a support worker, signed off at senior support level
