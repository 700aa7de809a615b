"""Organisation signing keys: secrets in files under ``SIGNING_KEY_DIR``, public keys in the database.

Layout: ``<SIGNING_KEY_DIR>/<organisation slug>/<publicKeyMultibase>.key``, each
file holding the Multikey secret (``z3u2...``) and created with mode 0600 in a
0700 directory.  A key file readable by group or others is refused.  The
database keeps only public keys, so a database copy cannot sign anything.

Rotation retires the current key (it stays listed in the DID document, so what
it signed keeps verifying) and makes a new one current.  Withdrawal removes a
key from the DID document, for a key that may have leaked.
"""
from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from competency.accounts.models import Organisation, User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError
from competency.extensions import db
from competency.passport.did import DidKey, build_did_document, organisation_did
from competency.passport.freshness import renew_stamp
from competency.passport.models import SigningKey, StatusList
from competency.passport.multikey import (
    MultikeyError,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
    generate_private_key,
)

_cache: dict[str, Ed25519PrivateKey] = {}
_cache_lock = threading.Lock()


class KeyFileError(DomainError):
    """A private key file is missing, unreadable or too widely readable."""


@dataclass(frozen=True)
class Signer:
    """What signing needs: the private key and the verification method id naming it."""

    organisation_id: int
    did: str
    verification_method: str
    private_key: Ed25519PrivateKey


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def key_dir() -> Path:
    return Path(current_app.config["SIGNING_KEY_DIR"])


def did_for(organisation: Organisation) -> str:
    return organisation_did(base_url(), organisation.slug)


def key_path(organisation: Organisation, public_key_multibase: str) -> Path:
    return key_dir() / organisation.slug / f"{public_key_multibase}.key"


def _write_secret(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(encode_secret_key(key) + "\n")
    os.chmod(path, 0o600)  # whatever the umask


def load_private_key(organisation: Organisation, public_key_multibase: str) -> Ed25519PrivateKey:
    """The private key for a listed public key, read from its file (cached per process).

    :raises KeyFileError: missing file, permissions wider than 0600, or a file
        that does not hold the matching secret.
    """
    with _cache_lock:
        cached = _cache.get(public_key_multibase)
    if cached is not None:
        return cached
    path = key_path(organisation, public_key_multibase)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"The signing key file for {organisation.name} is missing from the key directory "
                           f"({path}). Restore it, or rotate the key with `flask keys rotate {organisation.slug}`.") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"The signing key file {path} can be read by other users; set its mode to 0600.")
    try:
        private_key = decode_secret_key(path.read_text().strip())
    except (OSError, MultikeyError) as error:
        raise KeyFileError(f"The signing key file {path} could not be read: {error}") from error
    if encode_public_key(private_key.public_key()) != public_key_multibase:
        raise KeyFileError(f"The signing key file {path} does not hold the key its name says.")
    with _cache_lock:
        _cache[public_key_multibase] = private_key
    return private_key


def listed_keys(organisation_id: int) -> list[SigningKey]:
    """Keys in the DID document: current first, then retired ones, newest first."""
    return list(db.session.scalars(
        sa.select(SigningKey)
        .where(SigningKey.organisation_id == organisation_id, SigningKey.withdrawn_at.is_(None))
        .order_by(SigningKey.retired_at.is_not(None), SigningKey.created_at.desc(), SigningKey.id.desc())))


def all_keys(organisation_id: int) -> list[SigningKey]:
    return list(db.session.scalars(
        sa.select(SigningKey).where(SigningKey.organisation_id == organisation_id)
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())))


def current_key(organisation_id: int) -> SigningKey | None:
    return db.session.scalar(
        sa.select(SigningKey)
        .where(SigningKey.organisation_id == organisation_id, SigningKey.retired_at.is_(None),
               SigningKey.withdrawn_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc()).limit(1))


def _new_key(organisation: Organisation, by: User | None, action: str) -> SigningKey:
    private_key = generate_private_key()
    multibase = encode_public_key(private_key.public_key())
    _write_secret(key_path(organisation, multibase), private_key)
    key = SigningKey(organisation_id=organisation.id, public_key_multibase=multibase)
    db.session.add(key)
    db.session.flush()
    renew_stamp(organisation.id)
    record_event(action, actor=by, organisation=organisation, subject=key,
                 data={"public_key": multibase, "did": did_for(organisation)})
    with _cache_lock:
        _cache[multibase] = private_key
    return key


def generate_key(organisation: Organisation, *, by: User | None = None) -> SigningKey:
    """Give an organisation its first signing key.

    :raises Conflict: it already has a current key (rotate it instead).
    """
    if current_key(organisation.id) is not None:
        raise Conflict(f"{organisation.name} already has a signing key. Rotate it to replace it.")
    return _new_key(organisation, by, "passport.key_generated")


def rotate_key(organisation: Organisation, *, by: User | None = None) -> SigningKey:
    """Retire the current key (it stays listed) and make a new one current."""
    previous = current_key(organisation.id)
    if previous is not None:
        previous.retired_at = utcnow()
        db.session.flush()  # _new_key renews the stamp
    return _new_key(organisation, by, "passport.key_rotated")


def withdraw_key(key: SigningKey, *, by: User | None = None) -> None:
    """Stop listing a key: everything it signed stops verifying. Status lists are re-signed on next request."""
    if key.withdrawn_at is not None:
        return
    key.withdrawn_at = utcnow()
    db.session.execute(sa.update(StatusList).where(StatusList.organisation_id == key.organisation_id)
                       .values(signed_json=None))
    db.session.flush()
    renew_stamp(key.organisation_id)
    record_event("passport.key_withdrawn", actor=by, organisation=key.organisation_id, subject=key,
                 data={"public_key": key.public_key_multibase})


def signer_for(organisation: Organisation, *, by: User | None = None) -> Signer:
    """The organisation's current key, ready to sign; the first use generates one.

    :raises KeyFileError: the current key's file is missing or unsafe.
    """
    key = current_key(organisation.id) or _new_key(organisation, by, "passport.key_generated")
    did = did_for(organisation)
    private_key = load_private_key(organisation, key.public_key_multibase)
    return Signer(organisation.id, did, DidKey(key.public_key_multibase).method_id(did), private_key)


def did_document(organisation: Organisation) -> dict | None:
    """The organisation's DID document, or None when it has no listed key."""
    keys = listed_keys(organisation.id)
    if not keys:
        return None
    return build_did_document(did_for(organisation), [DidKey(key.public_key_multibase) for key in keys])
