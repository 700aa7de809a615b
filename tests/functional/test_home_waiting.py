"""The home page tells each person what is waiting on them, oldest first, each one click from acting."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from competency.accounts.models import Employment
from competency.db import utcnow
from competency.extensions import db
from competency.frameworks.models import VersionStatus
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    ImportDecision,
    ImportItem,
    ImportSource,
    Outcome as CheckOutcome,
)
from competency.preceptorship.queries import today
from competency.signoff import conversation, services
from competency.signoff.models import Outcome
from tests.evidence_support import capability, log_evidence, make_framework, signoff_world, switch_user
from tests.factories import OrganisationFactory, make_person


def home_text(client) -> str:
    page = client.get("/").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
def world(db):
    return signoff_world()


def test_the_practitioner_sees_a_returned_request_with_its_feedback(world, client):
    evidence = log_evidence(world.practitioner, [world.registered_cap])
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor,
                                       at=utcnow() - timedelta(days=4))
    services.decide(request, world.preceptor, Outcome.return_, "Add a direct observation.",
                    at=utcnow() - timedelta(days=3))
    db.session.commit()
    switch_user(client, world.practitioner)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/review/requests/{request.id}#conversation"' in page
    text = home_text(client)
    assert "PP-5-01 returned by Tom Preceptor: reply or send it again" in text
    assert "Add a direct observation." in text and "Returned 3 days ago." in text
    # Once sent again, it is no longer waiting on the practitioner.
    services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor,
                             message="Observation added.")
    db.session.commit()
    assert "returned by" not in home_text(client)


def test_the_reviewer_sees_requests_waiting_with_their_age_and_replies(world, client):
    first = log_evidence(world.practitioner, [world.registered_cap])
    old = services.request_signoff(world.practitioner, world.registered_cap, [first], world.preceptor,
                                   at=utcnow() - timedelta(days=9))
    peer_evidence = log_evidence(world.peer, [world.support_cap])
    services.request_signoff(world.peer, world.support_cap, [peer_evidence], world.preceptor,
                             at=utcnow() - timedelta(days=2))
    conversation.post_message(old, world.practitioner, "The observation is attached now.")
    db.session.commit()
    switch_user(client, world.preceptor)
    text = home_text(client)
    assert "Sam Preceptee: PP-5-01 Waiting 9 days." in text
    assert "Leads are told after 21 days." in text
    assert text.index("Sam Preceptee: PP-5-01") < text.index(f"{world.peer.display_name}: PP-1-01")  # oldest first
    assert "Sam Preceptee replied about PP-5-01" in text and "The observation is attached now." in text
    # The practitioner is not told about their own message.
    switch_user(client, world.practitioner)
    assert "wrote about" not in home_text(client)


def test_a_reviewers_message_waits_on_the_practitioner(world, client):
    evidence = log_evidence(world.practitioner, [world.registered_cap])
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor)
    conversation.post_message(request, world.preceptor, "Which guideline did you use?")
    db.session.commit()
    switch_user(client, world.practitioner)
    assert "Tom Preceptor wrote about PP-5-01 Which guideline did you use?" in home_text(client)
    conversation.post_message(request, world.practitioner, "NICE NG249.")
    db.session.commit()
    assert "wrote about" not in home_text(client)


def test_reviews_due_and_supervision_gaps_for_preceptee_and_preceptor(client, db):
    from tests.programmes_support import enrol_on, make_team

    on = today()
    team = make_team(employment_start=on - timedelta(days=90))
    enrol_on(team, start_on=on - timedelta(days=78), on=on)  # the 3-month review (day 91) is due in 13 days
    db.session.commit()
    for person, whose in ((team.practitioner, "your"), (team.preceptor, "Sam Preceptee's")):
        switch_user(client, person)
        text = home_text(client)
        assert f"Sign {whose} 3-month review" in text and "due in 13 days" in text, text
        assert "Supervision with" in text and "is overdue" in text
    switch_user(client, team.lead)
    text = home_text(client)
    assert "Sign Sam Preceptee's learning agreement" in text  # the lead signs the learning agreement
    assert "programme you lead has supervision overdue" in text


def test_leads_and_admins_see_passports_to_recognise_and_people_not_enrolled(world, client):
    on = today()
    newcomer = make_person("practitioner", world.org, employed=False, display_name="Nia Newcomer",
                           registration_body="HCPC", registration_number="OT55555",
                           registered_on=on - timedelta(days=100))
    db.session.add(Employment(user=newcomer, organisation=world.org, role_title="Occupational Therapist",
                              level_code="registered", start_on=on - timedelta(days=70)))
    record = CredentialImport(holder_id=world.practitioner.id, organisation_id=world.org.id,
                              source=ImportSource.upload, created_at=utcnow() - timedelta(days=2))
    record.items = [ImportItem(position=i, kind=CredentialKind.signoff, name=f"Credential {i}",
                               outcome=CheckOutcome.valid, decision=ImportDecision.pending) for i in range(2)]
    db.session.add(record)
    admin = make_person("admin", world.org)
    elsewhere = make_person("lead", OrganisationFactory())
    db.session.commit()
    for person in (world.lead, admin):
        switch_user(client, person)
        text = home_text(client)
        assert "Sam Preceptee brought a passport to Downshire test council 2 credentials waiting to be recognised" \
            in text
        assert client.get("/").get_data(as_text=True).count(f'href="/passport/imports/{record.id}"') == 1
    switch_user(client, world.lead)
    text = home_text(client)
    assert "Nia Newcomer is not on a preceptorship programme at Downshire test council" in text
    assert "70 days ago: past the 60 days" in text
    switch_user(client, elsewhere)
    text = home_text(client)
    assert "Nia Newcomer" not in text and "brought a passport" not in text


def test_editors_see_drafts_waiting(client, db):
    make_framework(status=VersionStatus.draft, version_number="2.0.0", slug="draft-framework")
    editor = make_person("framework_editor", OrganisationFactory(), employed=False)
    db.session.commit()
    switch_user(client, editor)
    assert "Framework draft-framework 2.0.0 is a draft waiting for review" in home_text(client)
    assert 'href="/frameworks/draft-framework/versions/2.0.0/review"' in client.get("/").get_data(as_text=True)


def test_analysts_see_suppressed_counts_for_their_region_and_no_names(world, client):
    on = today()
    for n in range(3):
        person = make_person("practitioner", world.org, employed=False, display_name=f"Late Starter {n}",
                             registration_body="HCPC", registration_number=f"OT6000{n}",
                             registered_on=on - timedelta(days=100))
        db.session.add(Employment(user=person, organisation=world.org, role_title="OT", level_code="registered",
                                  start_on=on - timedelta(days=80)))
    evidence = log_evidence(world.practitioner, [world.registered_cap])
    services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor,
                             at=utcnow() - timedelta(days=30))
    analyst = make_person("analyst", OrganisationFactory(region=world.org.region), employed=False)
    db.session.commit()
    switch_user(client, analyst)
    text = home_text(client)
    assert "Downshire test council: <5 newly registered not enrolled within 60 days of starting" in text
    assert "Downshire test council: <5 sign-off request waiting over 21 days" in text
    assert "Late Starter" not in text and "Sam Preceptee" not in text


class TestFirstRun:
    def test_a_new_account_is_asked_for_profession_registration_post_and_preceptor(self, client, db):
        person = make_person("practitioner", OrganisationFactory(), employed=False, profession=None,
                             display_name="Brand New")
        db.session.commit()
        switch_user(client, person)
        text = home_text(client)
        assert "Get your account ready" in text and "You have done 0 of 3." in text
        assert "Add your profession" in text and "Have your post recorded" in text
        assert 'href="/profile"' in client.get("/").get_data(as_text=True)

    def test_a_newly_registered_post_adds_registration_and_preceptor(self, client, db):
        on = today()
        org = OrganisationFactory()
        person = make_person("practitioner", org, employed=False, display_name="Rae Registered")
        db.session.add(Employment(user=person, organisation=org, role_title="OT", level_code="registered",
                                  start_on=on - timedelta(days=10)))
        db.session.commit()
        switch_user(client, person)
        text = home_text(client)
        assert "You have done 2 of 4." in text
        assert "Add your professional registration" in text and "Have a named preceptor" in text
        assert "Waiting for your organisation" in text

    def test_the_checklist_goes_once_everything_is_done(self, world, client):
        switch_user(client, world.preceptor)
        assert "Get your account ready" not in home_text(client)
        assert "Nothing needs you right now." in home_text(client)


def test_nothing_waits_on_someone_elses_requests(world, client):
    evidence = log_evidence(world.practitioner, [capability(world.version, "registered")])
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor)
    services.decide(request, world.preceptor, Outcome.return_, "Private feedback")
    db.session.commit()
    for outsider in (world.peer, world.foreign_preceptor):
        switch_user(client, outsider)
        assert "Private feedback" not in home_text(client)
