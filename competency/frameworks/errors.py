"""Errors raised by the frameworks domain, worded for the person at the screen."""
from __future__ import annotations

from competency.errors import Conflict, DomainError, NotFound


class VersionImmutable(Conflict):
    """Someone tried to change a published or retired framework version."""

    rule = "published-versions-are-immutable"


class FrameworkFileInvalid(DomainError):
    """A data file or package failed validation; ``problems`` lists each one (file:line: what)."""

    rule = "framework-file-valid"

    def __init__(self, problems: list[str], message: str | None = None) -> None:
        count = len(problems)
        super().__init__(message or f"The file has {count} problem{'s' if count != 1 else ''}; nothing was imported.")
        self.problems = problems


class FrameworkNotFound(NotFound):
    pass


def immutable_message(title: str, version: str, status: str) -> str:
    return (f"{title} version {version} is {status} and cannot be changed. "
            "Upload your changes with a new version number instead; nothing was changed.")
