"""Audit keys: the HMAC secrets of the audit chain, kept as files outside the database.

Layout: ``<AUDIT_KEY_DIR>/<key id>.key`` (default ``instance/audit-keys``), each
holding 32 random bytes as hex, created with mode 0600 in a 0700 directory; a
file readable by group or others is refused, as for the signing keys.  The
database records only which key sealed each event, so a copy of the database
(or someone who can write to it) cannot re-seal a chain.

Key ids start with their UTC creation time, so the newest file is the current
key.  Rotation adds a newer file; older files stay, because every event is
verified with the key that sealed it.  Like a signing key, the first key is made
on first use, but only while the database holds no keyed event: once events
have been sealed, a missing key directory is an error, never a silent new key
(another host would otherwise seal with a key nobody else has).
"""
from __future__ import annotations

import fcntl
import os
import re
import secrets
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

KEY_BYTES = 32
_KEY_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
_cache: dict[tuple[str, str], bytes] = {}
_lock = threading.Lock()


class AuditKeyError(RuntimeError):
    """An audit key file is missing, unreadable or too widely readable.

    A server fault, not the user's: audited changes fail (500, logged) until an operator fixes it.
    """


def key_dir() -> Path:
    configured = current_app.config.get("AUDIT_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-keys"


def _path(directory: Path, key_id: str) -> Path:
    return directory / f"{key_id}.key"


def key_ids(directory: Path | None = None) -> list[str]:
    """Every key id in the directory, oldest first."""
    directory = directory or key_dir()
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(name[:-4] for name in names if name.endswith(".key") and _KEY_ID.match(name[:-4]))


def load_key(key_id: str, directory: Path | None = None) -> bytes:
    """The secret of ``key_id`` (cached per process).

    :raises AuditKeyError: missing file, permissions wider than 0600, or not a key.
    """
    directory = directory or key_dir()
    cache_key = (str(directory), key_id)
    with _lock:
        cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    path = _path(directory, key_id)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise AuditKeyError(f"Audit key {key_id} is missing from the audit key directory ({directory}). "
                            "Restore it from the key backup.") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(f"The audit key file {path} can be read by other users; set its mode to 0600.")
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as error:
        raise AuditKeyError(f"The audit key file {path} could not be read: {error}") from error
    if len(secret) != KEY_BYTES:
        raise AuditKeyError(f"The audit key file {path} does not hold a {KEY_BYTES}-byte key.")
    with _lock:
        _cache[cache_key] = secret
    return secret


def _write_new_key(directory: Path) -> str:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    descriptor = os.open(_path(directory, key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(_path(directory, key_id), 0o600)  # whatever the umask
    return key_id


class _DirectoryLock:
    """One process at a time makes a key in a directory (threads here, processes through flock)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self):
        _lock.acquire()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.handle = open(self.directory / ".lock", "w")  # noqa: SIM115  (closed in __exit__)
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        _lock.release()


def rotate_key() -> str:
    """Make a new key the current one; older keys stay to verify what they sealed."""
    directory = key_dir()
    with _DirectoryLock(directory):
        return _write_new_key(directory)


def current_key(*, database_has_keyed_events) -> tuple[str, bytes]:
    """The newest key, made on first use when ``database_has_keyed_events()`` is false.

    :raises AuditKeyError: there is no key file but events were sealed before,
        so the key directory was lost or is not the one the installation uses.
    """
    directory = key_dir()
    ids = key_ids(directory)
    if not ids:
        with _DirectoryLock(directory):
            ids = key_ids(directory)
            if not ids:
                if database_has_keyed_events():
                    raise AuditKeyError(
                        f"The audit key directory {directory} holds no key, but audit events were sealed with "
                        "one. Restore the key files from the key backup (or set AUDIT_KEY_DIR to where they "
                        "are); audited changes are refused until then.")
                ids = [_write_new_key(directory)]
    return ids[-1], load_key(ids[-1], directory)
