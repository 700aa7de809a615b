"""The Celery app, bound to the Flask app through one task base class.

The worker entry point builds the Flask app with ``create_app()`` (settings from
the environment, as for the web app)::

    celery -A worker.celery_app worker            # one or more workers
    celery -A worker.celery_app beat              # the schedule, exactly one process
    celery -A worker.celery_app worker -B         # both in one process (embedded default)

Broker: ``REDIS_URL`` in production; without it, kombu's SQLAlchemy transport on a
SQLite file in ``instance/``, so the embedded default needs no Redis.

Two ways to build the app. The *worker* keeps reconnecting to a broker that went
away. The *web* side (``get_celery()``) only publishes, and fails fast: a one second
connect timeout and no retries, so a request never waits on a broker that is down
(what it meant to enqueue is already committed in the outbox; beat's periodic
sender picks it up).
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask, current_app


def _transport_options(app: Flask, *, for_worker: bool) -> dict:
    broker = app.config["CELERY_BROKER_URL"]
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    if for_worker:
        # Connection loss is handled by the worker's own reconnect loop (forever).
        return {"socket_connect_timeout": 5, "socket_timeout": 30, "health_check_interval": 25,
                "visibility_timeout": 3600}
    timeout = app.config["CELERY_PUBLISH_TIMEOUT_SECONDS"]
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout * 2,
            "max_retries": 0, "connect_retries_timeout": timeout}


def celery_init_app(app: Flask, *, for_worker: bool = False) -> Celery:
    class FlaskTask(Task):
        """Runs inside the Flask app context; the task commits at its own boundary.

        Any exception rolls the session back before it propagates, so a failed task
        leaves no half-done transaction behind.
        """

        def __call__(self, *args, **kwargs):
            from competency.extensions import db

            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_eager_propagates=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=app.config["TIMEZONE"],
        enable_utc=True,
        task_ignore_result=True,
        # A task whose worker dies is delivered again; every task is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None if for_worker else 0,
        broker_connection_timeout=5 if for_worker else app.config["CELERY_PUBLISH_TIMEOUT_SECONDS"],
        broker_transport_options=_transport_options(app, for_worker=for_worker),
        result_expires=3600,
        worker_hijack_root_logger=False,
        imports=["worker.tasks"],
    )
    from worker.schedule import beat_schedule

    celery.conf.beat_schedule = beat_schedule(app.config)
    if for_worker:
        celery.set_default()
    app.extensions["celery"] = celery
    return celery


def get_celery() -> Celery:
    """The Celery app of the current Flask app (publishing side), created on first use."""
    import worker.tasks  # noqa: F401  (registers the shared tasks)

    app = current_app._get_current_object()
    return app.extensions.get("celery") or celery_init_app(app)


flask_app: Flask | None = None
celery_app: Celery | None = None


def __getattr__(name: str):
    """``celery -A worker.celery_app`` builds the Flask app only when the worker starts."""
    global flask_app, celery_app
    if name in {"celery", "app"}:
        if celery_app is None:
            from competency import create_app

            flask_app = create_app()
            celery_app = celery_init_app(flask_app, for_worker=True)
        return celery_app
    raise AttributeError(name)
