"""Domain errors: messages written for the person at the screen."""
from __future__ import annotations


class DomainError(Exception):
    """A rule stopped the operation. ``str(error)`` is safe to show to the user."""

    status = 422
    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if rule:
            self.rule = rule


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
