"""The holder's passport, sharing, import and recognition, and the administrators' trust list and keys."""
from competency.blueprints.passport import admin, history, imports  # noqa: F401  (their routes join the blueprint)
from competency.blueprints.passport.routes import bp

__all__ = ["bp"]
