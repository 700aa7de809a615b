"""`flask frameworks ...`, the framework API and the public CASE service."""
from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa

from competency.accounts.services import create_api_token
from competency.frameworks import queries
from competency.frameworks.models import FrameworkVersion, VersionStatus
from tests.factories import make_person
from tests.unit.frameworks_helpers import SHIPPED, SLUG, import_shipped


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def run(cli, *args):
    from competency.frameworks.commands import frameworks_cli

    return cli.invoke(frameworks_cli, list(args))


def test_validate_passes_on_the_shipped_files(cli):
    result = run(cli, "validate", str(SHIPPED.parent))
    assert result.exit_code == 0, result.output
    assert "all valid" in result.output and "124 capabilities" in result.output


@pytest.mark.parametrize(("find", "replace", "expected"), [
    ("    level: registered\n", "    level: registerd\n", r"framework.yaml:\d+: capability PP-REG-01: unknown level code 'registerd'"),
    ("  - code: PP-SUP-02\n", "  - code: PP-SUP-01\n", r"framework.yaml:\d+: duplicate capability code 'PP-SUP-01' \(first defined on line \d+\)"),
    ("title: Shared multiprofessional capability framework\n", "title: [Shared\n", r"framework.yaml:\d+: YAML syntax error"),
])
def test_validate_names_file_and_line_and_exits_1(cli, tmp_path, find, replace, expected):
    import re

    text = (SHIPPED / "shared-capability-framework.yaml").read_text()
    assert find in text
    (tmp_path / "framework.yaml").write_text(text.replace(find, replace, 1))
    result = run(cli, "validate", str(tmp_path))
    assert result.exit_code == 1
    assert re.search(expected, result.output)


def test_import_with_a_bad_file_imports_nothing(cli, db, tmp_path):
    shutil.copytree(SHIPPED, tmp_path / "data")
    path = tmp_path / "data" / "role-crosswalk.yaml"
    path.write_text(path.read_text().replace("level: enhanced", "level: enhancd", 1))
    result = run(cli, "import", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert db.session.scalar(sa.select(sa.func.count(FrameworkVersion.id))) == 0


def test_import_publish_export_and_refuse_to_change_a_published_version(cli, db, tmp_path):
    assert run(cli, "import", str(SHIPPED)).exit_code == 0
    result = run(cli, "publish", SLUG, "1.0.0")
    assert result.exit_code == 0, result.output
    assert queries.current_version(queries.framework_by_slug(SLUG)).status == VersionStatus.published
    result = run(cli, "export", SLUG, "--format", "moodle-csv")
    assert result.exit_code == 0 and result.output.startswith("Parent ID number,ID number,Short name")
    package = tmp_path / "package.json"
    assert run(cli, "export", SLUG, "--version", "1.0.0", "--format", "case", "-o", str(package)).exit_code == 0
    assert len(json.loads(package.read_text())["CFItems"]) >= 120

    changed = tmp_path / "changed"
    shutil.copytree(SHIPPED, changed)
    framework_file = changed / "shared-capability-framework.yaml"
    framework_file.write_text(framework_file.read_text().replace("Carries out delegated tasks safely", "Carries out tasks"))
    result = run(cli, "import", str(changed))
    assert result.exit_code == 1
    assert "is published and cannot be changed" in result.output
    statement = next(c.statement for c in queries.current_version(queries.framework_by_slug(SLUG)).capabilities
                     if c.code == "PP-SUP-01")
    assert statement.startswith("Carries out delegated tasks safely")
    assert run(cli, "publish", SLUG, "1.0.0").exit_code == 1
    # Importing the published CASE package again is recognised as unchanged.
    result = run(cli, "import-case", str(package))
    assert result.exit_code == 0 and "unchanged" in result.output


@pytest.fixture
def token_for(db):
    def _token(role):
        user = make_person(role, employed=role == "practitioner")
        return {"Authorization": f"Bearer {create_api_token(user, 'test')[1]}"}
    return _token


def test_api_lists_frameworks_and_returns_a_version_with_identifiers(client, db, token_for):
    version = import_shipped()
    headers = token_for("practitioner")
    listing = client.get("/api/v1/frameworks", headers=headers).get_json()
    assert listing["frameworks"][0]["slug"] == SLUG and listing["frameworks"][0]["current_version"] == "1.0.0"
    body = client.get(f"/api/v1/frameworks/{SLUG}/versions/1.0.0", headers=headers).get_json()
    assert body["id"] == version.uuid and len(body["capabilities"]) == len(version.capabilities)
    first = body["capabilities"][0]
    assert first["code"] == "PP-SUP-01" and first["pillar"] == "professional_practice" and first["level"] == "support"
    assert {"framework": "care-certificate", "code": "CC01", "name": "Understand your role"} in first["mappings"]


def test_api_refuses_to_change_a_published_version(client, db, token_for):
    import io

    version = import_shipped()
    text = (SHIPPED / "shared-capability-framework.yaml").read_bytes().replace(b"Carries out delegated", b"Does")
    response = client.put(f"/api/v1/frameworks/{SLUG}/versions/1.0.0", headers=token_for("framework_editor"),
                          data={"file": (io.BytesIO(text), "f.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "1.0.0 is published and cannot be changed" in response.get_json()["detail"]
    db.session.expire_all()
    assert version.capabilities[0].statement.startswith("Carries out delegated")


def test_api_editor_uploads_a_draft_and_publishes_it(client, db, token_for):
    import io

    import_shipped()
    headers = token_for("framework_editor")
    text = (SHIPPED / "shared-capability-framework.yaml").read_bytes().replace(b'version: "1.0.0"', b'version: "1.0.1"')
    response = client.put(f"/api/v1/frameworks/{SLUG}/versions/1.0.1", headers=headers,
                          data={"file": (io.BytesIO(text), "f.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json()["status"] == "draft"
    response = client.post(f"/api/v1/frameworks/{SLUG}/versions/1.0.1/publish", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "published"


def test_openapi_document_describes_the_framework_routes(client, db):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/frameworks/{slug}/versions/{number}"])
    assert "get" in paths["/frameworks"] and "get" in paths["/frameworks/{slug}"]


def test_case_service_is_public_and_serves_published_packages_only(client, db):
    version = import_shipped()
    documents = client.get("/ims/case/v1p1/CFDocuments").get_json()["CFDocuments"]
    # Our version first; the external frameworks it maps to follow as CASE documents of their own.
    assert [d["identifier"] for d in documents][0] == version.uuid
    response = client.get(f"/ims/case/v1p1/CFPackages/{version.uuid}")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    package = response.get_json()
    assert sum(1 for item in package["CFItems"] if item["CFItemType"] == "Capability") >= 120
    again = client.get(f"/ims/case/v1p1/CFPackages/{version.uuid}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    missing = client.get("/ims/case/v1p1/CFPackages/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.get_json()["imsx_codeMajor"] == "failure"
