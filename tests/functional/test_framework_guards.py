"""Publish and Retire through their confirmation pages with the impact shown (issue 15.4)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape

import pytest

from competency.extensions import db
from competency.frameworks import queries
from competency.frameworks import services as framework_services
from competency.frameworks.models import VersionStatus
from competency.signoff import services as signoff_services
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, OrganisationFactory, make_person
from tests.unit.frameworks_helpers import SLUG, import_shipped, next_version

MATRIX = f"/frameworks/{SLUG}"
AT = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def sign_in(client):
    def _sign_in(user):
        home = client.get("/")
        if 'action="/logout"' in home.get_data(as_text=True):
            client.post("/logout", data={"csrf_token": csrf_token_from(home.get_data(as_text=True))})
        page = client.get("/login")
        response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                               "email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return user

    return _sign_in


@pytest.fixture
def scene(db):
    """1.0.0 published; Sam holds a recognised sign-off of PP-REG-02; 1.1.0 adds a clause to PP-REG-02."""
    org = OrganisationFactory(name="Downshire test council")
    v1 = import_shipped()
    sam = make_person("practitioner", org, level_code="registered", display_name="Sam Preceptee")
    capability = next(c for c in v1.capabilities if c.code == "PP-REG-02")
    signoff_services.record_recognised_signoff(
        sam, organisation=org, actor=None, capability_uuid=capability.uuid, capability_code="PP-REG-02",
        level_code="registered", signed_at=AT, assessor_name="A Preceptor", issuer_name="Harbourside Trust")
    spec = next_version(queries.version_spec(v1), "1.1.0", **{"PP-REG-02": {
        "statement": capability.statement + " They record who was involved and why.", "revision": 2}})
    draft, _ = framework_services.import_framework(spec, by=None)
    editor = make_person("framework_editor", employed=False)
    return v1, draft, sam, editor


def fingerprint(page: str) -> str:
    return re.search(r'name="impact" value="([^"]+)"', page)[1]


def test_the_publish_page_shows_who_must_re_request_before_anything_changes(client, sign_in, scene):
    v1, draft, sam, editor = scene
    sign_in(editor)
    review = text(client.get(f"{MATRIX}/versions/1.1.0/review"))
    assert f'href="{MATRIX}/versions/1.1.0/publish">Publish version 1.1.0</a>' in review  # a link, not a POST
    page = text(client.get(f"{MATRIX}/versions/1.1.0/publish"))
    assert "Publish version 1.1.0?" in page
    assert "1 person holds sign-offs against version 1.0.0; 1 will need to re-request PP-REG-02." in page
    assert draft.status == VersionStatus.draft


def test_a_bare_post_never_publishes(client, sign_in, scene):
    """Regression: Publish was one click."""
    v1, draft, sam, editor = scene
    sign_in(editor)
    token = csrf_token_from(client.get(f"{MATRIX}/versions/1.1.0/review").get_data(as_text=True))
    response = client.post(f"{MATRIX}/versions/1.1.0/publish", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/versions/1.1.0/publish")
    db.session.expire_all()
    assert draft.status == VersionStatus.draft


def test_confirming_on_stale_figures_asks_again(client, sign_in, scene):
    v1, draft, sam, editor = scene
    sign_in(editor)
    page = client.get(f"{MATRIX}/versions/1.1.0/publish").get_data(as_text=True)
    response = client.post(f"{MATRIX}/versions/1.1.0/publish", data={
        "csrf_token": csrf_token_from(page), "confirm": "yes", "impact": "not-what-was-shown"})
    assert response.status_code == 409 and "The figures changed while you were reading" in text(response)
    db.session.expire_all()
    assert draft.status == VersionStatus.draft


def test_publishing_after_the_check_says_what_happened_and_tells_sam(client, sign_in, scene):
    v1, draft, sam, editor = scene
    sign_in(editor)
    page = client.get(f"{MATRIX}/versions/1.1.0/publish").get_data(as_text=True)
    response = client.post(f"{MATRIX}/versions/1.1.0/publish", data={
        "csrf_token": csrf_token_from(page), "confirm": "yes", "impact": fingerprint(page)})
    assert response.status_code == 302
    listing = text(client.get(response.headers["Location"]))
    assert ("Published Shared multiprofessional capability framework 1.1.0. It can no longer be changed. 1 person "
            "holds sign-offs against version 1.0.0; 1 will need to re-request PP-REG-02. 1 person has been told "
            "what it means for them.") in listing
    sign_in(sam)
    assert "PP-REG-02 changed in" in text(client.get("/notifications"))


def test_retiring_the_only_version_keeps_progress_in_view(client, sign_in, scene):
    """Regression: after Retire every progress page said no framework was published."""
    v1, draft, sam, editor = scene
    framework_services.discard_draft(draft, by=None)
    sign_in(editor)
    versions = text(client.get(f"{MATRIX}/versions"))
    assert f'href="{MATRIX}/versions/1.0.0/retire">Retire' in versions
    page = client.get(f"{MATRIX}/versions/1.0.0/retire").get_data(as_text=True)
    assert "progress pages keep showing version 1.0.0, marked retired" in text(client.get(
        f"{MATRIX}/versions/1.0.0/retire"))
    response = client.post(f"{MATRIX}/versions/1.0.0/retire", data={
        "csrf_token": csrf_token_from(page), "confirm": "yes", "impact": fingerprint(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert v1.status == VersionStatus.retired
    sign_in(sam)
    progress = text(client.get("/progress/"))
    assert "No capability framework has been published yet" not in progress
    assert "Version 1.0.0 was retired on" in progress
    assert "<strong>1</strong> signed off" in progress  # the recognised sign-off stays in view
