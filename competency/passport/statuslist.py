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
    #: One 2-bit entry per credential carrying both states (see :data:`OUR_MESSAGES`).
    message = "message"


#: Our ``message`` entries: 2 bits, revocation the low bit, suspension the high bit.
STATUS_SIZE = 2
OUR_MESSAGES = (("0x0", "valid"), ("0x1", "revoked"), ("0x2", "suspended"), ("0x3", "revoked"))
#: Messages a verifier here understands, whoever issued the entry.
REVOKED_MESSAGES = {"revoked", "revocation"}
SUSPENDED_MESSAGES = {"suspended", "suspension"}
UNSET_MESSAGES = {"valid", "unset", "active"}
#: Which bit of a 2-bit entry (0 = its left-most) each state sets.
FLAG_BITS = {StatusPurpose.revocation: 1, StatusPurpose.suspension: 0}


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

    def value(self, index: int, size: int = 1) -> int:
        """The ``size``-bit status of entry ``index`` (its bits read left to right, most significant first)."""
        if size == 1:
            return int(self.get(index))
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index or (index + 1) * size > self.length:
            raise StatusListError(f"The status index {index!r} is outside the list.")
        result = 0
        for bit in range(index * size, index * size + size):
            result = result << 1 | self.get(bit)
        return result

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
    """One ``BitstringStatusListEntry`` of a credential.

    ``size`` is ``statusSize`` (bits per entry) and ``messages`` the entry's
    ``statusMessage`` as (hex status, message) pairs, for ``message`` entries.
    """

    purpose: StatusPurpose
    index: int
    list_credential: str
    size: int = 1
    messages: tuple[tuple[str, str], ...] = ()

    @classmethod
    def ours(cls, index: int, list_credential: str) -> StatusEntry:
        """The single entry this installation gives each credential: revocation and suspension in 2 bits."""
        return cls(StatusPurpose.message, index, list_credential, STATUS_SIZE, OUR_MESSAGES)

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": f"{self.list_credential}#{self.index}",
            "type": ENTRY_TYPE,
            "statusPurpose": self.purpose.value,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_credential,
        }
        if self.size != 1:
            entry["statusSize"] = self.size
        if self.messages:
            entry["statusMessage"] = [{"status": status, "message": message} for status, message in self.messages]
        return entry

    def message_for(self, value: int) -> str | None:
        for status, message in self.messages:
            try:
                if int(status, 16) == value:
                    return message
            except ValueError:
                continue
        return None

    @classmethod
    def from_json(cls, entry: Any) -> StatusEntry:
        """Read an entry (from a credential's signed view, or JSON of the same shape).

        :raises StatusListError: not a well-formed ``BitstringStatusListEntry``
            with a purpose this installation understands.
        """
        from competency.passport.signedview import ref

        types = entry.get("type") if isinstance(entry, dict) else None
        if ENTRY_TYPE not in (types if isinstance(types, list) else [types]):
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
        url = ref(entry.get("statusListCredential"))
        if not isinstance(url, str) or not url:
            raise StatusListError("The status entry does not say where its status list is.")
        size = entry.get("statusSize", 1)
        if isinstance(size, str) and size.isdigit():
            size = int(size)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
            raise StatusListError("The status entry's size is not one this installation understands.")
        messages = []
        raw_messages = entry.get("statusMessage", [])
        for item in raw_messages if isinstance(raw_messages, list) else [raw_messages]:
            if isinstance(item, dict) and isinstance(item.get("status"), str) and isinstance(item.get("message"), str):
                messages.append((item["status"], item["message"]))
        if size > 1 and len(messages) != 2 ** size:
            raise StatusListError("The status entry does not list a message for every status it can take.")
        return cls(purpose=purpose, index=int(index), list_credential=url, size=size, messages=tuple(messages))


@dataclass(frozen=True)
class LocalStatusList:
    """A status list of this installation, read from its database: authoritative, so no proof to check."""

    url: str
    issuer: str
    purpose: StatusPurpose
    status_size: int
    bits: Bitstring
    changed_at: datetime


def status_entries(credential: dict[str, Any]) -> list[Any]:
    """The ``credentialStatus`` entries of a credential (or its signed view), as a list."""
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
