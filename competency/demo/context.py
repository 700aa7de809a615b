from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DemoContext:
    """Passed through the seeding steps so later steps can find what earlier ones made."""

    password: str
    accounts: list[tuple[str, str]] = field(default_factory=list)
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    # Extra lines printed after the accounts (e.g. a demo share link).
    notes: list[str] = field(default_factory=list)
