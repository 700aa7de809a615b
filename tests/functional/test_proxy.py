"""Behind a TLS-terminating proxy the app trusts only as many forwarding hops as configured."""
from competency import create_app
from config import TestingConfig


def _app(hops: int):
    class Config(TestingConfig):
        TRUSTED_PROXY_HOPS = hops

    return create_app(Config)


def test_forwarded_https_turns_on_hsts_when_the_proxy_is_trusted(tmp_path):
    client = _app(1).test_client()
    response = client.get("/assets/images/favicon.ico", headers={"X-Forwarded-Proto": "https"})
    assert "max-age" in response.headers.get("Strict-Transport-Security", "")


def test_forwarded_headers_are_ignored_by_default():
    client = _app(0).test_client()
    response = client.get("/assets/images/favicon.ico", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
