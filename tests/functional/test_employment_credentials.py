"""Issue 16.4: employment records travel in the passport. An ended post is issued by itself, a current post
on request, and each verifies on the public page like any credential."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from competency.extensions import db
from competency.passport.models import CredentialKind, PassportCredential
from tests.conftest import csrf_token_from
from tests.factories import EmploymentFactory, OrganisationFactory, make_person


def test_ended_and_current_posts_become_verifiable_employment_records(client, login, db):
    care_home = OrganisationFactory(name="Sunrise Care")
    council = OrganisationFactory(name="Downshire council")
    person = make_person("practitioner", council, employed=False)
    EmploymentFactory(user=person, organisation=care_home, role_title="Care assistant", level_code="support",
                      start_on=date(2023, 1, 2), end_on=date(2024, 6, 30))
    current = EmploymentFactory(user=person, organisation=council, role_title="OT assistant",
                                level_code="senior_support", start_on=date(2024, 7, 1), fte=0.8)
    db.session.flush()
    login(person)

    passport = client.get("/passport/").get_data(as_text=True)
    assert "Employment records and programme progress" in passport and "Care assistant at Sunrise Care" in passport
    (ended,) = db.session.scalars(sa.select(PassportCredential).where(
        PassportCredential.holder_id == person.id, PassportCredential.kind == CredentialKind.employment)).all()
    assert ended.issuer_organisation_id == care_home.id

    history = client.get("/passport/history")
    response = client.post(f"/passport/history/posts/{current.id}/statement",
                           data={"csrf_token": csrf_token_from(history.get_data(as_text=True))})
    assert response.status_code == 302
    statements = db.session.scalars(sa.select(PassportCredential).where(
        PassportCredential.holder_id == person.id, PassportCredential.kind == CredentialKind.employment)).all()
    assert len(statements) == 2
    stated = next(c for c in statements if c.issuer_organisation_id == council.id)
    assert "activityEndDate" not in stated.document["credentialSubject"]  # still held: no end date
    page = client.get(f"/verify/c/{stated.public_id}")
    assert page.status_code == 200 and "OT assistant at Downshire council" in page.get_data(as_text=True)
    # Asking again the same day changes nothing.
    client.post(f"/passport/history/posts/{current.id}/statement",
                data={"csrf_token": csrf_token_from(client.get("/passport/history").get_data(as_text=True))})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PassportCredential).where(
        PassportCredential.holder_id == person.id)) == 2
