"""What each signed-off capability says, for the passport page and PDF.

A credential names its capability by stable identifier (a reworded capability gets a new one), so
the statement is read from the framework tables here, never parsed out of the signed JSON, whose
shape follows the Open Badges schema and may change. Only a capability this installation does not
hold (imported from a framework it has never loaded) falls back to the credential's own
achievement name, read through :func:`competency.passport.summary.summarise`.
"""
from __future__ import annotations

from competency.passport.models import CredentialKind, PassportCredential
from competency.passport.summary import summarise
from competency.signoff.capabilities import capabilities_by_uuid


def _from_document(credential: PassportCredential) -> str | None:
    name = summarise(credential.document).achievement_name
    code = credential.capability_code
    if name and code and name.startswith(f"{code}: "):
        return name[len(code) + 2:]
    return name


def capability_statements(credentials: list[PassportCredential]) -> dict[int, str]:
    """Credential id -> the statement of the capability it signs off (sign-offs only), one query."""
    signoffs = [c for c in credentials if c.kind == CredentialKind.signoff]
    known = capabilities_by_uuid({c.capability_uuid for c in signoffs if c.capability_uuid})
    statements: dict[int, str] = {}
    for credential in signoffs:
        capability = known.get(credential.capability_uuid or "")
        statement = capability.statement if capability is not None else _from_document(credential)
        if statement:
            statements[credential.id] = statement
    return statements
