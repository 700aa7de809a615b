"""Sign-in gives nothing away: the same password work for unknown and known accounts, and
after signing in the browser only ever goes to a page on this site."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from hypothesis import example, given, settings
from hypothesis import strategies as st

from competency.accounts import passwords, services
from competency.blueprints.auth.redirects import safe_next_path
from tests.factories import PASSWORD, make_person

ARGON2_PARAMS = re.compile(r"^\$argon2id\$v=\d+\$(m=\d+,t=\d+,p=\d+)\$")


@pytest.fixture
def verified_hashes(monkeypatch):
    """The password hashes argon2 actually verified (the real verification still runs)."""
    seen: list[str] = []

    class RecordingHasher(PasswordHasher):
        def verify(self, password_hash, password):
            seen.append(password_hash)
            return super().verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", RecordingHasher())
    return seen


def cost_of(password_hash: str) -> str:
    return ARGON2_PARAMS.match(password_hash).group(1)


class TestConstantTimeSignIn:
    def test_an_unknown_email_is_hashed_like_a_real_account(self, db, verified_hashes):
        person = make_person("practitioner")

        assert services.authenticate("nobody@example.org", "some-guess-or-other") is None
        assert services.authenticate(person.email, "some-guess-or-other") is None

        unknown, known = verified_hashes
        assert unknown != person.password_hash
        assert cost_of(unknown) == cost_of(known)

    @pytest.mark.parametrize("account", ["closed", "no_password"])
    def test_closed_accounts_and_accounts_without_a_password_are_hashed_too(self, db, verified_hashes, account):
        person = make_person("practitioner", is_active_account=account != "closed")
        if account == "no_password":
            person.password_hash = None

        assert services.authenticate(person.email, PASSWORD) is None
        assert len(verified_hashes) == 1

    def test_the_dummy_hash_never_matches(self, db):
        for guess in ("", PASSWORD, "dummy", "None"):
            assert passwords.check_password_or_dummy(None, guess) is False

    def test_the_dummy_uses_the_production_cost_when_real_hashes_do(self):
        passwords.use_fast_hashing(False)
        try:
            production = passwords.hash_password("x" * 12)
            passwords.check_password_or_dummy(None, "guess")
            dummy = passwords._dummy_hashes[False]
        finally:
            passwords.use_fast_hashing(True)
        assert cost_of(dummy) == cost_of(production)


def browser_reading(location: str) -> str:
    """What a browser makes of a Location value: tabs and newlines dropped, backslashes as slashes."""
    return re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip("\x00 ")


def assert_same_site(path: str) -> None:
    read = browser_reading(path)
    parts = urlsplit(read)
    assert read.startswith("/") and not read.startswith("//"), path
    assert not parts.scheme and not parts.netloc, path
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in path), path


PIECES = [*"/\\\t\n\r %2Fafe5C0@:.?#h", "\u202e", "\u3002", "\x00", "\x7f", "\u0085", "%09", "%0d%0a", "%2f",
          "%5c", "%252f", "//", "http:", "evil.example"]
TRICKY = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


class TestNextRedirect:
    @given(st.one_of(TRICKY, st.text(max_size=60)))
    @settings(max_examples=600, deadline=None)
    @example("/\t/evil.example")
    @example("/%09/evil.example")
    @example("/\r\n/evil.example")
    @example("/%2F/evil.example")
    @example("/%252F%252Fevil.example")
    @example("/\\evil.example")
    @example("https://evil.example/")
    @example("/\u202e/evil.example")
    def test_anything_accepted_is_a_same_site_path_however_a_browser_reads_it(self, target):
        accepted = safe_next_path(target)
        if accepted is not None:
            assert accepted == target
            assert_same_site(accepted)

    @pytest.mark.parametrize("target", ["/profile", "/evidence/12?tab=files", "/frameworks/x#pillar-2",
                                        "/search?q=50%25", "/reports/organisation?organisation=3"])
    def test_ordinary_pages_are_kept(self, target):
        assert safe_next_path(target) == target

    @pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                                        "/%09/evil.example", "/%2f/evil.example", "/%252f%252fevil.example",
                                        "javascript:alert(1)", "/ok\r\nSet-Cookie: a=b", "/ok%0d%0aSet-Cookie:a=b",
                                        "", None, "evil.example", "/" + "a" * 3000])
    def test_other_sites_and_header_tricks_are_refused(self, target):
        assert safe_next_path(target) is None


@pytest.mark.parametrize("query", ["next=/%09/evil.example", "next=/%0D%0A/evil.example",
                                   "next=/ok%0D%0ASet-Cookie:%20a=b", "next=%2F%2Fevil.example"])
def test_sign_in_goes_home_instead_of_to_another_site_or_a_500(browser, db, query):
    person = make_person("practitioner")

    response = browser.submit(f"/login?{query}", {"email": person.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
