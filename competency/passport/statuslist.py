"""W3C Bitstring Status List v1.0: revocation and suspension bits.

Each issued credential gets an index in a list per purpose; the issuer
publishes the list as a signed ``BitstringStatusListCredential`` whose
``encodedList`` is the bitstring, GZIP-compressed, base64url without padding,
with the multibase prefix ``u``.  Index 0 is the left-most (most significant)
bit of the first byte.  A list holds at least 131,072 entries (16 KiB), so
that one credential's index tells an observer little about the others.
"""
from __future__ import annotations

import base64
import gzip
import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from competency.passport.contexts import CREDENTIALS_V2
from competency.passport.dataintegrity import format_created

MIN_ENTRIES = 131_072
#: A decompressed list larger than this is refused (a "zip bomb" guard): 16 MiB.
MAX_BYTES = 16 * 1024 * 1024
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_SUBJECT_TYPE = "BitstringStatusList"
ENTRY_TYPE = "BitstringStatusListEntry"


class StatusPurpose(StrEnum):
    revocation = "revocation"
    suspension = "suspension"


class StatusListError(ValueError):
    """An encoded list or a status entry is malformed."""


class Bitstring:
    """A fixed-length bitstring; bit 0 is the left-most bit of byte 0."""

    def __init__(self, length: int = MIN_ENTRIES, *, data: bytes | None = None) -> None:
        if data is not None:
            self._bytes = bytearray(data)
            self.length = len(data) * 8
            return
        if length < MIN_ENTRIES or length % 8:
            raise StatusListError(f"A status list needs at least {MIN_ENTRIES} entries, in whole bytes.")
        self.length = length
        self._bytes = bytearray(length // 8)

    def _locate(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.length:
            raise StatusListError(f"The status index {index!r} is outside the list (0 to {self.length - 1}).")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        byte, shift = self._locate(index)
        return bool(self._bytes[byte] >> shift & 1)

    def set(self, index: int, value: bool = True) -> None:
        byte, shift = self._locate(index)
        if value:
            self._bytes[byte] |= 1 << shift
        else:
            self._bytes[byte] &= ~(1 << shift) & 0xFF

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def set_indexes(self) -> list[int]:
        """Every index whose bit is set, in order (for tests and admin pages)."""
        found = []
        for byte_index, value in enumerate(self._bytes):
            if value:
                found.extend(byte_index * 8 + bit for bit in range(8) if value >> (7 - bit) & 1)
        return found

    def encode(self) -> str:
        """The ``encodedList`` value: ``u`` + base64url(gzip(bits)) without padding."""
        # mtime=0 keeps the output identical for identical lists.
        compressed = gzip.compress(self.to_bytes(), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded_list: Any, *, min_entries: int = MIN_ENTRIES) -> Bitstring:
        """Parse an ``encodedList``.

        :raises StatusListError: wrong prefix, bad base64url or gzip, too short
            or larger than :data:`MAX_BYTES` once decompressed.
        """
        if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
            raise StatusListError("The status list is not multibase base64url (it must start with 'u').")
        body = encoded_list[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError) as error:
            raise StatusListError("The status list is not valid base64url.") from error
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
                data = stream.read(MAX_BYTES + 1)
        except (OSError, EOFError) as error:
            raise StatusListError("The status list is not valid GZIP data.") from error
        if len(data) > MAX_BYTES:
            raise StatusListError("The status list is larger than this installation accepts.")
        if len(data) * 8 < min_entries:
            raise StatusListError(f"The status list has fewer than {min_entries} entries.")
        return cls(data=data)


@dataclass(frozen=True)
class StatusEntry:
    """One ``BitstringStatusListEntry`` of a credential."""

    purpose: StatusPurpose
    index: int
    list_credential: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_credential}#{self.index}",
            "type": ENTRY_TYPE,
            "statusPurpose": self.purpose.value,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_credential,
        }

    @classmethod
    def from_json(cls, entry: Any) -> StatusEntry:
        """Read an entry from a credential.

        :raises StatusListError: not a well-formed ``BitstringStatusListEntry``
            with a purpose this installation understands.
        """
        if not isinstance(entry, dict) or entry.get("type") != ENTRY_TYPE:
            raise StatusListError("The credential uses a status method this installation does not know.")
        try:
            purpose = StatusPurpose(entry.get("statusPurpose"))
        except ValueError:
            raise StatusListError(
                f"The status purpose {entry.get('statusPurpose')!r} is not one this installation understands."
            ) from None
        index = entry.get("statusListIndex")
        if not isinstance(index, str) or not index.isdigit() or not index.isascii():
            raise StatusListError("The status entry's index is not a whole number written as a string.")
        url = entry.get("statusListCredential")
        if not isinstance(url, str) or not url:
            raise StatusListError("The status entry does not say where its status list is.")
        return cls(purpose=purpose, index=int(index), list_credential=url)


def status_entries(credential: dict[str, Any]) -> list[Any]:
    """The raw ``credentialStatus`` entries of a credential, as a list."""
    status = credential.get("credentialStatus")
    if status is None:
        return []
    return status if isinstance(status, list) else [status]


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str | dict[str, Any],
    purpose: StatusPurpose,
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at ``list_url``.

    ``ttl_ms`` is the spec's hint (milliseconds) for how long a verifier may
    cache the list; sign the result with :func:`dataintegrity.create_proof`.
    """
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_SUBJECT_TYPE,
        "statusPurpose": purpose.value,
        "encodedList": bitstring.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": format_created(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = format_created(valid_until)
    return credential
