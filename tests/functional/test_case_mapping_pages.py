"""An editor brings in OpenSALT's "What Standards Could Be" through the real forms and maps it to a draft.

The package has Cluster, Standard and Component items three levels deep. The mapping page
proposes Cluster -> pillar, Standard and Component -> capability, levels from each item's
education level; the editor confirms, and the draft keeps the source identifiers.
"""
from __future__ import annotations

import io
import json
from html.parser import HTMLParser

from competency.frameworks import queries, services
from tests.case_support import SAMPLES

WSCB = next(p for p in SAMPLES if p.name.startswith("opensalt-framework-20c5134f"))
CASE = "/ims/case/v1p1"


class _Form(HTMLParser):
    """What a browser would send for the form posting to ``action``, if the person changes nothing."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, None
        self.values: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "")
            elif kind not in ("submit", "file"):
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and ("selected" in a or self.select not in self.values):
            self.values[self.select] = a.get("value", "")
        elif tag == "label":
            self._label_for = a.get("for")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self.inside and self._label_for and data.strip():
            self.labels[self._label_for] = (self.labels.get(self._label_for, "") + " " + data.strip()).strip()


def read_form(html: str, action: str) -> _Form:
    form = _Form(action)
    form.feed(html)
    assert form.values, f"no form posting to {action}"
    return form


def _bring_in(client, login_as):
    login_as("framework_editor")
    page = client.get("/frameworks/references/import")
    assert page.status_code == 200
    values = read_form(page.get_data(as_text=True), "/frameworks/references/import").values
    response = client.post("/frameworks/references/import", content_type="multipart/form-data",
                           data={**values, "file": (io.BytesIO(WSCB.read_bytes()), WSCB.name)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_the_mapping_page_proposes_clusters_as_pillars_and_the_editor_confirms(client, db, login_as):
    source = json.loads(WSCB.read_text(encoding="utf-8"))
    mapping_url = _bring_in(client, login_as)
    assert mapping_url.endswith(f"/frameworks/references/{source['CFDocument']['identifier']}/mapping")
    page = client.get(mapping_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Map What Standards Could Be" in html
    assert "16 items and 39 associations" in html
    form = read_form(html, mapping_url.replace("http://localhost", ""))
    proposed = {form.labels[name]: form.values[name] for name in ("role_0", "role_1", "role_2")}
    assert proposed == {"Items of type Cluster": "pillar", "Items of type Standard": "capability",
                        "Items of type Component": "capability"}
    assert form.values["level_source"] == "educationLevel"
    assert form.values["slug"] == "what-standards-could-be" and form.values["version"] == "1.0.0"

    # The editor confirms the proposal as it stands.
    response = client.post(mapping_url, data=form.values)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert response.headers["Location"].endswith("/frameworks/what-standards-could-be/versions/1.0.0/review")
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved as a draft with the source identifiers" in review

    version = queries.version_by_number(queries.framework_by_slug("what-standards-could-be"), "1.0.0")
    clusters = [i for i in source["CFItems"] if i["CFItemType"] == "Cluster"]
    assert version.uuid == source["CFDocument"]["identifier"] and version.status.value == "draft"
    assert [p.uuid for p in version.pillars] == [c["identifier"] for c in clusters]
    assert [lv.name for lv in version.levels] == ["06", "07"]  # each item's (educational) level
    statements = {i["identifier"]: i for i in source["CFItems"] if i["CFItemType"] in ("Standard", "Component")}
    assert {c.uuid for c in version.capabilities} == set(statements)
    assert all(c.level.name == statements[c.uuid]["educationalLevel"] for c in version.capabilities)

    # Its CASE download carries the source identifiers; the reference framework is served as the source.
    download = client.get("/frameworks/what-standards-could-be/versions/1.0.0/export/case").get_json()
    assert download["CFDocument"]["identifier"] == source["CFDocument"]["identifier"]
    assert {i["identifier"] for i in download["CFItems"] if i["CFItemType"] != "Level of practice"} == \
        {i["identifier"] for i in source["CFItems"]}
    served = client.get(f"{CASE}/CFPackages/{source['CFDocument']['identifier']}").get_json()
    for collection in ("CFItems", "CFAssociations"):
        assert [e["identifier"] for e in served[collection]] == [e["identifier"] for e in source[collection]]

    # Once published, the framework answers for that identifier, listed once.
    services.publish_version(version, by=None)
    db.session.commit()
    listed = [d["identifier"] for d in client.get(f"{CASE}/CFDocuments").get_json()["CFDocuments"]]
    assert listed.count(source["CFDocument"]["identifier"]) == 1
    assert client.get(f"{CASE}/CFPackages/{version.uuid}").get_json()["CFItems"][0]["CFItemType"] == "Pillar"


def test_a_mapping_with_no_capabilities_is_refused_on_the_page(client, db, login_as):
    mapping_url = _bring_in(client, login_as)
    form = read_form(client.get(mapping_url).get_data(as_text=True), mapping_url.replace("http://localhost", ""))
    values = {**form.values, "role_0": "pillar", "role_1": "ignore", "role_2": "ignore"}
    response = client.post(mapping_url, data=values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html and "No item is mapped to a capability" in html
    assert queries.framework_by_slug("what-standards-could-be") is None


def test_the_framework_upload_sends_a_package_from_another_tool_to_its_mapping_page(client, db, login_as):
    login_as("framework_editor")
    page = client.get("/frameworks/upload")
    values = read_form(page.get_data(as_text=True), "/frameworks/upload").values
    response = client.post("/frameworks/upload", content_type="multipart/form-data",
                           data={**values, "file": (io.BytesIO(WSCB.read_bytes()), WSCB.name)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/frameworks/references/20c5134f-423d-4097-a971-3dd5152bf507/mapping")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "kept as a reference framework" in page and "Items of type Cluster" in page
