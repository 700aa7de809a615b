"""competency: a shared capability framework, preceptorship and portable passport."""
from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask

from config import ProductionConfig, config_from_env


def create_app(config: type | None = None) -> Flask:
    """Build the app. Never touches the database or the network."""
    config = config or config_from_env()
    app = Flask(
        __name__,
        instance_path=str(Path(config.INSTANCE_DIR).resolve()),
        instance_relative_config=True,
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
    )
    app.config.from_object(config)
    register_json(app)
    register_secret_key(app, config)
    register_extensions(app)
    register_routing(app)
    register_blueprints(app)
    register_uploads(app)
    register_security(app)
    register_proxy(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_shell_context(app)
    register_commands(app)
    register_logging(app)
    return app


def register_json(app: Flask) -> None:
    """Every ``request.get_json()`` goes through the bounded parser (size, depth, values, surrogates)."""
    from competency.bounded_json import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)


def register_secret_key(app: Flask, config: type) -> None:
    """Production must be given a key; the embedded default keeps one in ``instance/``."""
    if issubclass(config, ProductionConfig):
        config.check()
        return
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config.get("IDENTITY_SALT"):
        app.config["IDENTITY_SALT"] = app.config["SECRET_KEY"][:32]


def register_extensions(app: Flask) -> None:
    from competency import models  # noqa: F401  (every table on the metadata)
    from competency.accounts.passwords import use_fast_hashing
    from competency.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    use_fast_hashing(bool(app.config.get("PASSWORD_HASH_FAST")))

    from competency.accounts.sessions import user_for_session

    # Checked on every request: a session ended by sign-out, a password change or reset,
    # deactivation or "sign out everywhere" finds no user and is sent to sign in.
    login_manager.user_loader(user_for_session)


def register_routing(app: Flask) -> None:
    from competency.routing import register_converters

    register_converters(app)


def register_blueprints(app: Flask) -> None:
    from competency.blueprints import register_all

    register_all(app)


def register_uploads(app: Flask) -> None:
    from competency.blueprints.uploads import register_uploads as _register

    _register(app)


def register_security(app: Flask) -> None:
    from competency.http_security import register_security_headers

    register_security_headers(app)


def register_proxy(app: Flask) -> None:
    """Behind a TLS-terminating proxy, take the client address and scheme from its headers."""
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_errorhandlers(app: Flask) -> None:
    from competency.blueprints.errors import register_error_handlers

    register_error_handlers(app)


def register_template_context(app: Flask) -> None:
    from competency.blueprints.template_context import register_template_helpers

    register_template_helpers(app)


def register_shell_context(app: Flask) -> None:
    from competency.extensions import db

    app.shell_context_processor(lambda: {"db": db})


def register_commands(app: Flask) -> None:
    from competency.cli import register_cli

    register_cli(app)


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
