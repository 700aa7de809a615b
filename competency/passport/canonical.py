"""RDF canonicalisation of JSON-LD documents, in "safe mode", expanded once and with bounded cost.

A Data Integrity signature covers the RDF statements a document expands to,
not its JSON bytes.  JSON-LD expansion silently drops any property whose name
the contexts do not define, and RDF conversion drops statements whose subject,
predicate or type is a relative IRI; anything dropped would be outside the
signature, so a holder could add or change it without breaking the proof.
:func:`expand_safely` therefore expands first, records every dropped term and
checks the result, and refuses the document instead of signing or accepting
less than it says.

**One expansion.** :func:`expansion` expands the document once and keeps the
expanded form, its node map (every node of the graph by identifier, the form
:mod:`competency.passport.signedview` reads facts from) and the RDF dataset;
:meth:`Expansion.canonical_nquads` canonicalises that dataset.  pyld's own
``normalize`` would expand the already expanded document a second time.

**Memoised contexts.** Processing the VC 2.0 and Open Badges contexts (and
their type-scoped contexts) is most of the cost of expansion; pyld caches the
top level but re-processes every type-scoped context on each document.
:class:`_Processor` remembers each processed context by the active context it
was applied to and the identity of the local context, so a credential of the
usual shape reuses every processed context.  :class:`_IriMemo` then keeps
each processed context's expanded IRIs (pyld expands the same few hundred
terms for every credential), the input is copied as plain JSON rather than
with ``deepcopy``, and the first-degree hashing copies blank node terms
shallowly.  The canonical N-Quads are byte-identical (the W3C vectors and the
regression tests compare them with pyld's own ``normalize``).

**Bounded cost.** RDFC-1.0's worst case is exponential in the number of blank
nodes that look alike (a clique of nine ran for minutes).  Documents with more
than ``max_blank_nodes`` blank nodes are refused before canonicalisation, and
the deep comparison step spends a :class:`WorkBudget` (a count of N-degree
hash steps and permutations, and a deadline), so a hostile document is
refused with :class:`TooComplex` in milliseconds instead of holding a worker.

RDFC-1.0 is the W3C name of the URDNA2015 algorithm that pyld implements.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdProcessor, _is_absolute_iri

from competency.passport.contexts import UnknownContextError, document_loader

#: The VC 2.0 context maps terms it does not define to this namespace
#: (``@vocab``), so they survive expansion but mean nothing in particular.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
#: Blank nodes accepted in one document (an issued credential has about 15).
MAX_BLANK_NODES = 200
#: N-degree hash steps and permutations accepted in one canonicalisation (ours need none).
MAX_DEEP_STEPS = 2_000

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_OPTIONS = {"documentLoader": document_loader, "base": None}
_RDF_OPTIONS = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1", "rdfDirection": None}


class CanonicalizationError(Exception):
    """The document cannot be turned into signed statements as it stands."""


class UndefinedTermError(CanonicalizationError):
    """The document uses a term or identifier that would not be signed."""


class TooComplex(CanonicalizationError):
    """The document would cost more to canonicalise than this installation spends on one document."""


# -- memoised context processing ---------------------------------------------------------------

def _context_key(local_ctx: Any) -> Any:
    if isinstance(local_ctx, list):
        return tuple(_context_key(item) for item in local_ctx)
    if isinstance(local_ctx, str) or local_ctx is None or isinstance(local_ctx, bool):
        return local_ctx
    return ("object", id(local_ctx))


def _context_objects(local_ctx: Any, found: list) -> list:
    if isinstance(local_ctx, list):
        for item in local_ctx:
            _context_objects(item, found)
    elif not (isinstance(local_ctx, str) or local_ctx is None or isinstance(local_ctx, bool)):
        found.append(local_ctx)
    return found


class _ContextMemo:
    """Processed contexts by (active context, local context, flags), most recent first.

    Entries hold the very objects they were computed from and a hit requires
    the same objects (``is``), so an identifier reused after garbage
    collection can never return another context's result.
    """

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple, tuple[Any, list, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple, active_ctx: Any, objects: list) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] is not active_ctx or len(found[1]) != len(objects) or any(
                    a is not b for a, b in zip(found[1], objects)):
                return None
            self._items.move_to_end(key)
            return found[2]

    def put(self, key: tuple, active_ctx: Any, objects: list, result: Any) -> None:
        with self._lock:
            self._items[key] = (active_ctx, objects, result)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memo = _ContextMemo()

#: Expanded IRIs kept for one processed context (a document's own property names can add more).
MAX_IRIS_PER_CONTEXT = 4_096
_MISSING = object()


class _IriMemo:
    """Expanded IRIs by (value, base, vocab), per processed context that :class:`_ContextMemo` returned.

    pyld's ``_expand_iri`` is a pure function of the active context and its
    arguments, unless it is given a local context being defined (context
    processing), which is never remembered here.  A processed context is not
    changed once :meth:`_Processor._process_context` has returned it (pyld
    clones a context before defining terms in it), so its table stays true.
    Tables hold the context itself, so an identifier reused after garbage
    collection cannot reach another context's table.
    """

    def __init__(self, contexts: int = 1_024) -> None:
        self._tables: dict[int, tuple[Any, dict]] = {}
        self._contexts = contexts
        self._lock = threading.Lock()

    def adopt(self, context: Any) -> None:
        with self._lock:
            if id(context) in self._tables:
                return
            if len(self._tables) >= self._contexts:
                self._tables.clear()
            self._tables[id(context)] = (context, {})

    def table(self, context: Any) -> dict | None:
        found = self._tables.get(id(context))
        return found[1] if found is not None and found[0] is context else None

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()


_iris = _IriMemo()


def _json_copy(value: Any) -> Any:
    """A copy of parsed JSON (dicts, lists and immutable scalars), several times faster than ``deepcopy``."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


class _CopiesAsJSON(dict):
    """The document handed to pyld, whose ``expand`` deep-copies its input first: copied by :func:`_json_copy`."""

    def __deepcopy__(self, memo: dict) -> dict:
        return _json_copy(self)


class _Processor(JsonLdProcessor):
    """pyld's processor with :class:`_ContextMemo` in front of context processing and :class:`_IriMemo` in
    front of IRI expansion."""

    def expand(self, input_, options):
        return super().expand(_CopiesAsJSON(input_) if type(input_) is dict else input_, options)

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        if local_ctx is None and defined is None and type(value) is str:
            table = _iris.table(active_ctx)
            if table is not None:
                key = (value, base, vocab)
                found = table.get(key, _MISSING)
                if found is _MISSING:
                    found = super()._expand_iri(active_ctx, value, base, vocab)
                    if len(table) < MAX_IRIS_PER_CONTEXT:
                        table[key] = found
                return found
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True,
                         validate_scoped=True, cycles=None):
        active_id = active_ctx.get("_uuid") if isinstance(active_ctx, dict) or hasattr(active_ctx, "get") else None
        if active_id is None:
            return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                            validate_scoped, cycles)
        key = (active_id, _context_key(local_ctx), override_protected, propagate, validate_scoped,
               options.get("base"), options.get("processingMode"))
        objects = _context_objects(local_ctx, [])
        found = _memo.get(key, active_ctx, objects)
        if found is not None:
            return found
        result = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                          validate_scoped, cycles)
        if "_uuid" not in result:
            if not isinstance(result, dict):
                return result
            result["_uuid"] = str(uuid.uuid4())
        _memo.put(key, active_ctx, objects, result)
        _iris.adopt(result)
        return result


def forget_processed_contexts() -> None:
    """Empty the memos of processed contexts and expanded IRIs (benchmarks and tests measure cold starts)."""
    _memo.clear()
    _iris.clear()


# -- safe expansion ------------------------------------------------------------------------------

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
    pending = [element]
    while pending:
        element = pending.pop()
        if isinstance(element, list):
            pending.extend(element)
            continue
        if not isinstance(element, dict):
            continue
        for key, value in element.items():
            if key == "@id" and not _is_node_reference(value):
                problems.append(f"the identifier {value!r} is not an absolute IRI")
            elif key == "@type":
                for type_iri in value if isinstance(value, list) else [value]:
                    if type_iri == "@json":
                        continue
                    # A blank node as a type would be renamed in place by pyld's node map; none is signed.
                    if not _is_absolute(type_iri):
                        problems.append(f"the type {type_iri!r} is not defined by the document's contexts")
                    elif not allow_issuer_dependent and type_iri.startswith(ISSUER_DEPENDENT):
                        problems.append(f"the type {type_iri[len(ISSUER_DEPENDENT):]!r} is not defined by the "
                                        "document's contexts")
            elif not key.startswith("@"):
                if not allow_issuer_dependent and key.startswith(ISSUER_DEPENDENT):
                    problems.append(
                        f"the property {key[len(ISSUER_DEPENDENT):]!r} is not defined by the document's contexts")
                pending.append(value)
            elif key in ("@graph", "@list", "@set", "@included", "@reverse"):
                if key == "@reverse" and isinstance(value, dict):
                    for reverse_key, reverse_value in value.items():
                        if not _is_absolute(reverse_key):
                            problems.append(f"the property {reverse_key!r} is not defined by the document's "
                                            "contexts")
                        pending.append(reverse_value)
                else:
                    pending.append(value)


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
        expanded = _Processor(on_property_dropped=dropped.append).expand(document, dict(_OPTIONS))
    except UnknownContextError:
        raise
    except RecursionError:
        raise TooComplex("The document is nested too deeply to check.") from None
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


# -- bounded canonicalisation --------------------------------------------------------------------

class WorkBudget:
    """What one canonicalisation may spend: deep comparison steps and wall-clock time."""

    def __init__(self, *, steps: int = MAX_DEEP_STEPS, deadline: float | None = None) -> None:
        self.steps = steps
        self.deadline = deadline

    def spend(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise TooComplex("The document has too many look-alike blank nodes to check in reasonable time.")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TooComplex("The time allowed for checking this document ran out.")


class _BudgetIssuer(IdentifierIssuer):
    """A temporary issuer whose every copy (one per permutation tried) spends the budget."""

    def __init__(self, prefix: str, budget: WorkBudget) -> None:
        super().__init__(prefix)
        self.budget = budget

    @classmethod
    def adopt(cls, issuer: IdentifierIssuer, budget: WorkBudget) -> _BudgetIssuer:
        adopted = cls(issuer.prefix, budget)
        adopted.counter, adopted.existing, adopted.order = issuer.counter, dict(issuer.existing), list(issuer.order)
        return adopted

    def __deepcopy__(self, memo: dict) -> _BudgetIssuer:
        self.budget.spend()
        return _BudgetIssuer.adopt(self, self.budget)


class _BoundedURDNA2015(URDNA2015):
    def __init__(self, budget: WorkBudget) -> None:
        super().__init__()
        self._budget = budget

    def modify_first_degree_component(self, id_, component, key):
        # As pyld's, with a shallow copy: a blank node term holds only strings ("type" and "value").
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}

    def hash_n_degree_quads(self, id_, issuer):
        self._budget.spend()
        if not isinstance(issuer, _BudgetIssuer):
            issuer = _BudgetIssuer.adopt(issuer, self._budget)
        return super().hash_n_degree_quads(id_, issuer)


@dataclass
class Expansion:
    """A document expanded once: the expanded form, its node map and its RDF dataset."""

    expanded: list[Any]
    node_map: dict[str, dict[str, Any]]
    dataset: dict[str, list]
    blank_nodes: int
    _nquads: str | None = None

    def canonical_nquads(self, budget: WorkBudget | None = None) -> str:
        """The RDFC-1.0 canonical N-Quads (computed once).

        :raises TooComplex: the budget ran out.
        :raises CanonicalizationError: pyld could not canonicalise the dataset.
        """
        if self._nquads is None:
            try:
                self._nquads = _BoundedURDNA2015(budget or WorkBudget()).main(
                    self.dataset, {"format": "application/n-quads"})
            except TooComplex:
                raise
            except RecursionError:
                raise TooComplex("The document is nested too deeply to check.") from None
            except Exception as error:
                raise CanonicalizationError(f"The document could not be canonicalised: {error}") from error
        return self._nquads


def expansion(document: dict[str, Any], *, allow_issuer_dependent: bool = True,
              max_blank_nodes: int = MAX_BLANK_NODES) -> Expansion:
    """Expand ``document`` once (see :func:`expand_safely`) and build its node map and RDF dataset.

    :raises TooComplex: more than ``max_blank_nodes`` blank nodes.
    :raises UnknownContextError, UndefinedTermError, CanonicalizationError: see :func:`expand_safely`.
    """
    expanded = expand_safely(document, allow_issuer_dependent=allow_issuer_dependent)
    processor = _Processor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, dict[str, Any]] = {"@default": {}}
    try:
        processor._create_node_map(expanded, node_map, "@default", issuer)
    except RecursionError:
        raise TooComplex("The document is nested too deeply to check.") from None
    except Exception as error:
        raise CanonicalizationError(f"The document is not valid JSON-LD: {error}") from error
    blank_nodes = sum(1 for graph in node_map.values() for node_id in graph if node_id.startswith("_:"))
    blank_nodes += sum(1 for name in node_map if name.startswith("_:"))
    if blank_nodes > max_blank_nodes:
        raise TooComplex(f"The document has more than {max_blank_nodes} unnamed parts (blank nodes), more than "
                         "this service checks.")
    try:
        dataset = {name: processor._graph_to_rdf(graph, issuer, _RDF_OPTIONS)
                   for name, graph in sorted(node_map.items())
                   if name == "@default" or _is_absolute_iri(name)}  # as pyld's to_rdf chooses
    except Exception as error:
        raise CanonicalizationError(f"The document could not be turned into RDF: {error}") from error
    return Expansion(expanded, node_map, dataset, blank_nodes)


def canonicalize(document: dict[str, Any], *, allow_issuer_dependent: bool = True,
                 budget: WorkBudget | None = None) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``, checked by :func:`expand_safely`."""
    return expansion(document, allow_issuer_dependent=allow_issuer_dependent).canonical_nquads(budget)
