"""Issuer identifiers (``did:web``) and their DID documents with Multikey keys.

Each organisation is ``did:web:<host>[%3A<port>][:<path>]:orgs:<slug>``; the
DID document lives at ``<scheme>://<host>[:<port>]/<path>/orgs/<slug>/did.json``.

Scheme decision: the did:web method says https.  This installation also maps
loopback hosts (``localhost``, ``127.0.0.0/8``, ``::1``) to **http**, so that
two installations can verify each other in tests and on a developer's machine
without certificates.  A DID never names its scheme, so the mapping is only
applied by :func:`did_web_to_url`; production hosts are always https.  A
fetcher on a public server should refuse loopback DIDs (they would let a
credential make the server call itself) unless configured for tests.

Keys: every key the organisation has signed with stays listed (rotation adds a
key, it does not remove the old one), in both ``verificationMethod`` and
``assertionMethod``, so credentials signed before a rotation keep verifying.
Removing a key from the document (for a compromised key) makes every
credential signed with it fail verification.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from competency.passport.contexts import DID_V1, MULTIKEY_V1
from competency.passport.multikey import MultikeyError, decode_public_key

ASSERTION_METHOD = "assertionMethod"
MULTIKEY = "Multikey"


class DidError(ValueError):
    """A DID or DID document is malformed, or a key is not listed in it."""


@dataclass(frozen=True)
class DidKey:
    """One listed key; ``fragment`` defaults to the key's own multibase."""

    public_key_multibase: str
    fragment: str | None = None

    def method_id(self, did: str) -> str:
        return f"{did}#{self.fragment or self.public_key_multibase}"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def did_web_for(base_url: str, *segments: str) -> str:
    """The did:web for ``segments`` under an installation's ``base_url``.

    ``did_web_for("http://127.0.0.1:5000", "orgs", "north-trust")`` is
    ``did:web:127.0.0.1%3A5000:orgs:north-trust``.
    """
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise DidError(f"{base_url!r} is not an absolute URL.")
    host = parts.hostname
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    authority = quote(host if parts.port is None else f"{host}:{parts.port}", safe="[]")
    path = [segment for segment in parts.path.split("/") if segment] + list(segments)
    return ":".join(["did:web", authority, *(quote(segment, safe="") for segment in path)])


def organisation_did(base_url: str, slug: str) -> str:
    """The organisation's DID; its document is served at ``/orgs/<slug>/did.json``."""
    return did_web_for(base_url, "orgs", slug)


def did_web_to_url(did: str) -> str:
    """The URL of a did:web's DID document (http for loopback hosts, see module notes).

    :raises DidError: not a did:web.
    """
    if not isinstance(did, str) or not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DidError(f"{did!r} is not a did:web identifier.")
    parts = did[len("did:web:") :].split(":")
    authority = unquote(parts[0])
    if not authority or "/" in authority or "@" in authority:
        raise DidError(f"{did!r} does not name a valid host.")
    path_segments = [unquote(segment) for segment in parts[1:]]
    if any(not segment or "/" in segment or segment in (".", "..") for segment in path_segments):
        raise DidError(f"{did!r} has an empty or unsafe path segment.")
    host = urlsplit(f"//{authority}").hostname or ""
    scheme = "http" if is_loopback_host(host) else "https"
    path = "/".join(quote(segment, safe="") for segment in path_segments)
    return f"{scheme}://{authority}/{path}/did.json" if path else f"{scheme}://{authority}/.well-known/did.json"


def did_of(method_id: str) -> str:
    """The DID part of a verification method id (before ``#``)."""
    return method_id.split("#", 1)[0]


def verification_method(did: str, key: DidKey) -> dict[str, Any]:
    return {
        "id": key.method_id(did),
        "type": MULTIKEY,
        "controller": did,
        "publicKeyMultibase": key.public_key_multibase,
    }


def build_did_document(did: str, keys: Sequence[DidKey | str]) -> dict[str, Any]:
    """The DID document listing ``keys`` (current key first, then older ones)."""
    listed = [key if isinstance(key, DidKey) else DidKey(key) for key in keys]
    if not listed:
        raise DidError("A DID document needs at least one key.")
    methods = [verification_method(did, key) for key in listed]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of an Ed25519 ``did:key`` (built locally, never fetched).

    :raises DidError: not an Ed25519 did:key.
    """
    multibase = did[len("did:key:") :] if isinstance(did, str) and did.startswith("did:key:") else ""
    try:
        decode_public_key(multibase)
    except MultikeyError as error:
        raise DidError(f"{did!r} is not an Ed25519 did:key.") from error
    return build_did_document(did, [DidKey(multibase)])


def _absolute(did: str, reference: str) -> str:
    return did + reference if reference.startswith("#") else reference


def find_verification_method(
    did_document: Any, method_id: str, *, purpose: str = ASSERTION_METHOD
) -> dict[str, Any]:
    """The verification method ``method_id`` if the document lists it for ``purpose``.

    :raises DidError: the document is malformed, is for another DID, or does not
        list the key (for that purpose).
    """
    did = did_of(method_id)
    if not isinstance(did_document, dict) or did_document.get("id") != did:
        raise DidError("The issuer's DID document is not the one the signature refers to.")
    methods = did_document.get("verificationMethod") or []
    authorised = did_document.get(purpose) or []
    if not isinstance(methods, list) or not isinstance(authorised, list):
        raise DidError("The issuer's DID document is malformed.")
    candidates = [entry for entry in methods if isinstance(entry, dict)]
    authorised_ids = set()
    for entry in authorised:
        if isinstance(entry, str):
            authorised_ids.add(_absolute(did, entry))
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            candidates.append(entry)
            authorised_ids.add(_absolute(did, entry["id"]))
    if method_id not in authorised_ids:
        raise DidError("The key that signed this credential is not listed by the issuer (it may have been withdrawn).")
    for entry in candidates:
        if isinstance(entry.get("id"), str) and _absolute(did, entry["id"]) == method_id:
            if entry.get("controller") != did:
                raise DidError("The signing key is not controlled by the issuer.")
            return entry
    raise DidError("The key that signed this credential is not listed by the issuer (it may have been withdrawn).")


def public_key_for(did_document: Any, method_id: str, *, purpose: str = ASSERTION_METHOD) -> Ed25519PublicKey:
    """The Ed25519 key behind ``method_id`` in ``did_document``.

    :raises DidError: see :func:`find_verification_method`, or the key is not an
        Ed25519 Multikey.
    """
    method = find_verification_method(did_document, method_id, purpose=purpose)
    if method.get("type") != MULTIKEY:
        raise DidError(f"The signing key has type {method.get('type')!r}; only Multikey is supported.")
    multibase = method.get("publicKeyMultibase", "")
    try:
        return _decoded(multibase) if isinstance(multibase, str) else decode_public_key(multibase)
    except MultikeyError as error:
        raise DidError("The signing key in the issuer's DID document is malformed.") from error


@lru_cache(maxsize=1024)
def _decoded(multibase: str) -> Ed25519PublicKey:
    """Decoding a key is a pure function of its text (failures are not remembered)."""
    return decode_public_key(multibase)
