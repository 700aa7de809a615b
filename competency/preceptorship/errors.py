"""Errors raised by the preceptorship domain, worded for the person at the screen."""
from __future__ import annotations

from competency.errors import Conflict, DomainError, NotFound


class TemplateImmutable(Conflict):
    rule = "published-versions-are-immutable"


class TemplateFileInvalid(DomainError):
    rule = "programme-template-file-valid"

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        super().__init__(f"The programme template file has {count} problem{'s' if count != 1 else ''}; "
                         "nothing was imported.")
        self.problems = problems


class TemplateNotFound(NotFound):
    pass


class EnrolmentRuleError(DomainError):
    """A programme rule was not met (the ``rule`` names which)."""
