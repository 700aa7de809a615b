"""Turning policy answers into HTTP answers for views.

A foreign object (outside the caller's organisations) answers 404 so its
existence is not revealed; a visible object the caller may not act on answers 403.
"""
from __future__ import annotations

from typing import TypeVar

from flask import abort

from competency.extensions import db

T = TypeVar("T")


def get_or_404(model: type[T], object_id) -> T:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def require_visible(is_visible: bool) -> None:
    """Abort 404 unless the caller may see the object."""
    if not is_visible:
        abort(404)


def require_allowed(is_allowed: bool) -> None:
    """Abort 403 when the caller can see the object but may not do this."""
    if not is_allowed:
        abort(403)
