"""WSGI entry points for the load test: the platform with rate limits off, and a bare Flask route.

``gunicorn 'bench.apps:platform()'`` serves the database named by DATABASE_URL (read by config/).
"""
from __future__ import annotations

from flask import Flask

from competency import create_app
from config import DevelopmentConfig


class BenchConfig(DevelopmentConfig):
    ENV_NAME = "bench"
    # Load tests hammer one page from one address; the login and verify limits would answer 429.
    RATELIMIT_ENABLED = False


def platform() -> Flask:
    return create_app(BenchConfig)


def bare() -> Flask:
    """The yardstick: the same server and worker count with nothing behind the route."""
    app = Flask("bare")

    @app.get("/")
    def hello():
        return "ok"

    return app
