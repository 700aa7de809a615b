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


class ResignConfirmationNeeded(Conflict):
    """Saving would stop other people's signatures standing, and nobody has agreed to that yet.

    ``signatures`` lists ``(party, signer name, why)`` for each signature that would stop
    standing, so the page can ask before anything is saved.
    """

    rule = "review-change-confirmed"

    def __init__(self, signatures: list[tuple[str, str, str]]) -> None:
        names = ", ".join(f"{name} ({party})" for party, name, _ in signatures)
        super().__init__(f"Saving this change means {names} will need to sign again. Confirm to save it.")
        self.signatures = signatures
