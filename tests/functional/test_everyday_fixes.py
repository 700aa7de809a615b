"""The smaller everyday fixes of #15.11, each as the person concerned would notice it."""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.evidence_support import log_evidence, signoff_world, switch_user
from competency.accounts.models import Role
from tests.factories import MembershipFactory, make_person


def headings(html: str) -> list[int]:
    main = html[html.index('id="maincontent"'):html.index("</main>")]
    return [int(level) for level in re.findall(r"<h([1-6])\b", main)]


def test_the_evidence_page_headings_go_down_one_level_at_a_time(db, login, client):
    """Before: h1 then the reflection's h3s (axe heading-order)."""
    world = signoff_world()
    evidence = log_evidence(world.practitioner, what_happened="A visit.", so_what="Risk matters.", now_what="Ask.")
    db.session.commit()
    login(world.practitioner)
    levels = headings(client.get(f"/evidence/{evidence.id}").get_data(as_text=True))
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:])), levels


def test_the_apprentices_review_reminder_opens_for_the_apprentice(db, login, client):
    """Before: the link was /progression/reviews/N, which only managers may open (403)."""
    from competency.progression import apprenticeships
    from competency.reminders import notices, planning
    from competency.reminders.models import Notification
    from tests.unit.frameworks_helpers import import_shipped
    from tests.unit.progression.scenario import ota_world, ready_for_apprenticeship
    from tests.unit.progression.test_scenario import TODAY

    import_shipped(publish=True)
    world = ota_world(TODAY)
    ready_for_apprenticeship(world, TODAY)
    apprenticeship = apprenticeships.start_apprenticeship(
        world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
        start_on=TODAY, planned_end_on=TODAY + timedelta(days=4 * 365), planned_otj_hours=1200,
        by=world.lead, today=TODAY)
    first = min(apprenticeship.reviews, key=lambda review: review.due_on)
    planning.plan(first.due_on - timedelta(days=3))
    notices.deliver_planned()
    db.session.commit()
    links = dict(db.session.execute(sa.select(Notification.user_id, Notification.link)
                                    .where(Notification.kind == "progress_review")).all())
    login(world.ota)
    assert client.get(links[world.ota.id]).status_code == 200
    assert links[world.ota.id].endswith("#reviews")
    switch_user(client, world.lead)
    assert client.get(links[world.lead.id]).status_code == 200


def test_a_supervision_gap_is_never_shown_as_on_track(db, login, client):
    """Before: "Overdue since ..." in the supervision column beside "On track"."""
    import time_machine

    from competency.preceptorship import logs
    from tests.programmes_support import enrol_on, make_team

    team = make_team()
    enrolment = enrol_on(team, start_on=date(2027, 1, 4))
    logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.preceptor,
                            on=date(2027, 1, 8))
    db.session.commit()
    assert enrolment.next_supervision_due_on is not None
    with time_machine.travel(enrolment.next_supervision_due_on + timedelta(days=3), tick=False):
        login(team.lead)
        page = client.get("/programmes/cohort").get_data(as_text=True)
    row = page[page.index("Sam Preceptee"):]
    row = row[:row.index("</tr>")]
    assert "Overdue since" in row and "On track" not in row and "Overdue</strong>" in row


@pytest.fixture
def brought(db):
    """Sam's two sign-offs issued by a previous employer, brought to the council where Priya leads."""
    from competency.demo.passport import _harbourside_credentials
    from competency.passport import resolver, sharing
    from competency.passport.models import ImportSource, PassportCredential
    from competency.passport.recognition import bring_passport

    resolver.clear_caches()
    world = signoff_world()
    previous = world.other
    MembershipFactory(user=world.practitioner, organisation=previous, role=Role.practitioner)
    _harbourside_credentials(SimpleNamespace(users={"ota@demo.test": world.practitioner},
                                             orgs={"harbourside-care": previous}))
    credentials = db.session.scalars(sa.select(PassportCredential).filter_by(
        holder_id=world.practitioner.id, issuer_organisation_id=previous.id)).all()
    assert len(credentials) == 2
    world.record = bring_passport(world.practitioner, world.org, sharing.bundle(list(credentials)),
                                  source=ImportSource.upload)
    db.session.commit()
    return world


def test_leads_are_told_when_someone_brings_a_passport(brought, login, client):
    """Before: nothing told the lead; they found it only under 'Passports brought to your organisation'."""
    from competency.reminders.models import Notification

    notes = db.session.scalars(sa.select(Notification).filter_by(kind="passport.imported")).all()
    assert {note.user_id for note in notes} == {brought.lead.id}
    (note,) = notes
    assert note.title == f"Sam Preceptee brought a passport to {brought.org.name}"
    assert "2 valid credentials are waiting" in note.body
    login(brought.lead)
    assert client.get(note.link).status_code == 200


def test_a_lead_recognises_all_valid_credentials_in_one_go_and_the_history_is_right(brought, login, browser,
                                                                                    client):
    """Before: one click per credential; and the history said "Recognised on <signing date> by <assessor>"."""
    from competency.passport.models import ImportDecision
    from competency.signoff.models import SignOff, SignOffSource

    login(brought.lead)
    detail = f"/passport/imports/{brought.record.id}"
    assert "Recognise all 2 valid credentials" in client.get(detail).get_data(as_text=True)
    response = browser.submit(detail, {}, post_url=f"{detail}/recognise-all", follow_redirects=True)
    assert "2 credentials are now recognised for Sam Preceptee." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {item.decision for item in brought.record.items} == {ImportDecision.accepted}
    recognised = db.session.scalars(sa.select(SignOff).filter_by(source=SignOffSource.recognised)).all()
    assert len(recognised) == 2

    switch_user(client, brought.practitioner)
    history = client.get(f"/progress/capabilities/{recognised[0].capability_uuid}").get_data(as_text=True)
    signed = recognised[0].signed_at
    assert f"Signed off on {signed.day} {signed:%B %Y}" in history and "by Grace Mensah at " in history
    assert f"Recognised at {brought.org.name} on " in history and "by Priya Lead" in history


def test_recognising_all_leaves_one_that_fails_its_recheck_waiting_with_the_reason(brought, login, browser):
    from competency.passport.models import ImportDecision, PassportCredential

    first, second = brought.record.items
    tampered = dict(second.document, name="Edited after signing")
    second.document = tampered
    db.session.commit()
    login(brought.lead)
    detail = f"/passport/imports/{brought.record.id}"
    response = browser.submit(detail, {}, post_url=f"{detail}/recognise-all", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 credential is now recognised" in page and "no longer valid" in page
    db.session.expire_all()
    assert first.decision == ImportDecision.accepted and second.decision != ImportDecision.accepted
    assert PassportCredential  # the holder's passport is untouched by the refusal


def test_employment_shows_the_level_by_name(db, login, client):
    """Before: "senior support" (the code with spaces)."""
    world = signoff_world()
    admin = make_person("admin", world.org)
    person = make_person("practitioner", world.org, level_code="senior_support")
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/organisations/{world.org.id}/people/{person.id}").get_data(as_text=True)
    assert "Senior support worker" in page and ">senior support<" not in page
