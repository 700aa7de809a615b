"""Open Badges 3.0 credentials for sign-offs and programme completions.

Pure functions over plain dataclasses (never ORM objects), so the web layer,
a worker, the CLI and tests build identical documents.  The results are
unsigned; :func:`sign_credential` adds the issuing organisation's proof.

Privacy decisions:
- The holder is identified by OB3 ``IdentityObject`` entries holding salted
  SHA-256 hashes of the normalised email address and professional
  registration (``sha256$<hex of sha256(value + salt)>``), never a bare email.
  A receiving employer who knows the person's email recomputes the hash with
  the salt printed beside it (:func:`identity_matches`).  The display name is
  included in plain text (``identityType`` ``name``, ``hashed`` false) because
  a recruiter must see whose passport it is; pass ``name=None`` to leave it out.
- Evidence content never leaves the issuer: each evidence item appears as its
  SHA-256 (as an RFC 6920 ``ni:///sha-256;...`` identifier and in hex) and its
  kind.  The assessor appears by name, profession and registration, as the
  credential's ``source`` profile and as an "assessor sign-off" evidence entry.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from competency.passport.canonical import expand_safely
from competency.passport.contexts import CREDENTIALS_V2, OPEN_BADGES_V3
from competency.passport.dataintegrity import create_proof, format_created
from competency.passport.statuslist import StatusEntry

CREDENTIAL_CONTEXT = [CREDENTIALS_V2, OPEN_BADGES_V3]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
COMPETENCY = "Competency"
#: OB3 extends its closed vocabularies with values prefixed ``ext:``.
PROGRAMME_COMPLETION = "ext:ProgrammeCompletion"
# Employment history and part-completed programmes (see competency.passport.records).
EMPLOYMENT_RECORD = "ext:EmploymentRecord"
PROGRAMME_PROGRESS = "ext:ProgrammeProgress"
REGISTRATION_IDENTITY = "ext:ProfessionalRegistration"
HASH_PREFIX = "sha256$"


@dataclass(frozen=True)
class IssuerProfile:
    did: str
    name: str
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.did, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        return profile


@dataclass(frozen=True)
class Registration:
    """A professional registration such as ``Registration("HCPC", "OT12345")``."""

    body: str
    number: str

    def normalised(self) -> str:
        number = re.sub(r"\s+", "", self.number).upper()
        return f"{self.body.strip().upper()}:{number}"

    def __str__(self) -> str:
        return f"{self.body} {self.number}"


@dataclass(frozen=True)
class Holder:
    email: str
    registration: Registration | None = None
    name: str | None = None


@dataclass(frozen=True)
class Assessor:
    name: str
    profession: str
    # None for an assessor without a professional registration (a trained assessor, support level only).
    registration: Registration | None
    # The assessing organisation: the assessor's own, which a grant can make differ from the issuer.
    organisation: IssuerProfile | None = None
    # The profile id of an unregistered assessor (competency.passport.assessors); registered ones
    # are named by their registration.
    identifier: str | None = None
    # Named by the organisation as a trained assessor (what makes an unregistered assessor eligible).
    is_trained_assessor: bool = False

    @property
    def profile_id(self) -> str:
        if self.registration is not None:
            return _derived_urn("registration", self.registration.normalised())
        if not self.identifier:
            raise ValueError(f"The assessor {self.name!r} has no registration and no identifier of their own.")
        return self.identifier

    @property
    def standing(self) -> str:
        """How the assessor could sign, in words: their registration, or their naming as a trained assessor."""
        if self.registration is not None:
            return f"{self.registration.body} registration {self.registration.number}"
        if self.is_trained_assessor:
            return "trained assessor named by the organisation, without a professional registration"
        return "no professional registration recorded"


@dataclass(frozen=True)
class EvidenceRecord:
    """A cited evidence item: its content hash (hex SHA-256) and kind label."""

    sha256: str
    kind: str


@dataclass(frozen=True)
class Level:
    """A level of practice, with its stable identifier (a UUID)."""

    identifier: str
    name: str


@dataclass(frozen=True)
class Capability:
    """A framework capability and where its CASE item is published."""

    identifier: str
    code: str
    statement: str
    pillar: str
    framework_name: str
    case_item_url: str


@dataclass(frozen=True)
class Programme:
    """A programme template version (preceptorship, induction...)."""

    identifier: str
    name: str
    kind: str
    description: str
    completion_rule: str
    version: str | None = None


@dataclass(frozen=True)
class SignOffFacts:
    credential_id: str
    issuer: IssuerProfile
    holder: Holder
    capability: Capability
    level: Level
    assessor: Assessor
    evidence: Sequence[EvidenceRecord]
    signed_off_at: datetime
    levels: Sequence[Level] = ()
    status: Sequence[StatusEntry] = ()
    valid_until: datetime | None = None
    salt: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CompletionFacts:
    credential_id: str
    issuer: IssuerProfile
    holder: Holder
    programme: Programme
    started_on: date
    completed_on: date
    completed_at: datetime
    confirmed_by: Assessor | None = None
    evidence: Sequence[EvidenceRecord] = ()
    status: Sequence[StatusEntry] = ()
    valid_until: datetime | None = None
    salt: str | None = field(default=None, repr=False)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_identity(value: str, salt: str) -> str:
    """OB3 identity hash: ``sha256$`` + hex SHA-256 of the value followed by the salt."""
    return HASH_PREFIX + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def _identity(identity_type: str, value: str, salt: str) -> dict[str, Any]:
    return {
        "type": "IdentityObject",
        "identityType": identity_type,
        "hashed": True,
        "identityHash": hash_identity(value, salt),
        "salt": salt,
    }


def holder_identifiers(holder: Holder, salt: str | None = None) -> list[dict[str, Any]]:
    """The credential subject's ``identifier`` entries (hashed email and registration, plain name)."""
    identifiers = [_identity("emailAddress", normalise_email(holder.email), salt or secrets.token_hex(16))]
    if holder.registration is not None:
        identifiers.append(
            _identity(REGISTRATION_IDENTITY, holder.registration.normalised(), salt or secrets.token_hex(16))
        )
    if holder.name:
        identifiers.append(
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": holder.name}
        )
    return identifiers


def identity_matches(credential: dict[str, Any], *, email: str | None = None, registration: Registration | None = None) -> bool:
    """Whether the credential's subject is the person with this email or registration."""
    subject = credential.get("credentialSubject")
    entries = subject.get("identifier", []) if isinstance(subject, dict) else []
    wanted = {"emailAddress": normalise_email(email) if email else None,
              REGISTRATION_IDENTITY: registration.normalised() if registration else None}
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or entry.get("hashed") is not True:
            continue
        value = wanted.get(entry.get("identityType"))
        salt = entry.get("salt")
        if value is None or not isinstance(salt, str) or not isinstance(entry.get("identityHash"), str):
            continue
        if hmac.compare_digest(hash_identity(value, salt), entry["identityHash"]):
            return True
    return False


def _urn(identifier: str) -> str:
    return identifier if ":" in identifier else f"urn:uuid:{identifier}"


def _derived_urn(base: str, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}#{name}')}"


def _ni_uri(sha256_hex: str) -> str:
    digest = bytes.fromhex(sha256_hex)
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def assessor_profile(assessor: Assessor) -> dict[str, Any]:
    """The assessor as an OB3 Profile, with the assessing organisation as its ``parentOrg`` when known.

    The id is derived from the public registration, or for an unregistered assessor is their own
    random identifier; only a registered assessor has an ``otherIdentifier`` (the registration).
    """
    profile: dict[str, Any] = {
        "id": assessor.profile_id,
        "type": ["Profile"],
        "name": assessor.name,
        "description": assessor.profession,
    }
    if assessor.registration is not None:
        profile["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",  # the OB 3.0 schema wants the string here, not an array
                "identifier": str(assessor.registration),
                "identifierType": REGISTRATION_IDENTITY,
            }
        ]
    if assessor.organisation is not None:
        profile["parentOrg"] = assessor.organisation.to_json()
    return profile


def evidence_entries(evidence: Sequence[EvidenceRecord], assessor: Assessor | None, decided_at: datetime) -> list[dict[str, Any]]:
    """OB3 ``Evidence``: one entry per evidence hash, then the assessor's sign-off."""
    entries: list[dict[str, Any]] = []
    for number, record in enumerate(evidence, start=1):
        if not re.fullmatch(r"[0-9a-f]{64}", record.sha256):
            raise ValueError(f"Evidence hash {record.sha256!r} is not a lower-case hex SHA-256.")
        entries.append(
            {
                "id": _ni_uri(record.sha256),
                "type": ["Evidence"],
                "name": f"Evidence {number}: {record.kind}",
                "genre": record.kind,
                "description": f"SHA-256 {record.sha256}. The evidence itself stays with the practitioner.",
            }
        )
    if assessor is not None:
        entries.append(
            {
                "type": ["Evidence"],
                "name": f"Signed off by {assessor.name}",
                "genre": "Assessor sign-off",
                "description": (
                    f"{assessor.name}, {assessor.profession}, {assessor.standing}"
                    + (f", of {assessor.organisation.name}" if assessor.organisation is not None else "")
                    + f", signed off on {decided_at.date().isoformat()}."
                ),
            }
        )
    return entries


def _base(credential_id: str, issuer: IssuerProfile, name: str, description: str, valid_from: datetime,
          valid_until: datetime | None, status: Sequence[StatusEntry]) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": _urn(credential_id),
        "type": list(CREDENTIAL_TYPES),
        "name": name,
        "description": description,
        "issuer": issuer.to_json(),
        "validFrom": format_created(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_created(valid_until)
    if len(status) == 1:  # OB 3.0 allows one credentialStatus object (ours carries both states)
        credential["credentialStatus"] = status[0].to_json()
    elif status:
        credential["credentialStatus"] = [entry.to_json() for entry in status]
    return credential


def _signed_by(assessor: Assessor) -> str:
    if assessor.registration is not None:
        return "a registered practitioner"
    return "a trained assessor the organisation named" if assessor.is_trained_assessor else "an assessor"


def build_signoff_credential(facts: SignOffFacts) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one capability sign-off."""
    capability, level = facts.capability, facts.level
    achievement_id = _urn(capability.identifier)
    rubric_id = _derived_urn(achievement_id, "level-of-practice")
    levels = list(facts.levels) or [level]
    if level.identifier not in {item.identifier for item in levels}:
        levels.append(level)
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": COMPETENCY,
        "name": f"{capability.code}: {capability.statement}",
        "description": capability.statement,
        "humanCode": capability.code,
        "criteria": {
            "narrative": (
                f"Signed off by {_signed_by(facts.assessor)} as practised at the {level.name} level, "
                f"citing the practitioner's own evidence, against {capability.framework_name} capability "
                f"{capability.code}."
            )
        },
        "tag": [capability.pillar, level.name],
        "alignment": [
            {
                "type": ["Alignment"],
                "targetType": "CFItem",
                "targetCode": capability.code,
                "targetName": capability.statement,
                "targetFramework": capability.framework_name,
                "targetUrl": capability.case_item_url,
            }
        ],
        "resultDescription": [
            {
                "id": rubric_id,
                "type": ["ResultDescription"],
                "name": "Level of practice",
                "resultType": "RubricCriterionLevel",
                "requiredLevel": _urn(level.identifier),
                "rubricCriterionLevel": [
                    {"id": _urn(item.identifier), "type": ["RubricCriterionLevel"], "name": item.name}
                    for item in levels
                ],
            }
        ],
    }
    credential = _base(
        facts.credential_id, facts.issuer,
        name=f"Capability {capability.code} signed off",
        description=f"{capability.framework_name}: {capability.statement} ({level.name} level of practice).",
        valid_from=facts.signed_off_at, valid_until=facts.valid_until, status=facts.status,
    )
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": holder_identifiers(facts.holder, facts.salt),
        "achievement": achievement,
        "result": [
            {"type": ["Result"], "resultDescription": rubric_id, "achievedLevel": _urn(level.identifier)}
        ],
        "source": assessor_profile(facts.assessor),
    }
    credential["evidence"] = evidence_entries(facts.evidence, facts.assessor, facts.signed_off_at)
    return credential


def day_start(day: date) -> str:
    """A date as the midnight UTC date-time OB 3.0 asks for (activity dates are date-times)."""
    return f"{day.isoformat()}T00:00:00Z"


def build_completion_credential(facts: CompletionFacts) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for a completed programme (``ext:ProgrammeCompletion``)."""
    programme = facts.programme
    achievement: dict[str, Any] = {
        "id": _urn(programme.identifier),
        "type": ["Achievement"],
        "achievementType": PROGRAMME_COMPLETION,
        "name": programme.name,
        "description": programme.description,
        "criteria": {"narrative": programme.completion_rule},
        "tag": [programme.kind],
    }
    if programme.version:
        achievement["version"] = programme.version
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": holder_identifiers(facts.holder, facts.salt),
        "achievement": achievement,
        # The OB 3.0 schema types both as date-time: midnight UTC of the day.
        "activityStartDate": day_start(facts.started_on),
        "activityEndDate": day_start(facts.completed_on),
    }
    if facts.confirmed_by is not None:
        subject["source"] = assessor_profile(facts.confirmed_by)
    credential = _base(
        facts.credential_id, facts.issuer,
        name=f"{programme.name} completed",
        description=f"Completed {programme.name} ({programme.kind}) on {facts.completed_on.isoformat()}.",
        valid_from=facts.completed_at, valid_until=facts.valid_until, status=facts.status,
    )
    credential["credentialSubject"] = subject
    evidence = evidence_entries(facts.evidence, facts.confirmed_by, facts.completed_at)
    if evidence:
        credential["evidence"] = evidence
    return credential


def check_signable(credential: dict[str, Any]) -> None:
    """Refuse a credential that uses any term its contexts do not define.

    :raises UnknownContextError, UndefinedTermError, CanonicalizationError.
    """
    expand_safely(credential, allow_issuer_dependent=False)


def sign_credential(credential: dict[str, Any], private_key: Ed25519PrivateKey, *,
                    verification_method: str, created: datetime | None = None) -> dict[str, Any]:
    """The credential with the issuer's ``eddsa-rdfc-2022`` proof (checked with :func:`check_signable`).

    ``proof`` is written as an array of one proof, as the OB 3.0 schema asks (the same RDF as an object).
    """
    return create_proof(credential, private_key, verification_method=verification_method, created=created,
                        proof_as_list=True)


def build_presentation(credentials: Sequence[dict[str, Any]], *, presentation_id: str | None = None) -> dict[str, Any]:
    """The passport bundle: an unsigned Verifiable Presentation carrying each credential unchanged."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": _urn(presentation_id or str(uuid.uuid4())),
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }
