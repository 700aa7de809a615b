"""The /api/v1 base: bearer tokens, problem+json errors, /me, the OpenAPI document and the token CLI."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from competency.accounts import services
from competency.accounts.models import ApiToken
from tests.factories import OrganisationFactory, make_person

PROBLEM = "application/problem+json"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def person_with_token(db):
    organisation = OrganisationFactory(name="Downshire County Council")
    person = make_person(["practitioner", "preceptor"], organisation, display_name="Sam Okafor",
                         registration_body="HCPC", registration_number="OT99876")
    _, secret = services.create_api_token(person, "tests")
    db.session.commit()
    return person, secret


class TestMe:
    def test_a_token_shows_who_it_belongs_to_with_roles_and_employment(self, client, person_with_token):
        person, secret = person_with_token

        response = client.get("/api/v1/me", headers=bearer(secret))

        assert response.status_code == 200
        body = response.json
        assert (body["id"], body["email"], body["display_name"]) == (person.id, person.email, "Sam Okafor")
        assert (body["registration_body"], body["registration_number"]) == ("HCPC", "OT99876")
        assert sorted(m["role"] for m in body["memberships"]) == ["practitioner", "preceptor"]
        assert {m["organisation"] for m in body["memberships"]} == {"Downshire County Council"}
        assert body["employments"][0]["start_on"] == "2025-01-06"
        assert body["employments"][0]["fte"] == 1.0

    def test_using_a_token_records_when_it_was_last_used(self, client, db, person_with_token):
        person, secret = person_with_token

        client.get("/api/v1/me", headers=bearer(secret))

        token = db.session.query(ApiToken).filter_by(user_id=person.id).one()
        db.session.refresh(token)
        assert token.last_used_at is not None

    def test_a_session_cookie_is_not_enough_for_the_api(self, client, login, person_with_token):
        person, _ = person_with_token
        login(person)

        assert client.get("/api/v1/me").status_code == 401


class TestProblemJson:
    @pytest.mark.parametrize("headers", [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer cpt_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ], ids=["none", "empty", "unknown", "basic"])
    def test_no_valid_token_answers_401_problem_json(self, client, headers):
        response = client.get("/api/v1/me", headers=headers)

        assert response.status_code == 401
        assert response.content_type == PROBLEM
        assert response.json["status"] == 401
        assert response.json["title"] == "Unauthorised"
        assert "personal access token" in response.json["detail"]

    def test_a_token_of_a_closed_account_answers_401(self, client, db, person_with_token):
        person, secret = person_with_token
        person.is_active_account = False
        db.session.commit()

        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401

    def test_an_unknown_api_path_answers_404_problem_json(self, client, person_with_token):
        _, secret = person_with_token

        response = client.get("/api/v1/no-such-thing", headers=bearer(secret))

        assert response.status_code == 404
        assert response.content_type == PROBLEM
        assert response.json["status"] == 404 and response.json["title"]

    def test_a_wrong_method_answers_405_problem_json(self, client, person_with_token):
        _, secret = person_with_token

        response = client.delete("/api/v1/me", headers=bearer(secret))

        assert response.status_code == 405
        assert response.content_type == PROBLEM

    def test_the_api_needs_no_csrf_token(self, client, person_with_token):
        _, secret = person_with_token

        response = client.post("/api/v1/me", headers=bearer(secret))

        assert response.status_code == 405  # routed (no CSRF 400): the API is authenticated by token


class TestOpenApi:
    def test_the_document_is_valid_openapi_3_1(self, client):
        response = client.get("/api/v1/openapi.json")

        assert response.status_code == 200
        spec = response.json
        assert spec["openapi"].startswith("3.1")
        validate(spec)  # raises on any structural error
        assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"

    def test_every_registered_api_route_is_documented(self, app, client):
        spec = client.get("/api/v1/openapi.json").json
        documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}
        registered = {
            (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }

        assert registered, "no API routes found"
        assert sorted(registered - documented) == [], "API routes missing from the OpenAPI document"
        assert sorted(documented - registered) == [], "documented operations with no route"

    def test_me_is_described_with_its_schema_security_and_problem_responses(self, client):
        spec = client.get("/api/v1/openapi.json").json
        me = spec["paths"]["/me"]["get"]

        assert me["security"] == [{"bearerAuth": []}]
        assert me["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/MeOut"}
        assert PROBLEM in me["responses"]["401"]["content"]
        assert "email" in spec["components"]["schemas"]["MeOut"]["properties"]
        assert "security" not in spec["paths"]["/openapi.json"]["get"]


class TestTokenCommand:
    """``flask accounts token EMAIL`` prints a new token once, for operators."""

    def test_the_printed_token_works_and_only_its_hash_is_stored(self, app, client, db):
        person = make_person("practitioner", email="ops.person@example.org")
        db.session.commit()

        result = app.test_cli_runner().invoke(args=["accounts", "token", "OPS.Person@example.org"])

        assert result.exit_code == 0, result.output
        secret = result.output.strip()
        assert secret.startswith("cpt_")
        assert client.get("/api/v1/me", headers=bearer(secret)).json["email"] == "ops.person@example.org"
        stored = db.session.query(ApiToken).filter_by(user_id=person.id).one()
        assert stored.name == "operator" and secret not in stored.token_hash

    def test_an_unknown_email_fails_with_a_message(self, app, db):
        result = app.test_cli_runner().invoke(args=["accounts", "token", "nobody@example.org"])

        assert result.exit_code != 0
        assert "No account with the email address nobody@example.org" in result.output
