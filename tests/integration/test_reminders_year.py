"""A whole 12-month preceptorship under a controllable clock, with the real tasks and a real SMTP server.

Every morning at 06:30 (UK time) the planning task runs, as beat would run it; the
preceptee and preceptor complete each review on its due date (the 3-month review a
week late) and record supervision when it falls due (one session three days late).
The e-mails that arrive must be exactly the template's milestones at each stage.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from competency.preceptorship import logs, reviews
from tests.programmes_support import START, enrol_on, make_team, shipped_templates
from tests.unit.reminders_helpers import Inbox

pytestmark = pytest.mark.services

LONDON = ZoneInfo("Europe/London")
LATE_REVIEW, DAYS_LATE = "review_3m", 8
LATE_SUPERVISION_AFTER_DAY, SUPERVISION_DAYS_LATE = 200, 3


@pytest.fixture
def inbox(app, monkeypatch):
    server = Inbox().start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    yield server
    server.stop()


def morning(day: date) -> datetime:
    return datetime.combine(day, time(6, 30), tzinfo=LONDON)


def complete(milestone, team, day: date) -> None:
    at = morning(day) + timedelta(hours=4)
    reviews.save_review(milestone, by=team.practitioner, at=at, reflection="Reflections on the period.")
    reviews.save_review(milestone, by=team.preceptor, at=at, preceptor_feedback="Support agreed for what comes next.")
    for person in (team.practitioner, team.preceptor, team.lead):
        if reviews.outstanding_parties(milestone):
            reviews.sign_milestone(milestone, by=person, at=at, on=day)


def expected_emails(enrolment, team) -> Counter:
    """What the template says should arrive: 14 days, 3 days and the day itself, to both people."""
    expected: Counter = Counter()
    for milestone in enrolment.milestones:
        if not milestone.is_required or milestone.is_after_completion:
            continue
        title = milestone.definition.title
        texts = [f"{title} is due in 14 days", f"{title} is due in 3 days", f"{title} is due today"]
        if milestone.code == LATE_REVIEW:
            texts += [f"{title} is overdue", f"{title} is overdue"]  # 1 and 8 days late: weeks 1 and 2
        for text in texts:
            expected[(team.practitioner.email, f"Your {text}")] += 1
            expected[(team.preceptor.email, f"Sam Preceptee's {text}")] += 1
    expected[(team.practitioner.email, "Your supervision is overdue")] += 1
    expected[(team.preceptor.email, "Sam Preceptee's supervision is overdue")] += 1
    return expected


def test_a_year_of_preceptorship_sends_each_milestone_stage_once(db, app, inbox):
    from worker.celery_app import get_celery

    tasks = get_celery().tasks
    team = make_team(shipped_templates())
    enrolment = enrol_on(team)
    db.session.commit()
    late_supervision_done = False

    day = START
    while day <= START + timedelta(days=366):
        with time_machine.travel(morning(day), tick=False):
            tasks["worker.tasks.plan_reminders"].delay()  # default: today in the UK
            if day.weekday() == 0:
                tasks["worker.tasks.send_digests"].delay()
            for milestone in enrolment.milestones:
                late = DAYS_LATE if milestone.code == LATE_REVIEW else 0
                if milestone.is_required and not milestone.is_done and milestone.due_on + timedelta(late) == day:
                    complete(milestone, team, day)
            due = enrolment.next_supervision_due_on
            if due is not None:
                skip = (day - START).days > LATE_SUPERVISION_AFTER_DAY and not late_supervision_done
                if due == day and not skip:
                    logs.record_supervision(enrolment, held_on=day, minutes=60, by=team.preceptor, on=day)
                elif skip and day == due + timedelta(days=SUPERVISION_DAYS_LATE):
                    logs.record_supervision(enrolment, held_on=day, minutes=60, by=team.preceptor, on=day)
                    late_supervision_done = True
            db.session.commit()
        day += timedelta(days=1)

    assert enrolment.status.value == "completed"
    received = Counter((message["To"], message["Subject"]) for message in inbox.messages)
    assert received == expected_emails(enrolment, team)
    assert len(set(inbox.message_ids())) == len(inbox.messages)
