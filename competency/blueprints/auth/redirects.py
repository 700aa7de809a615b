"""Where sign-in may send someone next: only a path on this site.

Browsers are lenient with ``Location``: they drop tabs and newlines anywhere, read a
backslash as a slash and ``//host`` as another site, so ``/\\t/host`` ends up at ``//host``.
A target is accepted only when neither it nor any percent-decoding of it could be read
as anything but a path here.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_NEXT_LENGTH = 2000
# Enough to undo the double (and triple) encodings used to smuggle "//" past a check.
DECODING_ROUNDS = 3


def _is_plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value:
        return False
    # Control characters (tab, CR, LF, DEL, C1) and invisible format characters (bidi overrides).
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next_path(target: str | None) -> str | None:
    """``target`` when it is a same-site path, else None."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    candidate = target
    for _ in range(DECODING_ROUNDS + 1):
        if not _is_plain_path(candidate):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return None  # still changing after several decodings: nobody sends that by accident
    return target
