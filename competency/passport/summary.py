"""Reading the facts a person looks for out of an Open Badges credential (pure, never trusts it).

A summary is for display and lists only; whether the credential is genuine is
decided by :mod:`competency.passport.verification`.  Every field tolerates a
malformed document and falls back to ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from competency.passport.credentials import COMPETENCY, EMPLOYMENT_RECORD, PROGRAMME_COMPLETION, PROGRAMME_PROGRESS
from competency.passport.signedview import ref

# What credentials issued before assessors could be unregistered stated for one with no registration.
LEGACY_NO_REGISTRATION = "Registration not recorded"


@dataclass(frozen=True)
class CredentialSummary:
    kind: str  # signoff | completion | employment | progress | other
    name: str
    credential_uri: str | None
    issuer_did: str | None
    issuer_name: str | None
    holder_name: str | None
    achievement_name: str | None
    capability_uuid: str | None
    capability_code: str | None
    pillar: str | None
    level_name: str | None
    level_uuid: str | None
    assessor_name: str | None
    assessor_profession: str | None
    assessor_registration: str | None
    awarded_on: date | None
    started_on: date | None = None
    # The assessor's own organisation (the source profile's parentOrg), when the credential names it.
    assessing_organisation: str | None = None


def _text(value: Any, limit: int = 300) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([value] if value is not None else [])


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def _uuid(urn: Any) -> str | None:
    if isinstance(urn, str) and urn.startswith("urn:uuid:"):
        return urn[len("urn:uuid:"):][:36].lower()
    return None


def summarise(document: Any) -> CredentialSummary:
    credential = _dict(document)
    issuer = credential.get("issuer")
    issuer_did = _text(ref(issuer))
    subject = _dict(credential.get("credentialSubject"))
    achievement = _dict(subject.get("achievement"))
    achievement_type = achievement.get("achievementType")
    kind = {COMPETENCY: "signoff", PROGRAMME_COMPLETION: "completion", EMPLOYMENT_RECORD: "employment",
            PROGRAMME_PROGRESS: "progress"}.get(achievement_type, "other")
    holder_name = next((_text(entry.get("identityHash")) for entry in map(_dict, _list(subject.get("identifier")))
                        if entry.get("identityType") == "name" and entry.get("hashed") is False), None)
    level_uuid = level_name = None
    for result in map(_dict, _list(subject.get("result"))):
        level_uuid = _text(ref(result.get("achievedLevel")))
    for description in map(_dict, _list(achievement.get("resultDescription"))):
        for level in map(_dict, _list(description.get("rubricCriterionLevel"))):
            if level_uuid and level.get("id") == level_uuid:
                level_name = _text(level.get("name"))
    tags = [tag for tag in _list(achievement.get("tag")) if isinstance(tag, str)]
    # Tags are [pillar, level name]; RDF keeps no order, so the pillar is the tag that is not the level.
    pillars = [tag for tag in tags if tag != level_name] or tags
    pillar = pillars[0] if kind == "signoff" and pillars else None
    source = _dict(subject.get("source"))
    registration = next((_text(entry.get("identifier")) for entry in map(_dict, _list(source.get("otherIdentifier")))),
                        None)
    if registration == LEGACY_NO_REGISTRATION:
        registration = None
    return CredentialSummary(
        kind=kind,
        name=_text(credential.get("name")) or "Unnamed credential",
        credential_uri=_text(credential.get("id")),
        issuer_did=issuer_did,
        issuer_name=_text(_dict(issuer).get("name"), 200),
        holder_name=holder_name,
        achievement_name=_text(achievement.get("name")),
        capability_uuid=_uuid(achievement.get("id")) if kind == "signoff" else None,
        capability_code=_text(achievement.get("humanCode"), 40),
        pillar=pillar,
        level_name=level_name,
        level_uuid=_uuid(level_uuid),
        assessor_name=_text(source.get("name"), 200),
        assessor_profession=_text(source.get("description"), 200),
        assessor_registration=registration,
        awarded_on=_date(subject.get("activityEndDate")) or _date(credential.get("validFrom")),
        started_on=_date(subject.get("activityStartDate")),
        assessing_organisation=_text(_dict(source.get("parentOrg")).get("name"), 200),
    )


@dataclass(frozen=True)
class AssessingOrganisation:
    """The assessor's own organisation, as a credential's signed statements name it."""

    id: str | None
    name: str
    is_issuer: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "is_issuer": self.is_issuer}


def assessing_organisation_of(view: Any) -> AssessingOrganisation | None:
    """``credentialSubject.source.parentOrg`` of a credential's *signed view* (never its JSON keys: see
    :mod:`competency.passport.signedview`). Anything stated more than once, or not at all, is None:
    RDF has no order, so of two organisations neither is "the" one."""
    view = _dict(view)
    subject, issuer = view.get("credentialSubject"), view.get("issuer")
    source = _dict(subject).get("source") if isinstance(subject, dict) else None
    parent = _dict(source).get("parentOrg") if isinstance(source, dict) else None
    if not isinstance(parent, dict):
        return None
    name = _text(parent.get("name"), 200)
    if name is None:
        return None
    identifier = _text(ref(parent))
    issuer_id = ref(issuer) if not isinstance(issuer, list) else None
    return AssessingOrganisation(identifier, name, identifier is not None and identifier == issuer_id)
