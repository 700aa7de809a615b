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
    RATELIMIT_HEADERS_ENABLED = True
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
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024
    SIGNING_KEY_DIR = Path(_env("SIGNING_KEY_DIR", str(INSTANCE_DIR / "keys")))

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

    # Personal data in credentials is identified by salted hashes.
    IDENTITY_SALT = _env("IDENTITY_SALT")

    API_PAGE_SIZE = 50
    PAGE_SIZE = 25


class DevelopmentConfig(BaseConfig):
    """The embedded default used by ``make run`` and the ``flask`` CLI."""

    ENV_NAME = "development"
    # A per-installation secret kept in instance/ (never committed) when none is given.
    SECRET_KEY = BaseConfig.SECRET_KEY
    DEMO_PASSWORD = _env("DEMO_PASSWORD", "correct-horse-battery")


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
