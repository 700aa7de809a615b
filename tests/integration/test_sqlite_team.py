"""The embedded default serving a small team: six people signing in and working at once on one SQLite file,
and a double click on a create form making one item.

The app runs as `make run` runs it (a threaded werkzeug server, a SQLite file database)
and six people each sign in, read their pages, log evidence and sign out, three times,
all at the same time over real HTTP. Nobody may get a 5xx ("database is locked").
"""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from tests.conftest import CSRF_RE, backend_name

# Always a SQLite file (the embedded default): once, in the SQLite pass of the suite.
pytestmark = pytest.mark.skipif(backend_name() == "postgresql", reason="embedded default: runs in the SQLite pass")

PEOPLE = 6
ROUNDS = 3


def _seed(app) -> None:
    from tests.evidence_support import capability, make_framework
    from tests.factories import OrganisationFactory, make_person

    version = make_framework(slug="team-framework")
    capability(version, "registered")
    org = OrganisationFactory(name="Downshire team")
    make_person("preceptor", org, level_code="enhanced", email="preceptor@team.example.org")
    for n in range(PEOPLE):
        make_person("practitioner", org, level_code="registered", email=f"person{n}@team.example.org")


class Person:
    """One browser: its own cookies, following redirects, recording every status it is answered."""

    def __init__(self, base: str, statuses: Counter, lock: threading.Lock):
        self.base = base
        self.statuses = statuses
        self.lock = lock
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.statuses[f"{status} {path}"] += 1
        return text

    def get(self, path: str) -> str:
        return self._open(path)

    def submit(self, path: str, data: dict) -> str:
        page = self.get(path)
        token = CSRF_RE.search(page)
        fields = {"csrf_token": token.group(1) if token else ""}
        once = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page)
        if once:
            fields["submission_token"] = once.group(1)
        return self._open(path, {**fields, **data})


def _work(base: str, n: int, statuses: Counter, lock: threading.Lock, start: threading.Barrier) -> None:
    from tests.factories import PASSWORD

    person = Person(base, statuses, lock)
    start.wait(timeout=30)
    for round_number in range(ROUNDS):
        person.submit("/login", {"email": f"person{n}@team.example.org", "password": PASSWORD})
        person.get("/")
        person.get("/evidence/")
        person.submit("/evidence/new", {"kind": "reflection", "title": f"Visit {n}.{round_number}",
                                        "occurred_on": "2026-10-27", "text": "Went well."})
        person.get("/passport/")
        home = person.get("/")
        token = CSRF_RE.search(home)
        person._open("/logout", {"csrf_token": token.group(1) if token else ""})


def test_six_people_signing_in_and_working_at_once_get_no_5xx(make_live_server):
    from competency.evidence.models import Evidence
    from competency.extensions import db

    server = make_live_server(seed=_seed, LOGIN_ATTEMPTS_PER_IP="1000 per minute")
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(PEOPLE)
    threads = [threading.Thread(target=_work, args=(server.url, n, statuses, lock, start)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    server_errors = {key: count for key, count in statuses.items() if str(key)[0] == "5"}
    assert not server_errors, server_errors
    assert statuses[200] >= PEOPLE * ROUNDS * 5
    with server.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == PEOPLE * ROUNDS
        db.session.remove()


def _seed_holder(app) -> None:
    from tests.passport_support import seed_issuer

    seed_issuer(app)


def _at_once(*calls):
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait(timeout=30)
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_a_double_submitted_evidence_or_share_form_on_sqlite_makes_one_item(make_live_server):
    """The same one-time token sent twice at the same instant (a double click) over real HTTP."""
    from competency.evidence.models import Evidence
    from competency.extensions import db
    from competency.passport.models import ShareLink
    from tests.factories import PASSWORD
    from tests.passport_support import HOLDER

    server = make_live_server(seed=_seed_holder, LOGIN_ATTEMPTS_PER_IP="1000 per minute")
    statuses: Counter = Counter()
    lock = threading.Lock()
    tabs = [Person(server.url, statuses, lock) for _ in range(2)]
    for tab in tabs:
        tab.submit("/login", {"email": HOLDER, "password": PASSWORD})

    def send(tab, path, data):
        page = tab.get("/passport/shares/new" if path == "/passport/shares" else path)
        return tab._open(path, {"csrf_token": CSRF_RE.search(page).group(1), **data})

    once = re.search(r'name="submission_token"[^>]*value="([^"]+)"', tabs[0].get("/evidence/new")).group(1)
    evidence = {"submission_token": once, "kind": "reflection", "title": "Clicked twice",
                "occurred_on": "2026-10-27", "text": "Both clicks arrived."}
    pages = _at_once(lambda: send(tabs[0], "/evidence/new", evidence), lambda: send(tabs[1], "/evidence/new", evidence))
    assert all("Clicked twice" in page for page in pages)

    share_page = tabs[0].get("/passport/shares/new")
    once = re.search(r'name="submission_token"[^>]*value="([^"]+)"', share_page).group(1)
    credential = re.search(r'name="credential_ids"[^>]*value="(\d+)"', share_page).group(1)
    share = {"submission_token": once, "credential_ids": [credential], "expires_on": _in_a_month(),
             "note": "For my interview"}
    shown = _at_once(lambda: send(tabs[0], "/passport/shares", share), lambda: send(tabs[1], "/passport/shares", share))
    urls = {page.split('id="share-url">', 1)[1].split("<", 1)[0] for page in shown}
    assert len(urls) == 1

    assert not {key: n for key, n in statuses.items() if str(key)[0] == "5"}
    with server.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)
                                 .where(Evidence.title == "Clicked twice")) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(ShareLink)) == 1
        db.session.remove()


def _in_a_month() -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=30)).isoformat()
