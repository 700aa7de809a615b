"""The load: 32 people using the platform at once, each role doing what it does on a working day.

Every request is also written to ``LOADTEST_RECORDS`` (one JSON line each: time, kind,
status, milliseconds, and whether a 5xx was the service's own "unavailable" page), so the
runner can tell the 503s of a deliberate database stop from unexpected 5xx.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import deque
from datetime import date, timedelta

from locust import HttpUser, between, events, task

PLAN = json.load(open(os.environ["LOADTEST_PLAN"]))
RECORDS = open(os.environ["LOADTEST_RECORDS"], "a", buffering=1)
UNAVAILABLE = "Sorry, the service is unavailable"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ONCE = re.compile(r'name="submission_token"[^>]*value="([^"]+)"')
CREDENTIAL_BOXES = re.compile(r'name="credential_ids"[^>]*value="(\d+)"')
SHARE_URL = re.compile(r'id="share-url">([^<]+)<')

_addresses = itertools.count(1)
_practitioners = itertools.cycle(PLAN["practitioners"])
_holders = itertools.cycle(PLAN["roles"]["holder"])
_preceptors = itertools.cycle(PLAN["roles"]["preceptor"])
# Requests waiting for a decision, filled by practitioners and emptied by reviewers.
WAITING: deque = deque()
SHARE_LINKS: deque = deque(maxlen=50)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **_):
    status = getattr(response, "status_code", 0) or 0
    own_page = False
    if status >= 500 and response is not None:
        text = response.text or ""
        own_page = UNAVAILABLE in text or '"status": 503' in text or '"status":503' in text
    RECORDS.write(json.dumps({"t": time.time(), "kind": name, "status": status, "ms": round(response_time, 1),
                              "own_page": own_page}) + "\n")


class Person(HttpUser):
    """A signed-in person behind the site's proxy, with an address of their own (TRUSTED_PROXY_HOPS=1)."""

    abstract = True
    wait_time = between(0.5, 2.0)
    role = "person"
    email = ""

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"127.0.{n // 250}.{n % 250 + 1}"
        self.pick_account()
        self.sign_in()

    def pick_account(self) -> None:
        raise NotImplementedError

    def _form(self, path: str, name: str) -> tuple[str, str, str]:
        with self.client.get(path, name=name, catch_response=True) as page:
            html = page.text or ""
            page.success() if page.status_code < 500 else page.failure(str(page.status_code))
        csrf = CSRF.search(html)
        once = ONCE.search(html)
        return html, csrf.group(1) if csrf else "", once.group(1) if once else ""

    def sign_in(self) -> None:
        _, csrf, _ = self._form("/login", "page: sign-in form")
        with self.client.post("/login", data={"csrf_token": csrf, "email": self.email,
                                              "password": PLAN["password"]},
                              name="sign in", allow_redirects=False, catch_response=True) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"sign in answered {response.status_code}")

    def page(self, path: str) -> None:
        with self.client.get(path, name=f"page: {self.role}", catch_response=True) as response:
            response.success() if response.status_code < 500 else response.failure(str(response.status_code))
            signed_out = "/login" in (response.url or "")
        if signed_out:  # the session did not survive (e.g. it was issued by a request that failed)
            self.sign_in()


class Practitioner(Person):
    """Logs evidence (form and API), asks for sign-off, reads their pages and the API."""

    weight = 16
    role = "practitioner"

    def pick_account(self) -> None:
        self.account = next(_practitioners)
        self.email = self.account["email"]
        self.items = list(self.account["items"])
        self.api = {"Authorization": f"Bearer {self.account['token']}"}

    @task(5)
    def pages(self) -> None:
        self.page(random.choice(["/", "/evidence/", "/progress/", "/passport/", "/progress/requests",
                                 "/programmes/", "/notifications"]))

    @task(3)
    def api_reads(self) -> None:
        path = random.choice(["/api/v1/me", "/api/v1/me/signoffs", "/api/v1/me/passport", "/api/v1/frameworks"])
        self.client.get(path, headers=self.api, name="api: read")

    @task(2)
    def evidence_form(self) -> None:
        _, csrf, once = self._form("/evidence/new", "page: practitioner")
        self.client.post("/evidence/new", name="evidence: create (form)", allow_redirects=False, data={
            "csrf_token": csrf, "submission_token": once, "kind": "reflection",
            "title": f"Home visit {random.randint(1, 10**6)}", "occurred_on": date.today().isoformat(),
            "text": "Assessed the kitchen and agreed a plan with the family."})

    @task(2)
    def ask_for_signoff(self) -> None:
        if not self.items:
            return
        item = self.items.pop()
        created = self.client.post("/api/v1/evidence", headers=self.api, name="evidence: create (api)", json={
            "kind": "direct_observation", "title": "Observed practice", "occurred_on": date.today().isoformat(),
            "text": "Observed by my preceptor.", "capability_ids": [item["capability"]]})
        if created.status_code != 201:
            return
        response = self.client.post("/api/v1/signoff-requests", headers=self.api, name="signoff: request", json={
            "capability_id": item["capability"], "evidence_ids": [created.json()["id"]],
            "assessor_id": item["assessor_id"], "message": "Observed last week."})
        if response.status_code == 201:
            WAITING.append((response.json()["id"], item["assessor_id"]))


class Reviewer(Person):
    """A preceptor: the review queue, and decisions on the requests practitioners sent."""

    weight = 6
    role = "preceptor"

    def pick_account(self) -> None:
        self.email = next(_preceptors)

    @task(3)
    def pages(self) -> None:
        self.page(random.choice(["/", "/review/", "/programmes/preceptees", "/evidence/"]))

    @task(4)
    def decide(self) -> None:
        if not WAITING:
            return
        request_id, assessor_id = WAITING.popleft()
        token = PLAN["assessor_tokens"][str(assessor_id)]
        outcome = random.choice(["sign", "sign", "sign", "return"])
        self.client.post(f"/api/v1/signoff-requests/{request_id}/decision", name="signoff: decide",
                         headers={"Authorization": f"Bearer {token}"},
                         json={"decision": outcome, "comment": "" if outcome == "sign" else "Add a reflection."})


class Holder(Person):
    """Holds a passport: views it and makes share links."""

    weight = 3
    role = "holder"

    def pick_account(self) -> None:
        self.email = next(_holders)

    @task(2)
    def pages(self) -> None:
        self.page(random.choice(["/passport/", "/passport/shares", "/"]))

    @task(1)
    def share(self) -> None:
        html, csrf, once = self._form("/passport/shares/new", "page: holder")
        boxes = CREDENTIAL_BOXES.findall(html)
        if not boxes:
            return
        response = self.client.post("/passport/shares", name="share: create", data={
            "csrf_token": csrf, "submission_token": once, "credential_ids": boxes[:3],
            "expires_on": (date.today() + timedelta(days=30)).isoformat(), "note": "For an interview"})
        found = SHARE_URL.search(response.text or "")
        if found:
            SHARE_LINKS.append("/" + found.group(1).split("/", 3)[-1])


class Lead(Person):
    weight = 3
    role = "lead"

    def pick_account(self) -> None:
        self.email = PLAN["roles"]["lead"][0]

    @task
    def pages(self) -> None:
        self.page(random.choice(["/", "/programmes/cohort", "/reports/organisation", "/progression/people",
                                 "/review/"]))


class Admin(Person):
    weight = 1
    role = "admin"

    def pick_account(self) -> None:
        self.email = PLAN["roles"]["admin"][0]

    @task
    def pages(self) -> None:
        self.page(random.choice(["/", "/admin/"]))


class Analyst(Person):
    weight = 1
    role = "analyst"

    def pick_account(self) -> None:
        self.email = PLAN["roles"]["analyst"][0]

    @task
    def pages(self) -> None:
        self.page(random.choice(["/reports/", "/reports/system"]))


class Verifier(HttpUser):
    """An employer with no account: opens share links and checks credentials from PDFs' QR codes."""

    weight = 2
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"127.0.{n // 250}.{n % 250 + 1}"

    @task(3)
    def verify_credential(self) -> None:
        if PLAN["credentials"]:
            self.client.get(f"/verify/c/{random.choice(PLAN['credentials'])}", name="verify: credential")

    @task(1)
    def open_share(self) -> None:
        if SHARE_LINKS:
            self.client.get(random.choice(list(SHARE_LINKS)), name="share: open")
