"""One blueprint per user-facing area. Each area adds one line to ``BLUEPRINTS``."""
from __future__ import annotations

from importlib import import_module

from flask import Flask

BLUEPRINTS = [
    "competency.blueprints.home.routes:bp",
    "competency.blueprints.auth.routes:bp",
    "competency.blueprints.admin.routes:bp",
    "competency.blueprints.api:bp",
    "competency.blueprints.frameworks.routes:bp",
    "competency.blueprints.case.routes:bp",
    "competency.blueprints.progression.routes:bp",
    "competency.blueprints.passport:bp",
    "competency.blueprints.verify.routes:bp",
    "competency.blueprints.evidence.routes:bp",
    "competency.blueprints.progress.routes:bp",
    "competency.blueprints.review.routes:bp",
    "competency.blueprints.programmes.routes:bp",
    "competency.blueprints.reports.routes:bp",
    "competency.blueprints.workforce.grants:bp",
    "competency.blueprints.workforce.placements:bp",
    "competency.blueprints.workforce.preceptors:bp",
    "competency.blueprints.platform.routes:bp",
]


def register_all(app: Flask) -> None:
    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        app.register_blueprint(getattr(import_module(module_name), attr))
