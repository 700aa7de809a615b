"""The signed view: a credential rebuilt from the RDF statements its proof covers.

The signature covers RDF, not JSON keys.  The same statements can be written in
many JSON shapes: a full IRI instead of a term (``https://www.w3.org/2018/
credentials#credentialStatus``), entries split between the term and the IRI,
``{"@value": ..., "@type": xsd:dateTime}`` instead of a string, nodes moved
into ``@included`` or a top-level ``@graph`` and referred to by ``@id``, an
inline context that adds an alias, ``@reverse``.  Reading status and dates
from JSON keys let such a rewrite keep a valid signature while hiding a
revocation or an expiry date (issue 12).

So verification reads every fact it decides on from :func:`signed_view`: the
node map of the one expansion that was canonicalised and hashed, rendered back
into the plain shape our readers know, with the compact VC 2.0 / Open Badges
3.0 term names.  Whatever JSON shape a holder chooses, the view of the same
statements is the same, so the outcome is the same.

Shape of the view (what readers can rely on):
- every node is a dict; a node with an IRI has ``"id"``; ``"type"`` is always a
  list of type names (terms where the contexts define one, else the IRI);
- a property with one value holds the value, with several a list (readers use
  ``_list`` where several are allowed); RDF has no order, so nothing may
  depend on the order of a list;
- a reference to another node is that node, embedded (``{"id": ..., ...}``),
  or ``{"id": iri}`` when the graph says nothing more about it; use :func:`ref`
  to read an identifier whichever it is;
- literals are plain JSON: strings, and for ``xsd:integer``, ``xsd:boolean``
  and ``xsd:double`` numbers and booleans (``"2"^^xsd:integer`` and ``2`` are
  the same statement).
"""
from __future__ import annotations

from functools import cache
from typing import Any

from competency.passport.contexts import (
    BUNDLED_CONTEXTS,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V2,
    OPEN_BADGES_V3,
    context_document,
)

VC = "https://www.w3.org/2018/credentials#"
VERIFIABLE_CREDENTIAL = VC + "VerifiableCredential"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Nodes nested deeper than this are rendered as references only.
MAX_VIEW_DEPTH = 24


class NoCredential(ValueError):
    """The statements do not describe exactly one verifiable credential."""


def _definitions(context: Any, found: list[tuple[str, str]], prefixes: dict[str, str]) -> None:
    """(IRI, term) pairs of a context and its scoped contexts, outer terms first."""
    if isinstance(context, list):
        for item in context:
            _definitions(item, found, prefixes)
        return
    if not isinstance(context, dict):
        return
    scoped = []
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        iri = definition if isinstance(definition, str) else (
            definition.get("@id") if isinstance(definition, dict) else None)
        if isinstance(iri, str) and not iri.startswith("@"):
            prefix, _, rest = iri.partition(":")
            if not rest.startswith("//") and prefix in prefixes:
                iri = prefixes[prefix] + rest
            found.append((iri, term))
            if iri.endswith(("/", "#")):
                prefixes.setdefault(term, iri)
        if isinstance(definition, dict) and "@context" in definition:
            scoped.append(definition["@context"])
    for item in scoped:
        _definitions(item, found, prefixes)


@cache
def _terms(for_types: bool = False) -> dict[str, str]:
    """IRI -> compact term, from the bundled contexts (VC 2.0 first, then Open Badges, then the rest).

    Open Badges gives one IRI both a class and a property name (``Criteria`` and
    ``criteria``), so types prefer capitalised terms and properties the others.
    """
    order = [CREDENTIALS_V2, OPEN_BADGES_V3, DATA_INTEGRITY_V2] + [
        url for url in BUNDLED_CONTEXTS if url not in (CREDENTIALS_V2, OPEN_BADGES_V3, DATA_INTEGRITY_V2)]
    found: list[tuple[str, str]] = []
    for url in order:
        document = context_document(url)
        _definitions(document.get("@context") if isinstance(document, dict) else None, found, {"xsd": XSD})
    terms: dict[str, str] = {}
    for iri, name in sorted(found, key=lambda pair: pair[1][:1].isupper() != for_types):  # stable
        terms.setdefault(iri, name)
    return terms


def term(iri: str) -> str:
    return _terms().get(iri, iri)


def type_term(iri: str) -> str:
    return _terms(True).get(iri, iri)


def ref(value: Any) -> str | None:
    """The identifier of a reference, whether it is embedded (``{"id": ...}``) or a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _literal(value: dict[str, Any]) -> Any:
    raw, datatype = value.get("@value"), value.get("@type")
    if datatype == "@json":
        return raw
    if datatype == XSD + "integer" and isinstance(raw, str) and raw.lstrip("+-").isdigit():
        return int(raw)
    if datatype == XSD + "boolean" and raw in ("true", "false", "1", "0"):
        return raw in ("true", "1")
    if datatype == XSD + "double" and isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


class _Renderer:
    def __init__(self, graph: dict[str, dict[str, Any]]) -> None:
        self.graph = graph

    def node(self, node_id: str, path: frozenset[str], depth: int) -> dict[str, Any]:
        node = self.graph.get(node_id, {})
        rendered: dict[str, Any] = {}
        if not node_id.startswith("_:"):
            rendered["id"] = node_id
        if node_id in path or depth > MAX_VIEW_DEPTH:
            return rendered
        path = path | {node_id}
        if "@type" in node:
            rendered["type"] = [type_term(type_iri) for type_iri in node["@type"]]
        for prop, values in node.items():
            if prop.startswith("@"):
                continue
            items = [self.value(value, path, depth + 1) for value in values]
            name = term(prop)
            if name in rendered:  # two IRIs with one term name: keep both
                existing = rendered[name] if isinstance(rendered[name], list) else [rendered[name]]
                items = existing + items
            rendered[name] = items[0] if len(items) == 1 else items
        return rendered

    def value(self, value: Any, path: frozenset[str], depth: int) -> Any:
        if not isinstance(value, dict):
            return value
        if "@value" in value:
            return _literal(value)
        if "@list" in value:
            return [self.value(item, path, depth + 1) for item in value["@list"]]
        if "@id" in value:
            return self.node(value["@id"], path, depth)
        return None


def signed_view(node_map: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The one verifiable credential in ``node_map``'s default graph, rendered as described above.

    :raises NoCredential: no node, or several nodes, of type ``VerifiableCredential``.
    """
    graph = node_map.get("@default", {})
    roots = [node_id for node_id, node in graph.items() if VERIFIABLE_CREDENTIAL in node.get("@type", [])]
    if len(roots) != 1:
        raise NoCredential("The document does not state exactly one verifiable credential.")
    return _Renderer(graph).node(roots[0], frozenset(), 0)
