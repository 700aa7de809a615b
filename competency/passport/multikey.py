"""Ed25519 keys as Multikey strings (``z6Mk...``) and base58btc multibase.

A Multikey ``publicKeyMultibase`` is the letter ``z`` (multibase base58btc)
followed by the base58 encoding of a two-byte multicodec header and the raw
key: ``0xed 0x01`` for an Ed25519 public key (32 bytes), ``0x80 0x26`` for an
Ed25519 secret key seed (32 bytes).  Signatures come from ``cryptography``.
"""
from __future__ import annotations

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519_PUBLIC_HEADER = b"\xed\x01"
ED25519_SECRET_HEADER = b"\x80\x26"
BASE58BTC_PREFIX = "z"


class MultikeyError(ValueError):
    """A key or multibase string is malformed or of the wrong kind."""


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (Bitcoin alphabet)."""
    return BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    """Inverse of :func:`encode_base58btc`.

    :raises MultikeyError: not a ``z``-prefixed base58btc string.
    """
    if not isinstance(value, str) or not value.startswith(BASE58BTC_PREFIX) or len(value) < 2:
        raise MultikeyError("The value is not a base58btc multibase string (it must start with 'z').")
    try:
        return base58.b58decode(value[1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise MultikeyError("The value contains characters outside the base58 alphabet.") from error


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_public_key(key: Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` (``z6Mk...``) of an Ed25519 public key."""
    return encode_base58btc(ED25519_PUBLIC_HEADER + public_key_bytes(key))


def decode_public_key(multibase: str) -> Ed25519PublicKey:
    """The Ed25519 public key in a ``publicKeyMultibase`` value.

    :raises MultikeyError: malformed, not Ed25519 or not 32 bytes.
    """
    raw = decode_base58btc(multibase)
    if raw[:2] != ED25519_PUBLIC_HEADER or len(raw) != 34:
        raise MultikeyError("The key is not an Ed25519 public key in Multikey form.")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def encode_secret_key(key: Ed25519PrivateKey) -> str:
    """The ``secretKeyMultibase`` of an Ed25519 private key (its 32-byte seed)."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return encode_base58btc(ED25519_SECRET_HEADER + seed)


def decode_secret_key(multibase: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in a ``secretKeyMultibase`` value.

    :raises MultikeyError: malformed, not Ed25519 or not 32 bytes.
    """
    raw = decode_base58btc(multibase)
    if raw[:2] != ED25519_SECRET_HEADER or len(raw) != 34:
        raise MultikeyError("The key is not an Ed25519 secret key in Multikey form.")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
