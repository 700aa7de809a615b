"""The Celery app, bound to the Flask app through one task base class.

The worker entry point builds the Flask app with ``create_app()``::

    celery -A worker.celery_app worker -B
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from competency import create_app


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        """Runs every task inside the Flask app context; the task commits at its own boundary."""

        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=app.config["TIMEZONE"],
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"max_retries": 0} if app.config["CELERY_BROKER_URL"].startswith("redis") else {},
        result_expires=3600,
        imports=["worker.tasks"],
    )
    from worker.schedule import beat_schedule

    celery.conf.beat_schedule = beat_schedule()
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def get_celery() -> Celery:
    """The Celery app of the current Flask app, created on first use."""
    from flask import current_app

    app = current_app._get_current_object()
    return app.extensions.get("celery") or celery_init_app(app)


flask_app = None
celery_app = None


def __getattr__(name: str):
    """``celery -A worker.celery_app`` builds the Flask app only when the worker starts."""
    global flask_app, celery_app
    if name in {"celery", "app"}:
        if celery_app is None:
            flask_app = create_app()
            celery_app = celery_init_app(flask_app)
        return celery_app
    raise AttributeError(name)
