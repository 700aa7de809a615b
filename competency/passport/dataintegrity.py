"""The ``eddsa-rdfc-2022`` Data Integrity cryptosuite (W3C vc-di-eddsa).

Signing: the proof configuration (the proof without ``proofValue``, carrying
the document's ``@context``) and the document without its proof are each
canonicalised with RDFC-1.0 and hashed with SHA-256; the Ed25519 signature
covers ``proofConfigHash || documentHash`` and is written as base58btc
multibase in ``proofValue``.  Verification recomputes the same bytes and never
raises for a bad input: it answers a :class:`ProofCheck` saying why it failed.

Key lookup is the caller's business (see :mod:`competency.passport.did` and
:mod:`competency.passport.verification`); this module only needs the key.
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from competency.bounded_json import JSONLimitError, check_shape
from competency.passport.canonical import (
    CanonicalizationError,
    Expansion,
    TooComplex,
    UndefinedTermError,
    WorkBudget,
    canonicalize,
    expansion,
)
from competency.passport.contexts import UnknownContextError
from competency.passport.multikey import MultikeyError, decode_base58btc, encode_base58btc
from competency.passport.signedview import NoCredential, signed_view

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"
#: What one credential may be before any JSON-LD work is done (an issued one: depth 9, about 200 values).
MAX_DOCUMENT_DEPTH = 32
MAX_DOCUMENT_NODES = 5_000


class ProofFailure(StrEnum):
    malformed_proof = "malformed_proof"
    unsupported_cryptosuite = "unsupported_cryptosuite"
    unknown_context = "unknown_context"
    undefined_term = "undefined_term"
    invalid_document = "invalid_document"
    signature_mismatch = "signature_mismatch"


@dataclass(frozen=True)
class ProofCheck:
    """The answer of :func:`verify_proof`; ``reason`` is written for a person."""

    is_valid: bool
    reason: str
    failure: ProofFailure | None = None
    verification_method: str | None = None


@dataclass(frozen=True)
class HashData:
    """Every intermediate value of the cryptosuite's hashing step."""

    canonical_document: str
    document_hash: bytes
    canonical_proof_config: str
    proof_config_hash: bytes

    @property
    def combined(self) -> bytes:
        return self.proof_config_hash + self.document_hash


class ProofError(Exception):
    """A proof is missing or malformed; carries the :class:`ProofFailure` kind."""

    def __init__(self, failure: ProofFailure, message: str) -> None:
        self.failure = failure
        super().__init__(message)


def format_created(moment: datetime) -> str:
    """``created`` as an XML Schema dateTime in UTC with seconds precision."""
    if moment.tzinfo is None:
        raise ValueError("Proof times must be timezone-aware.")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def proof_configuration(
    document: dict[str, Any],
    *,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """The proof configuration to sign: the future proof minus ``proofValue``, with the document's context."""
    if "@context" not in document:
        raise ProofError(ProofFailure.invalid_document, "The document has no @context.")
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else format_created(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        "@context": copy.deepcopy(document["@context"]),
    }


def hash_data(
    unsecured_document: dict[str, Any], proof_config: dict[str, Any], *, allow_issuer_dependent: bool = True
) -> HashData:
    """Canonicalise and hash the document and the proof configuration.

    :raises UnknownContextError, UndefinedTermError, CanonicalizationError:
        from :func:`competency.passport.canonical.canonicalize`.
    """
    canonical_document = canonicalize(unsecured_document, allow_issuer_dependent=allow_issuer_dependent)
    canonical_proof_config = canonicalize(proof_config, allow_issuer_dependent=False)
    return HashData(
        canonical_document=canonical_document,
        document_hash=hashlib.sha256(canonical_document.encode("utf-8")).digest(),
        canonical_proof_config=canonical_proof_config,
        proof_config_hash=hashlib.sha256(canonical_proof_config.encode("utf-8")).digest(),
    )


def create_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    proof_as_list: bool = False,
) -> dict[str, Any]:
    """A copy of ``document`` secured with an ``eddsa-rdfc-2022`` proof (an array of one with ``proof_as_list``).

    The document must use only terms its contexts define (the VC 2.0 catch-all
    vocabulary is refused too), so that everything it says is signed.

    :raises UnknownContextError, UndefinedTermError, CanonicalizationError:
        the document cannot be signed as it stands.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = proof_configuration(
        unsecured,
        verification_method=verification_method,
        created=created or datetime.now(UTC),
        proof_purpose=proof_purpose,
    )
    hashes = hash_data(unsecured, config, allow_issuer_dependent=False)
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = encode_base58btc(private_key.sign(hashes.combined))
    secured = copy.deepcopy(unsecured)
    secured["proof"] = [proof] if proof_as_list else proof
    return secured


def read_proof(secured_document: Any) -> dict[str, Any]:
    """The document's single ``eddsa-rdfc-2022`` proof, checked for shape.

    :raises ProofError: no proof, several proofs, another proof type or
        cryptosuite, or a missing or malformed field.
    """
    if not isinstance(secured_document, dict):
        raise ProofError(ProofFailure.invalid_document, "The credential is not a JSON object.")
    proof = secured_document.get("proof")
    if proof is None:
        raise ProofError(ProofFailure.malformed_proof, "The credential carries no signature (proof).")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError(
                ProofFailure.malformed_proof, "The credential carries several proofs; only one is supported."
            )
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError(ProofFailure.malformed_proof, "The credential's proof is not a JSON object.")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(
            ProofFailure.unsupported_cryptosuite,
            f"The proof type {proof.get('type')!r} is not supported (expected {PROOF_TYPE}).",
        )
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            ProofFailure.unsupported_cryptosuite,
            f"The cryptosuite {proof.get('cryptosuite')!r} is not supported (expected {CRYPTOSUITE}).",
        )
    for field in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(field), str) or not proof[field]:
            raise ProofError(ProofFailure.malformed_proof, f"The proof has no valid {field}.")
    if "created" in proof and not _is_datetime(proof["created"]):
        raise ProofError(ProofFailure.malformed_proof, "The proof's creation time is not a valid date and time.")
    return proof


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _context_list(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]


def document_digest(document: Any) -> bytes | None:
    """SHA-256 of the document's JSON content (key order ignored), or None if it is not JSON."""
    try:
        content = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None
    # surrogatepass: a lone surrogate still gets a digest here; the shape check refuses it.
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class PreparedProof:
    """Everything about a secured document that does not depend on the key: the work of a first check.

    ``view`` is the signed view of the document (see :mod:`competency.passport.signedview`):
    the facts a verifier may rely on once the signature checks.
    """

    failure: ProofFailure | None
    reason: str
    method: str | None = None
    signature: bytes | None = None
    combined: bytes | None = None
    view: dict[str, Any] | None = None
    #: A byte-identical copy of a document this installation signed (only its own lookup sets this).
    issued_here: bool = False
    #: ``document_digest`` of the document prepared (so a re-check hashes its JSON once).
    digest: bytes | None = None

    def verify(self, public_key: Ed25519PublicKey) -> ProofCheck:
        if self.failure is not None:
            return ProofCheck(False, self.reason, self.failure, self.method)
        if self.issued_here:
            return ProofCheck(True, "The signature matches the issuer's key.", None, self.method)
        try:
            public_key.verify(self.signature, self.combined)
        except InvalidSignature:
            return ProofCheck(False, "The signature does not match: the credential was changed after it was "
                                     "issued, or it was not signed with this key.",
                              ProofFailure.signature_mismatch, self.method)
        return ProofCheck(True, "The signature matches the issuer's key.", None, self.method)


class LRUMemo:
    """A small thread-safe LRU of answers that are pure functions of their key."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def put(self, key: Any, answer: Any) -> None:
        with self._lock:
            self._items[key] = answer
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def forget(self, matches) -> None:
        with self._lock:
            for key in [key for key in self._items if matches(key)]:
                del self._items[key]


# Prepared proofs by (exact JSON content, purpose), and signature answers by (content, key, purpose):
# both are pure functions of their keys (the canonical form depends only on the JSON content), so a
# recruiter re-checking a credential skips canonicalisation. Revocation, dates and whether the key is
# still listed are decided by the caller every time.
_prepared = LRUMemo(1024)
_checked = LRUMemo(4096)


def forget_proof_checks(document: Any = None) -> None:
    """Forget the proof checks of ``document``, or of every document (benchmarks measure first checks this way)."""
    if document is None:
        _prepared.clear()
        _checked.clear()
        return
    digest = document_digest(document)
    _prepared.forget(lambda key: key[0] == digest)
    _checked.forget(lambda key: key[0] == digest)


def _prepare_uncached(secured_document: Any, expected_proof_purpose: str, budget: WorkBudget | None) -> PreparedProof:
    try:
        proof = read_proof(secured_document)
    except ProofError as error:
        return PreparedProof(error.failure, str(error))
    method = proof["verificationMethod"]

    def fail(failure: ProofFailure, reason: str) -> PreparedProof:
        return PreparedProof(failure, reason, method)

    if proof["proofPurpose"] != expected_proof_purpose:
        return fail(ProofFailure.malformed_proof,
                    f"The proof was made for {proof['proofPurpose']!r}, not for {expected_proof_purpose!r}.")
    unsecured = {key: value for key, value in secured_document.items() if key != "proof"}
    if "@context" not in unsecured:
        return fail(ProofFailure.invalid_document, "The credential has no @context.")
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in config:
        document_context = _context_list(unsecured["@context"])
        proof_context = _context_list(config["@context"])
        if document_context[: len(proof_context)] != proof_context:
            return fail(ProofFailure.malformed_proof, "The proof's @context does not match the credential's.")
    config["@context"] = unsecured["@context"]
    try:
        signature = decode_base58btc(proof["proofValue"])
    except MultikeyError:
        return fail(ProofFailure.malformed_proof, "The signature value is not valid base58btc multibase.")
    if len(signature) != 64:
        return fail(ProofFailure.malformed_proof, "The signature value has the wrong length for Ed25519.")
    try:
        document = expansion(unsecured)
        hashes = _hashes(document, expansion(config, allow_issuer_dependent=False), budget)
    except TooComplex:
        raise
    except UnknownContextError as error:
        return fail(ProofFailure.unknown_context, str(error))
    except UndefinedTermError as error:
        return fail(ProofFailure.undefined_term, str(error))
    except CanonicalizationError as error:
        return fail(ProofFailure.invalid_document, str(error))
    try:
        view = signed_view(document.node_map)
    except NoCredential:
        view = None  # a signed document, but not one credential: the verifier says so
    return PreparedProof(None, "", method, signature, hashes.combined, view)


def prepare_proof(secured_document: Any, *, expected_proof_purpose: str = ASSERTION_METHOD,
                  budget: WorkBudget | None = None) -> PreparedProof:
    """Read, expand, canonicalise and hash a secured document once (memoised by exact content).

    Never raises for a tampered or malformed input (the answer's ``failure`` says why), except:

    :raises TooComplex: the document is over this installation's limits (too
        deep, too many values or blank nodes, or too costly to canonicalise);
        refusing to do the work is not a verdict on the document.
    """
    digest = document_digest(secured_document)
    key = (digest, expected_proof_purpose) if digest is not None else None
    if key is not None:
        found = _prepared.get(key)
        if found is not None:  # this exact content passed the shape limits when it was prepared
            return found
    if isinstance(secured_document, dict):
        try:
            check_shape(secured_document, max_depth=MAX_DOCUMENT_DEPTH, max_nodes=MAX_DOCUMENT_NODES,
                        what="The credential")
        except JSONLimitError as error:
            raise TooComplex(error.message) from None
    prepared = replace(_prepare_uncached(secured_document, expected_proof_purpose, budget), digest=digest)
    if key is not None:
        _prepared.put(key, prepared)
    return prepared


def _hashes(document: Expansion, config: Expansion, budget: WorkBudget | None) -> HashData:
    canonical_document = document.canonical_nquads(budget)
    canonical_config = config.canonical_nquads(budget)
    return HashData(
        canonical_document=canonical_document,
        document_hash=hashlib.sha256(canonical_document.encode("utf-8")).digest(),
        canonical_proof_config=canonical_config,
        proof_config_hash=hashlib.sha256(canonical_config.encode("utf-8")).digest(),
    )


def verify_proof(
    secured_document: Any,
    public_key: Ed25519PublicKey,
    *,
    expected_proof_purpose: str = ASSERTION_METHOD,
    budget: WorkBudget | None = None,
) -> ProofCheck:
    """Check the document's ``eddsa-rdfc-2022`` proof against ``public_key``.

    Never raises for a tampered or malformed input; the answer says why.
    Whether ``public_key`` really belongs to ``proof.verificationMethod`` is
    for the caller to establish before calling. Answers are memoised by exact content.

    :raises TooComplex: see :func:`prepare_proof`.
    """
    prepared = prepare_proof(secured_document, expected_proof_purpose=expected_proof_purpose, budget=budget)
    return check_prepared(prepared, secured_document, public_key, expected_proof_purpose)


def check_prepared(prepared: PreparedProof, secured_document: Any, public_key: Ed25519PublicKey,
                   expected_proof_purpose: str = ASSERTION_METHOD) -> ProofCheck:
    """``prepared.verify(public_key)``, remembered by (content, key, purpose)."""
    if prepared.failure is not None or prepared.issued_here:
        return prepared.verify(public_key)
    digest = prepared.digest or document_digest(secured_document)
    key = (digest, public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
           expected_proof_purpose)
    answer = _checked.get(key)
    if answer is None:
        answer = prepared.verify(public_key)
        _checked.put(key, answer)
    return answer
