"""The framework browser and the editor's upload, review and publish pages, through real forms."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from competency.frameworks import queries
from competency.frameworks.models import FrameworkVersion, VersionStatus
from tests.conftest import csrf_token_from
from tests.unit.frameworks_helpers import SHIPPED, SLUG, import_shipped

MATRIX = f"/frameworks/{SLUG}"


@pytest.fixture
def published(db):
    return import_shipped()


@pytest.fixture
def login_as(client, db):
    """Sign a new person with ``role`` in through the real form (without a prior GET /logout,
    whose 405 error page rolls the test's session back)."""
    from tests.factories import PASSWORD, make_person

    def _login_as(role: str):
        user = make_person(role, employed=role not in ("framework_editor", "analyst"))
        page = client.get("/login")
        response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                               "email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return user

    return _login_as


def upload(browser, name: str, content: bytes):
    page = browser.get("/frameworks/upload")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    return browser.client.post("/frameworks/upload", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data")


def test_anyone_signed_in_sees_the_pillars_by_levels_matrix(login_as, browser, published):
    login_as("practitioner")
    html = browser.get(MATRIX).get_data(as_text=True)
    assert "Shared multiprofessional capability framework" in html
    for heading in ("Professional practice", "Integrated working", "Support worker", "Consultant practitioner"):
        assert heading in html
    assert "PP-SUP-01" in html and "IW-CON-03" in html
    assert f"Showing {len(published.capabilities)} of {len(published.capabilities)} capabilities" in html


def test_the_matrix_filters_by_sector_and_profession(login_as, browser, published):
    login_as("practitioner")
    html = browser.get(f"{MATRIX}?sector=health&profession=").get_data(as_text=True)
    assert "IW-SSW-03" not in html  # signposting to community services is tagged social care and voluntary
    assert "IW-SSW-01" in html
    html = browser.get(f"{MATRIX}?profession=dietetics").get_data(as_text=True)
    assert "IW-AP-03" not in html and "PP-REG-01" in html


def test_matrix_queries_do_not_grow_with_the_framework(login_as, browser, published, count_queries):
    login_as("practitioner")
    with count_queries() as statements:
        assert browser.get(MATRIX).status_code == 200
    assert len(statements) <= 20


def test_capability_detail_shows_guidance_mappings_and_versions(login_as, browser, published):
    login_as("practitioner")
    capability = next(c for c in published.capabilities if c.code == "PP-SUP-03")
    html = unescape(browser.get(f"{MATRIX}/capabilities/{capability.uuid}").get_data(as_text=True))
    assert capability.statement.split(",")[0] in html
    assert "What good evidence looks like" in html and "safeguarding adults and children training record" in html
    assert "Safeguarding adults" in html and "Care Certificate standards" in html
    assert "1.0.0" in html and capability.uuid in html


def test_unknown_capability_or_framework_is_not_found(login_as, browser, published):
    login_as("practitioner")
    assert browser.get(f"{MATRIX}/capabilities/00000000-0000-0000-0000-000000000000").status_code == 404
    assert browser.get("/frameworks/no-such-framework").status_code == 404


def test_crosswalk_puts_nhs_bands_and_council_grades_side_by_side(login_as, browser, published):
    login_as("practitioner")
    html = browser.get(f"{MATRIX}/crosswalk").get_data(as_text=True)
    row = re.search(r'<th class="nhsuk-table__header" scope="row">Enhanced practitioner</th>(.*?)</tr>', html, re.S).group(1)
    assert "Band 6" in row and "KR10" in row and "Senior occupational therapist" in row


def test_drafts_are_hidden_from_practitioners(login_as, browser, db):
    draft = import_shipped(publish=False)
    login_as("practitioner")
    assert browser.get(f"{MATRIX}?version={draft.version}").status_code == 404
    assert browser.get(f"{MATRIX}/versions/{draft.version}/review").status_code == 404


def test_practitioners_cannot_upload(login_as, browser, published):
    login_as("practitioner")
    assert browser.get("/frameworks/upload").status_code == 403


def test_editor_uploads_reviews_the_changes_and_publishes(login_as, browser, published, db):
    login_as("framework_editor")
    text = (SHIPPED / "shared-capability-framework.yaml").read_text()
    text = text.replace('version: "1.0.0"', 'version: "1.1.0"')
    text = text.replace("    statement: >-\n      Practises autonomously within their scope",
                        "    revision: 2\n    statement: >-\n      Practises safely and autonomously within their scope")
    response = upload(browser, "framework-1.1.0.yaml", text.encode())
    assert response.status_code == 302
    review = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Review version 1.1.0" in review and "PP-REG-01" in review and "Reworded" in review
    assert "Compared with the current published version, 1.0.0" in review
    # Publish is never one click: the button leads to the impact page, and a bare POST goes there too.
    response = browser.submit(response.headers["Location"], {}, post_url=f"{MATRIX}/versions/1.1.0/publish")
    assert response.status_code == 302 and response.headers["Location"].endswith("/versions/1.1.0/publish")
    framework = queries.framework_by_slug(SLUG)
    assert queries.current_version(framework).version == "1.0.0"
    confirm = browser.get(f"{MATRIX}/versions/1.1.0/publish").get_data(as_text=True)
    assert "Publish version 1.1.0?" in confirm and "What this means for people" in confirm
    fingerprint = re.search(r'name="impact" value="([^"]+)"', confirm)[1]
    response = browser.submit(f"{MATRIX}/versions/1.1.0/publish", {"confirm": "yes", "impact": fingerprint})
    assert response.status_code == 302
    db.session.expire_all()
    framework = queries.framework_by_slug(SLUG)
    assert queries.current_version(framework).version == "1.1.0"


def test_an_invalid_upload_lists_file_and_line_and_imports_nothing(login_as, browser, published):
    login_as("framework_editor")
    text = (SHIPPED / "shared-capability-framework.yaml").read_text().replace('version: "1.0.0"', 'version: "2.0.0"')
    text = text.replace("    level: registered\n", "    level: registerd\n", 1)
    response = upload(browser, "broken.yaml", text.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"broken.yaml:\d+: capability PP-REG-01: unknown level code 'registerd'", unescape(html))
    assert queries.version_by_number(queries.framework_by_slug(SLUG), "2.0.0") is None


def test_changing_a_published_version_through_the_web_is_refused(login_as, browser, published, db):
    login_as("framework_editor")
    text = (SHIPPED / "shared-capability-framework.yaml").read_text().replace(
        "Carries out delegated tasks safely", "Carries out any task")
    response = upload(browser, "sneaky.yaml", text.encode())
    assert response.status_code == 409
    assert "1.0.0 is published and cannot be changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "Carries out delegated tasks safely" in next(c.statement for c in published.capabilities if c.code == "PP-SUP-01")
    # Publishing it again is refused with a message, too.
    response = browser.submit(f"{MATRIX}/versions", {}, post_url=f"{MATRIX}/versions/1.0.0/publish")
    assert response.status_code == 409 and "already published" in response.get_data(as_text=True)


def test_editor_can_upload_a_case_package_and_discard_the_draft(login_as, browser, published, db):
    login_as("framework_editor")
    package = browser.get(f"{MATRIX}/versions/1.0.0/export/case").get_data(as_text=True)
    package = package.replace('"version": "1.0.0"', '"version": "1.0.1"')
    response = upload(browser, "package.json", package.encode())
    assert response.status_code == 302 and response.headers["Location"].endswith("/versions/1.0.1/review")
    version = queries.version_by_number(queries.framework_by_slug(SLUG), "1.0.1")
    assert version.status == VersionStatus.draft and len(version.capabilities) == len(published.capabilities)
    response = browser.submit(f"{MATRIX}/versions/1.0.1/review", {}, post_url=f"{MATRIX}/versions/1.0.1/discard")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(FrameworkVersion.id))) == 1


def test_downloads_name_the_file_after_the_version(login_as, browser, published):
    login_as("practitioner")
    response = browser.get(f"{MATRIX}/versions/1.0.0/export/moodle-csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="shared-capability-framework-1.0.0.csv"' in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith('Parent ID number,ID number,Short name')
