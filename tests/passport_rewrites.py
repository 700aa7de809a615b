"""RDF-identical rewrites of signed credentials: the regression corpus of issue 12.

Each rewrite changes only the JSON shape, never the RDF statements, so the proof
stays valid; before issue 12 the verifier read status and dates from JSON keys
and reported a revoked or expired credential rewritten this way as Valid.
:func:`corpus` yields the named rewrites of the issue plus seeded random
combinations of the transformations below, and checks every one with RDF
canonicalisation, so a rewrite that is not RDF-identical can never pass for one.
"""
from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

from competency.passport.canonical import canonicalize

VC = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
SCHEMA = "https://schema.org/"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

# Top-level terms and the IRIs the VC 2.0 context maps them to.
TOP_TERMS = {
    "credentialStatus": VC + "credentialStatus",
    "validFrom": VC + "validFrom",
    "validUntil": VC + "validUntil",
    "credentialSubject": VC + "credentialSubject",
    "name": SCHEMA + "name",
    "description": SCHEMA + "description",
    "evidence": VC + "evidence",
}
ENTRY_TERMS = {"statusPurpose": STATUS + "statusPurpose", "statusListIndex": STATUS + "statusListIndex"}

Rewrite = Callable[[dict[str, Any], random.Random], None]


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("credentialStatus", VC + "credentialStatus"):
        value = document.get(key)
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return []


def status_under_iri(document, rng=None) -> None:
    """``credentialStatus`` written under its full IRI."""
    if "credentialStatus" in document:
        document[VC + "credentialStatus"] = document.pop("credentialStatus")


def status_split(document, rng=None) -> None:
    """The entries split between the term and the IRI (one under each when there are two)."""
    status = document.pop("credentialStatus", None)
    if status is None:
        return
    entries = status if isinstance(status, list) else [status]
    document["credentialStatus"] = entries[:1]
    document[VC + "credentialStatus"] = entries[1:] or entries[:1]


def dates_as_expanded_literals(document, rng=None) -> None:
    """``validFrom``/``validUntil`` as ``{"@value", "@type": xsd:dateTime}`` under their IRIs."""
    for name in ("validFrom", "validUntil"):
        if name in document:
            document[VC + name] = {"@value": document.pop(name), "@type": XSD_DATETIME}


def _term_to_iri(document, rng) -> None:
    present = [name for name in TOP_TERMS if name in document]
    if present:
        name = rng.choice(present)
        document[TOP_TERMS[name]] = document.pop(name)


def _value_object(document, rng) -> None:
    present = [name for name in ("name", "description") if isinstance(document.get(name), str)]
    if present:
        name = rng.choice(present)
        document[name] = {"@value": document[name]}


def _date_value_object(document, rng) -> None:
    present = [name for name in ("validFrom", "validUntil") if isinstance(document.get(name), str)]
    if present:
        name = rng.choice(present)
        document[name] = {"@value": document[name], "@type": XSD_DATETIME}


def _wrap_in_array(document, rng) -> None:
    present = [name for name in ("validFrom", "validUntil", "issuer", "credentialStatus")
               if isinstance(document.get(name), (str, dict))]
    if present:
        name = rng.choice(present)
        document[name] = [document[name]]


def _entry_fields_to_iris(document, rng) -> None:
    for entry in _entries(document):
        for name, iri in ENTRY_TERMS.items():
            if name in entry and rng.random() < 0.7:
                entry[iri] = entry.pop(name)
        if "statusListCredential" in entry and rng.random() < 0.5:
            entry[STATUS + "statusListCredential"] = {"@id": entry.pop("statusListCredential")}
        if "id" in entry and rng.random() < 0.5:
            entry["@id"] = entry.pop("id")
        if entry.get("type") == "BitstringStatusListEntry" and rng.random() < 0.5:
            entry.pop("type")
            entry["@type"] = STATUS + "BitstringStatusListEntry"


def _inline_alias(document, rng) -> None:
    """A new alias defined in an inline context (the VC 2.0 terms are protected, new ones are allowed)."""
    present = [name for name in ("credentialStatus", "validFrom", "validUntil") if name in document]
    if not present:
        return
    name = rng.choice(present)
    alias = f"x{name[0].upper()}{name[1:]}"
    definition: Any = TOP_TERMS[name]
    if name in ("validFrom", "validUntil"):
        definition = {"@id": TOP_TERMS[name], "@type": XSD_DATETIME}
    elif name == "credentialStatus":
        definition = {"@id": TOP_TERMS[name], "@type": "@id"}
    context = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
    document["@context"] = [*context, {alias: definition}]
    document[alias] = document.pop(name)


def _entry_to_included(document, rng) -> None:
    """The status entry node moved into ``@included`` and referred to by its ``@id``."""
    entries = _entries(document)
    if not entries or any("id" not in entry for entry in entries):
        return
    for key in ("credentialStatus", VC + "credentialStatus"):
        value = document.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        document[key] = [{"id": item["id"]} if isinstance(item, dict) and "id" in item else item for item in items]
    document.setdefault("@included", []).extend(copy.deepcopy(entries))


def _entry_reverse(document, rng) -> None:
    """The link from credential to status entry stated backwards, with ``@reverse`` on the entry."""
    if "credentialStatus" not in document or not isinstance(document.get("id"), str):
        return
    entries = _entries(document)
    if any("id" not in entry for entry in entries):
        return
    document.pop("credentialStatus")
    included = []
    for entry in copy.deepcopy(entries):
        entry["@reverse"] = {VC + "credentialStatus": {"@id": document["id"]}}
        included.append(entry)
    document.setdefault("@included", []).extend(included)


def _shuffle_keys(document, rng) -> None:
    items = list(document.items())
    rng.shuffle(items)
    document.clear()
    document.update(items)


RANDOM_STEPS: list[Rewrite] = [
    _term_to_iri, _value_object, _date_value_object, _wrap_in_array, _entry_fields_to_iris, _inline_alias,
    _entry_to_included, _entry_reverse, _shuffle_keys, status_under_iri, status_split, dates_as_expanded_literals,
]
NAMED: dict[str, Rewrite] = {
    "credentialStatus under its full IRI": status_under_iri,
    "status entries split between term and IRI": status_split,
    "validFrom/validUntil as expanded literals under their IRIs": dates_as_expanded_literals,
}


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def rewrite(credential: dict[str, Any], steps: list[Rewrite], rng: random.Random) -> dict[str, Any] | None:
    """The credential rewritten by ``steps``, or None when the result is not RDF-identical (checked)."""
    document = copy.deepcopy(credential)
    proof = document.pop("proof")
    for step in steps:
        step(document, rng)
    if document == _unsecured(credential):
        return None
    try:
        same = canonicalize(document) == canonicalize(_unsecured(credential))
    except Exception:
        return None
    if not same:
        return None
    document["proof"] = proof
    return document


def corpus(credential: dict[str, Any], *, count: int, seed: int = 12) -> Iterator[tuple[str, dict[str, Any]]]:
    """The named rewrites of ``credential`` (where they apply), then ``count`` generated ones."""
    rng = random.Random(seed)
    for name, step in NAMED.items():
        rewritten = rewrite(credential, [step], rng)
        if rewritten is not None:
            yield name, rewritten
    made, attempts = 0, 0
    while made < count:
        attempts += 1
        assert attempts < count * 20, "could not generate enough RDF-identical rewrites"
        steps = rng.sample(RANDOM_STEPS, rng.randint(1, 4))
        rewritten = rewrite(credential, steps, rng)
        if rewritten is not None:
            made += 1
            yield "+".join(step.__name__.strip("_") for step in steps), rewritten
