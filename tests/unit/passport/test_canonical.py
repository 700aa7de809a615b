"""One expansion with memoised contexts and IRIs gives byte-identical N-Quads to pyld's own normalize."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from passport_issuer import Installation
from pyld import jsonld

from competency.passport.canonical import canonicalize, forget_processed_contexts
from competency.passport.contexts import document_loader
from competency.passport.statuslist import StatusPurpose
from tests.passport_rewrites import corpus

VECTORS = Path(__file__).parent / "vectors"


def _reference(document: dict) -> str:
    """pyld's normalize as documented: expand, to RDF, URDNA2015 (expanding twice, no memo)."""
    return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": document_loader})


def _unsecured(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "proof"}


def _documents() -> list[tuple[str, dict]]:
    installation = Installation()
    documents = [("sign-off", installation.issue()), ("sign-off, two entries", installation.issue(legacy_status=True)),
                 ("status list", installation.status_list_credential(StatusPurpose.message))]
    documents.append(("W3C vector", json.loads((VECTORS / "unsigned.json").read_text())))
    return [(name, _unsecured(document)) for name, document in documents]


@pytest.mark.parametrize(("name", "document"), _documents(), ids=lambda value: value if isinstance(value, str) else "")
def test_canonical_nquads_are_byte_identical_to_pyld_normalize(name, document):
    forget_processed_contexts()
    cold = canonicalize(document)
    warm = canonicalize(document)  # every processed context now comes from the memo
    assert cold == warm == _reference(document)


def test_rewrites_canonicalise_to_the_original_bytes():
    credential = Installation().issue()
    reference = _reference(_unsecured(credential))
    for _, rewritten in corpus(credential, count=20, seed=9):
        assert canonicalize(_unsecured(rewritten)) == reference


def _inline(term_iri: str) -> dict:
    return {"@context": ["https://www.w3.org/ns/credentials/v2", {"note": term_iri}],
            "type": ["VerifiableCredential"], "issuer": "did:example:issuer",
            "credentialSubject": {"note": "the same word, another meaning"}}


def test_remembered_iris_never_answer_for_another_context():
    """Expanded IRIs are remembered per processed context: the same term defined two ways keeps both meanings."""
    first, second = _inline("https://example.org/first#note"), _inline("https://example.org/second#note")
    references = [_reference(first), _reference(second)]
    assert references[0] != references[1]
    forget_processed_contexts()
    for _ in range(3):
        assert [canonicalize(first), canonicalize(second)] == references


def test_expansion_leaves_the_document_unchanged():
    credential = _unsecured(Installation().issue())
    before = json.dumps(credential, sort_keys=True)
    canonicalize(credential)
    assert json.dumps(credential, sort_keys=True) == before
