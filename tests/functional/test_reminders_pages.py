"""The notifications page, its unread count in the header, the settings form and the operator commands."""
from __future__ import annotations

import sqlalchemy as sa

from competency.reminders.models import Notification, OutboxEmail, OutboxStatus
from competency.reminders.outbox import notify
from tests.factories import OrganisationFactory, make_person
from tests.unit.reminders_helpers import at, signoff_request


def test_the_header_counts_unread_notifications_until_they_are_read(db, client, login, browser):
    user = login(make_person("practitioner"))
    for number in range(3):
        notify(user, kind="milestone", title=f"Review {number} is due", link="/notifications")
    db.session.commit()

    page = client.get("/notifications").get_data(as_text=True)
    assert ">3<span class=\"nhsuk-u-visually-hidden\"> unread</span>" in page
    assert "Review 2 is due" in page and "Milestone" in page

    assert browser.post("/notifications/read").status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert "unread</span>" not in page and "no unread notifications" in page


def test_the_notifications_page_runs_the_same_number_of_queries_for_3_or_30(db, client, login, count_queries):
    user = login(make_person("practitioner"))

    def queries_with(total: int) -> int:
        while db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                .filter_by(user_id=user.id)) < total:
            notify(user, kind="milestone", title="Review due")
        db.session.commit()
        with count_queries() as statements:
            assert client.get("/notifications").status_code == 200
        return len(statements)

    assert queries_with(3) == queries_with(30)


def test_settings_form_saves_digest_and_muted_kinds(db, client, login, browser):
    user = login(make_person("practitioner"))

    response = browser.submit("/notifications/preferences",
                              {"email_mode": "digest", "muted": ["milestone", "share_expiring"]})

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.preferences == {"email": "digest", "muted": ["milestone", "share_expiring"]}
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="digest" checked' in page
    assert "Escalations to leads cannot be muted" in page


def test_muting_escalations_is_refused_with_a_message(db, client, login, browser):
    login(make_person("lead"))

    response = browser.submit("/notifications/preferences", {"email_mode": "immediate", "muted": ["escalation"]})

    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_operator_commands_plan_send_and_report(db, app):
    org = OrganisationFactory()
    practitioner, assessor = make_person("practitioner", org), make_person("preceptor", org)
    signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))
    db.session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["reminders", "plan", "--on", "2026-03-09", "--dry-run"])
    assert dry.exit_code == 0 and "Would plan 1 new reminder(s) for 2026-03-09" in dry.output
    assert "signoff_waiting" in dry.output

    first = runner.invoke(args=["reminders", "plan", "--on", "2026-03-09"])
    again = runner.invoke(args=["reminders", "plan", "--on", "2026-03-09"])
    assert "Planned 1 new reminder(s)" in first.output and "Planned 0 new reminder(s)" in again.output

    status = runner.invoke(args=["reminders", "status"])
    assert "queued   1" in status.output and "oldest queued:" in status.output

    sent = runner.invoke(args=["reminders", "send"])
    assert sent.exit_code == 0 and "Sent 1 e-mail(s)" in sent.output
    assert db.session.scalar(sa.select(OutboxEmail.status).filter_by(user_id=assessor.id)) == OutboxStatus.sent

    bad = runner.invoke(args=["reminders", "plan", "--on", "9 March"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_plan_defaults_to_today_in_the_uk(db, app):
    import time_machine

    with time_machine.travel(at(2026, 3, 9, hour=23), tick=False):  # 23:00 UTC = 23:00 GMT, still the 9th
        result = app.test_cli_runner().invoke(args=["reminders", "plan", "--dry-run"])
    assert "for 2026-03-09" in result.output
    with time_machine.travel(at(2026, 7, 9, hour=23), tick=False):  # 23:00 UTC = 00:00 BST on the 10th
        result = app.test_cli_runner().invoke(args=["reminders", "plan", "--dry-run"])
    assert "for 2026-07-10" in result.output
