"""Where evidence files live: a small interface with a local-directory implementation.

Files are stored under random keys, never under the name a person gave them,
in ``UPLOAD_STORAGE`` (outside the web root; nothing serves that directory
directly). ``UPLOAD_STORAGE_BACKEND`` picks the implementation; ``local`` is the
only one shipped. An S3-compatible store is one more class with the same four
methods, registered in ``BACKENDS`` (for example ``"s3": S3Storage.from_config``
reading a bucket, endpoint and credentials from settings).

Files and database rows must agree: a file written during a transaction that is
later rolled back is deleted, and a file removed from a record is only deleted
once the removal has committed (see :func:`track_new_file`, :func:`delete_after_commit`).
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session


class Storage(Protocol):
    def save(self, data: bytes) -> str:
        """Store ``data`` under a new random key and return the key."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary file for ``key`` (FileNotFoundError when missing)."""

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""

    def exists(self, key: str) -> bool:
        ...


class LocalStorage:
    """Files in a directory, fanned out by the first two characters of the key."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def from_config(cls, config) -> LocalStorage:
        return cls(config["UPLOAD_STORAGE"])

    def _path(self, key: str) -> Path:
        if not key or not all(ch in "0123456789abcdef" for ch in key):
            raise ValueError("storage keys are lowercase hexadecimal")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{key}.partial")
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return key

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


BACKENDS: dict[str, Callable[[dict], Storage]] = {
    "local": LocalStorage.from_config,
}


def storage_from_config(config) -> Storage:
    name = config.get("UPLOAD_STORAGE_BACKEND") or "local"
    try:
        return BACKENDS[name](config)
    except KeyError:
        raise RuntimeError(f"Unknown UPLOAD_STORAGE_BACKEND {name!r}; available: {', '.join(BACKENDS)}") from None


def get_storage() -> Storage:
    from flask import current_app

    return storage_from_config(current_app.config)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Keeping files and rows in step with the transaction.
_NEW = "evidence_files_written"
_DOOMED = "evidence_files_to_delete"


def track_new_file(session: Session, storage: Storage, key: str) -> None:
    """Delete ``key`` again if this transaction rolls back."""
    session.info.setdefault(_NEW, []).append((storage, key))


def delete_after_commit(session: Session, storage: Storage, key: str) -> None:
    """Delete ``key`` once the transaction that removed its row has committed."""
    session.info.setdefault(_DOOMED, []).append((storage, key))


@event.listens_for(Session, "after_commit")
def _files_after_commit(session: Session) -> None:
    session.info.pop(_NEW, None)
    for storage, key in session.info.pop(_DOOMED, []):
        storage.delete(key)


@event.listens_for(Session, "after_soft_rollback")
def _files_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a SAVEPOINT inside a larger transaction
        return
    session.info.pop(_DOOMED, None)
    for storage, key in session.info.pop(_NEW, []):
        storage.delete(key)
