"""A milestone review is written in sections, one per party, and each signature covers its own.

Why sections: when the review was one shared text, any sentence added by anyone silently
voided everyone's signature. Now each party writes only their own section, and a
signature records two things: the hash of the signer's section, and the hash of every
other section as the signer read it (``read_sections``; their digest is ``read_digest``).

A signature stands while

* the signer's own section is unchanged, and
* every other section that had been written when they signed still reads the same.

A section that was still empty when someone signed does not bind them: the preceptor
writing their part after the preceptee signed is the normal order of a review, not a
change to what the preceptee read. Changing a section someone has read does void their
signature, and :func:`signatures_voided_by` says whose, so the page can ask before saving.

The sections keep HCPC preceptorship principle 3: they are reflective (the preceptee's
reflection, the preceptor's reflection on the period and the support agreed), never a
re-test of competence, which is signed off separately.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from competency.preceptorship.models import EnrolmentMilestone, MilestoneSignature

PARTY_ORDER = ("preceptee", "preceptor", "lead")


@dataclass(frozen=True)
class Section:
    party: str
    title: str
    fields: tuple[str, ...]
    # Fields of which at least one must hold text before the section counts as written.
    written_by: tuple[str, ...]
    # Whether the party must have written their section before they can sign it.
    is_required: bool


SECTIONS: dict[str, Section] = {
    "preceptee": Section("preceptee", "Preceptee's reflection", ("reflection", "goals"), ("reflection", "goals"),
                         True),
    "preceptor": Section("preceptor", "Preceptor's reflection and support",
                         ("preceptor_feedback", "development_plan", "has_concern", "concerns"),
                         ("preceptor_feedback", "development_plan"), True),
    "lead": Section("lead", "Lead's comments", ("lead_comments",), ("lead_comments",), False),
}
FIELD_OWNER: dict[str, str] = {name: party for party, section in SECTIONS.items() for name in section.fields}
TEXT_FIELDS = tuple(name for name in FIELD_OWNER if name != "has_concern")


def parties_of(milestone: EnrolmentMilestone) -> list[str]:
    """The sections this milestone has, in reading order (only the parties who sign it)."""
    return [party for party in PARTY_ORDER if party in milestone.definition.signed_by]


def section_values(milestone: EnrolmentMilestone, party: str,
                   overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    values = {}
    for name in SECTIONS[party].fields:
        value = (overrides or {}).get(name, getattr(milestone, name))
        values[name] = bool(value) if name == "has_concern" else (value or "")
    return values


def is_written(values: Mapping[str, Any], party: str) -> bool:
    return any((values.get(name) or "").strip() for name in SECTIONS[party].written_by)


def _is_empty(values: Mapping[str, Any]) -> bool:
    return not any(bool(v) if isinstance(v, bool) else (v or "").strip() for v in values.values())


def section_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True).encode()).hexdigest()


def section_state(milestone: EnrolmentMilestone,
                  overrides: Mapping[str, Any] | None = None) -> dict[str, str | None]:
    """{party: hash of the section, or None while it is empty}, for this milestone's sections."""
    state: dict[str, str | None] = {}
    for party in parties_of(milestone):
        values = section_values(milestone, party, overrides)
        state[party] = None if _is_empty(values) else section_hash(values)
    return state


def own_hash(milestone: EnrolmentMilestone, party: str, overrides: Mapping[str, Any] | None = None) -> str:
    """The hash a signature stores for its own section (an empty section has one too)."""
    return section_hash(section_values(milestone, party, overrides))


def digest(read: Mapping[str, str | None]) -> str:
    return hashlib.sha256(json.dumps(dict(read), sort_keys=True).encode()).hexdigest()


def whole_review_hash(state: Mapping[str, str | None]) -> str:
    return digest({party: value or "" for party, value in state.items()})


def stands(signature: MilestoneSignature, milestone: EnrolmentMilestone,
           state: Mapping[str, str | None], overrides: Mapping[str, Any] | None = None) -> bool:
    """Whether ``signature`` still covers the review whose sections are ``state``."""
    if signature.section_hash is None or signature.party not in state:
        return False
    if signature.section_hash != own_hash(milestone, signature.party, overrides):
        return False
    return all(state.get(party) == seen for party, seen in (signature.read_sections or {}).items()
               if seen is not None)


def current_signatures(milestone: EnrolmentMilestone) -> dict[str, MilestoneSignature]:
    """The latest standing signature of each party."""
    state = section_state(milestone)
    found: dict[str, MilestoneSignature] = {}
    for signature in milestone.signatures:
        if stands(signature, milestone, state):
            found[signature.party] = signature
    return found


def signatures_voided_by(milestone: EnrolmentMilestone, overrides: Mapping[str, Any]) -> list[MilestoneSignature]:
    """The standing signatures that would stop standing if ``overrides`` were saved, in section order."""
    after = section_state(milestone, overrides)
    voided = [signature for signature in current_signatures(milestone).values()
              if not stands(signature, milestone, after, overrides)]
    return sorted(voided, key=lambda s: PARTY_ORDER.index(s.party))


def readers_of(milestone: EnrolmentMilestone, party: str) -> list[MilestoneSignature]:
    """Other parties' standing signatures that read ``party``'s section as it is (changing it voids them)."""
    return [signature for signature in current_signatures(milestone).values()
            if signature.party != party and (signature.read_sections or {}).get(party) is not None]


def why_voided(signature: MilestoneSignature, milestone: EnrolmentMilestone, overrides: Mapping[str, Any]) -> str:
    """In words, which section's change stops this signature standing."""
    label = milestone.enrolment.template_version.party_label
    if signature.section_hash != own_hash(milestone, signature.party, overrides):
        return f"their signature covers the {label(signature.party).lower()}'s section as it was"
    after = section_state(milestone, overrides)
    changed = [party for party, seen in (signature.read_sections or {}).items()
               if seen is not None and after.get(party) != seen]
    names = " and ".join(f"the {label(party).lower()}'s section" for party in changed)
    return f"they signed having read {names} as it was"


def signature_for(milestone: EnrolmentMilestone, party: str) -> dict[str, Any]:
    """The hashes a new signature of ``party`` records: own section, what it read, the whole review."""
    state = section_state(milestone)
    read = {other: value for other, value in state.items() if other != party}
    return {"section_hash": own_hash(milestone, party), "read_sections": read, "read_digest": digest(read),
            "content_hash": whole_review_hash(state)}
