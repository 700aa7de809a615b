"""RDF canonicalisation of JSON-LD documents, in "safe mode".

A Data Integrity signature covers the RDF statements a document expands to,
not its JSON bytes.  JSON-LD expansion silently drops any property whose name
the contexts do not define, and RDF conversion drops statements whose subject,
predicate or type is a relative IRI; anything dropped would be outside the
signature, so a holder could add or change it without breaking the proof.
:func:`expand_safely` therefore expands first, records every dropped term and
checks the result, and refuses the document instead of signing or accepting
less than it says.

RDFC-1.0 is the W3C name of the URDNA2015 algorithm that pyld implements.
"""
from __future__ import annotations

import re
from typing import Any

from pyld import jsonld

from competency.passport.contexts import UnknownContextError, document_loader

#: The VC 2.0 context maps terms it does not define to this namespace
#: (``@vocab``), so they survive expansion but mean nothing in particular.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


class CanonicalizationError(Exception):
    """The document cannot be turned into signed statements as it stands."""


class UndefinedTermError(CanonicalizationError):
    """The document uses a term or identifier that would not be signed."""


def _find_unknown_context(error: BaseException) -> UnknownContextError | None:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, UnknownContextError):
            return current
        pending.append(current.__cause__)
        pending.append(current.__context__)
        cause = getattr(current, "cause", None)
        if isinstance(cause, BaseException):
            pending.append(cause)
    return None


def _is_absolute(iri: Any) -> bool:
    return isinstance(iri, str) and bool(_ABSOLUTE_IRI.match(iri))


def _is_node_reference(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or _is_absolute(iri))


def _check_expanded(element: Any, problems: list[str], *, allow_issuer_dependent: bool) -> None:
    if isinstance(element, list):
        for item in element:
            _check_expanded(item, problems, allow_issuer_dependent=allow_issuer_dependent)
        return
    if not isinstance(element, dict):
        return
    is_value = "@value" in element
    for key, value in element.items():
        if key == "@id" and not _is_node_reference(value):
            problems.append(f"the identifier {value!r} is not an absolute IRI")
        elif key == "@type":
            for type_iri in value if isinstance(value, list) else [value]:
                if type_iri == "@json":
                    continue
                if not (_is_absolute(type_iri) if is_value else _is_node_reference(type_iri)):
                    problems.append(f"the type {type_iri!r} is not defined by the document's contexts")
                elif not allow_issuer_dependent and type_iri.startswith(ISSUER_DEPENDENT):
                    problems.append(
                        f"the type {type_iri[len(ISSUER_DEPENDENT):]!r} is not defined by the document's contexts"
                    )
        elif not key.startswith("@"):
            if not allow_issuer_dependent and key.startswith(ISSUER_DEPENDENT):
                problems.append(
                    f"the property {key[len(ISSUER_DEPENDENT):]!r} is not defined by the document's contexts"
                )
            _check_expanded(value, problems, allow_issuer_dependent=allow_issuer_dependent)
        elif key in ("@graph", "@list", "@set", "@included", "@reverse"):
            _check_expanded(value, problems, allow_issuer_dependent=allow_issuer_dependent)


def expand_safely(document: dict[str, Any], *, allow_issuer_dependent: bool = True) -> list[Any]:
    """Expand ``document`` with the bundled contexts and refuse anything dropped.

    ``allow_issuer_dependent=False`` (used when we issue) also refuses terms that
    only the VC 2.0 catch-all ``@vocab`` gives a meaning to: a document we sign
    must use only terms the published vocabularies define.

    :raises UnknownContextError: a context is not bundled.
    :raises UndefinedTermError: a property, type or identifier would be dropped
        or is undefined.
    :raises CanonicalizationError: the document is not valid JSON-LD.
    """
    if not isinstance(document, dict):
        raise CanonicalizationError("The document is not a JSON object.")
    dropped: list[str | None] = []
    try:
        expanded = jsonld.expand(
            document,
            {"documentLoader": document_loader, "base": None},
            on_property_dropped=dropped.append,
        )
    except UnknownContextError:
        raise
    except Exception as error:  # pyld raises JsonLdError and, on bad input, plain Python errors
        unknown = _find_unknown_context(error)
        if unknown is not None:
            raise UnknownContextError(unknown.url) from error
        raise CanonicalizationError(f"The document is not valid JSON-LD: {error}") from error
    problems = [f"the property {name!r} is not defined by the document's contexts" for name in dropped]
    _check_expanded(expanded, problems, allow_issuer_dependent=allow_issuer_dependent)
    if problems:
        raise UndefinedTermError("The document uses terms that would not be signed: " + "; ".join(problems) + ".")
    return expanded


def canonicalize(document: dict[str, Any], *, allow_issuer_dependent: bool = True) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``, checked by :func:`expand_safely`."""
    expanded = expand_safely(document, allow_issuer_dependent=allow_issuer_dependent)
    try:
        return jsonld.normalize(
            expanded,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
            },
        )
    except Exception as error:
        raise CanonicalizationError(f"The document could not be canonicalised: {error}") from error
