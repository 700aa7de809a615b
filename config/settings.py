"""Typed settings for each way the platform runs.

Embedded default (no environment variables): SQLite in ``instance/``, local
uploads, e-mails written to ``instance/mail/``, Celery on a SQLite broker.
Production reads its services from the environment and refuses to start
without a secret key.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("COMPETENCY_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    ENV_NAME = "base"
    INSTANCE_DIR = INSTANCE_DIR
    SECRET_KEY: str | None = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'competency.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Public base URL used in e-mails, QR codes and DIDs.
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None
    PREFERRED_URL_SCHEME = "http"

    # Login throttling: per account and per client address.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL", "memory://"))
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: trust none).
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 0)
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: count in this process's memory instead (Flask-Limiter logs the switch
    # and goes back to Redis when it answers again), and never turn a storage error into a 500,
    # so sign-in and public verification keep working through a Redis outage.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs rather than refuses must not hold a sign-in for long.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_ATTEMPTS_PER_IP = "30 per minute"

    # E-mail. With no SMTP host, the outbox writes each message to MAIL_FILE_DIR.
    MAIL_FROM = _env("MAIL_FROM", "competency <no-reply@competency.invalid>")
    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = _env("SMTP_USERNAME")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = 10
    MAIL_FILE_DIR = Path(_env("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail")))

    # Files.
    UPLOAD_STORAGE = Path(_env("UPLOAD_STORAGE", str(INSTANCE_DIR / "uploads")))
    # Where evidence files go: "local" (UPLOAD_STORAGE) is shipped; see competency/evidence/storage.py.
    UPLOAD_STORAGE_BACKEND = _env("UPLOAD_STORAGE_BACKEND", "local")
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024
    # Form uploads (competency/blueprints/uploads.py): files kept per submission, and the largest
    # multipart body read (dropping what is over the limits) so the form can say what was too big.
    MAX_UPLOAD_FILES = 5
    MAX_MULTIPART_BYTES = _env_int("MAX_MULTIPART_BYTES", 10 * MAX_UPLOAD_BYTES)
    SIGNING_KEY_DIR = Path(_env("SIGNING_KEY_DIR", str(INSTANCE_DIR / "keys")))
    # The audit chain's HMAC keys and its anchor file, outside the database (competency/audit).
    # Unset: ``audit-keys/`` and ``audit-anchors.jsonl`` in the app's instance folder.
    AUDIT_KEY_DIR = _env("AUDIT_KEY_DIR")
    AUDIT_ANCHOR_FILE = _env("AUDIT_ANCHOR_FILE")
    AUDIT_ANCHOR_INTERVAL_SECONDS = float(_env("AUDIT_ANCHOR_INTERVAL_SECONDS", "3600"))

    # Celery. Default: kombu's SQLAlchemy transport on a SQLite file, so no Redis is needed.
    REDIS_URL = _env("REDIS_URL")
    CELERY_BROKER_URL = _env(
        "CELERY_BROKER_URL",
        REDIS_URL or f"sqla+sqlite:///{INSTANCE_DIR / 'celery-broker.sqlite'}",
    )
    CELERY_RESULT_BACKEND = _env(
        "CELERY_RESULT_BACKEND",
        REDIS_URL or f"db+sqlite:///{INSTANCE_DIR / 'celery-results.sqlite'}",
    )
    CELERY_TASK_ALWAYS_EAGER = _env_bool("CELERY_TASK_ALWAYS_EAGER", False)
    TIMEZONE = "Europe/London"
    # Reminders (issue 6). A web request gives up on the broker after this many seconds
    # (the e-mail stays in the outbox for the periodic sender).
    CELERY_PUBLISH_TIMEOUT_SECONDS = 1.0
    # Report sections (organisation dashboard, system view) are served from snapshots at most this
    # old; the worker rebuilds the ones people read every REPORT_SNAPSHOT_REFRESH_SECONDS, so pages
    # normally never wait for one. 0 builds every section in the request.
    REPORT_SNAPSHOT_MAX_AGE_SECONDS = float(_env("REPORT_SNAPSHOT_MAX_AGE_SECONDS", "600"))
    REPORT_SNAPSHOT_REFRESH_SECONDS = float(_env("REPORT_SNAPSHOT_REFRESH_SECONDS", "300"))
    # How often beat runs the outbox sender.
    REMINDER_SEND_INTERVAL_SECONDS = float(_env("REMINDER_SEND_INTERVAL_SECONDS", "60"))
    # A row left "sending" this long was abandoned by a crashed sender and is sent again
    # (with the same Message-ID). Keep it well above SMTP_TIMEOUT.
    OUTBOX_CLAIM_TIMEOUT_SECONDS = _env_int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 600)

    # Personal data in credentials is identified by salted hashes.
    IDENTITY_SALT = _env("IDENTITY_SALT")

    # Passport (issue 7). How long verifiers may cache our published status lists.
    STATUS_LIST_TTL_SECONDS = _env_int("STATUS_LIST_TTL_SECONDS", 300)
    # Fetching other issuers' DID documents and status lists: short timeouts, cached for the
    # time the issuer states (capped), and never to private or loopback addresses unless the
    # host is allow-listed (comma-separated host names) or PASSPORT_FETCH_ALLOW_PRIVATE is on.
    PASSPORT_FETCH_TIMEOUT_SECONDS = float(_env("PASSPORT_FETCH_TIMEOUT_SECONDS", "3"))
    PASSPORT_FETCH_CACHE_SECONDS = _env_int("PASSPORT_FETCH_CACHE_SECONDS", 300)
    PASSPORT_FETCH_CACHE_MAX_SECONDS = _env_int("PASSPORT_FETCH_CACHE_MAX_SECONDS", 3600)
    PASSPORT_FETCH_ALLOW_PRIVATE = _env_bool("PASSPORT_FETCH_ALLOW_PRIVATE", False)
    PASSPORT_FETCH_ALLOWED_HOSTS = [h.strip().lower() for h in (_env("PASSPORT_FETCH_ALLOWED_HOSTS") or "").split(",")
                                    if h.strip()]
    # Issue 12: what one verification may cost. The fetch timeout is a total deadline per
    # fetch (connect, headers and body), not per socket read; a whole verification request
    # (every credential of a bundle, every fetch) stops at PASSPORT_VERIFY_DEADLINE_SECONDS
    # and reports what it could not reach as "Could not check".
    PASSPORT_VERIFY_DEADLINE_SECONDS = float(_env("PASSPORT_VERIFY_DEADLINE_SECONDS", "5"))
    PASSPORT_FETCHES_PER_REQUEST = _env_int("PASSPORT_FETCHES_PER_REQUEST", 8)
    SHARE_LINK_DAYS = 30
    # Passport PDFs are rendered in the background after each change they show; this often the worker
    # also renders any whose task was lost (the broker was down), see competency/passport/pdf_store.py.
    PASSPORT_PDF_SWEEP_SECONDS = float(_env("PASSPORT_PDF_SWEEP_SECONDS", "60"))

    # Every JSON body the app parses (API, uploads): larger is 413, deeper or with more
    # values 422; see competency/bounded_json.py.
    JSON_MAX_BYTES = _env_int("JSON_MAX_BYTES", 4 * 1024 * 1024)
    JSON_MAX_DEPTH = 64
    JSON_MAX_NODES = 200_000

    API_PAGE_SIZE = 50
    PAGE_SIZE = 25


class DevelopmentConfig(BaseConfig):
    """The embedded default used by ``make run`` and the ``flask`` CLI."""

    ENV_NAME = "development"
    # A per-installation secret kept in instance/ (never committed) when none is given.
    SECRET_KEY = BaseConfig.SECRET_KEY
    DEMO_PASSWORD = _env("DEMO_PASSWORD", "correct-horse-battery")
    # Two installations on one machine verify each other over loopback.
    PASSPORT_FETCH_ALLOW_PRIVATE = _env_bool("PASSPORT_FETCH_ALLOW_PRIVATE", True)


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret-key-not-for-use-elsewhere"
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    PASSWORD_HASH_FAST = True
    DEMO_PASSWORD = "correct-horse-battery"
    IDENTITY_SALT = "testing-salt"
    PASSPORT_FETCH_ALLOW_PRIVATE = True
    PASSPORT_FETCH_TIMEOUT_SECONDS = 2.0
    SERVER_NAME = None


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to start with settings that would be unsafe in production."""
        missing = [name for name in ("SECRET_KEY", "IDENTITY_SALT") if not getattr(cls, name)]
        if missing:
            raise RuntimeError(
                "Production configuration is missing required settings: "
                + ", ".join(missing)
                + ". Set them in the environment."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[BaseConfig]:
    """The settings class named by ``COMPETENCY_CONFIG`` (default: development)."""
    name = _env("COMPETENCY_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown COMPETENCY_CONFIG {name!r}; use one of {', '.join(CONFIGS)}") from None
