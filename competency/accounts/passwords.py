"""Password hashing with argon2id (argon2-cffi)."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Tests hash thousands of passwords; the same algorithm with small costs keeps them fast.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_use_fast = False
# One hash per hashing mode of a password nobody has: checked when the account is unknown.
_dummy_hashes: dict[bool, str] = {}

MIN_PASSWORD_LENGTH = 12


def use_fast_hashing(enabled: bool) -> None:
    global _use_fast
    _use_fast = enabled


def hash_password(password: str) -> str:
    return (_fast_hasher if _use_fast else _hasher).hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Like :func:`check_password`, but spends the same time when there is no hash to check.

    Without this an unknown e-mail address answers in a fraction of the time a wrong password
    takes, which tells an attacker which addresses have accounts.
    """
    if password_hash:
        return check_password(password_hash, password)
    if _use_fast not in _dummy_hashes:
        _dummy_hashes[_use_fast] = hash_password(secrets.token_urlsafe(24))
    check_password(_dummy_hashes[_use_fast], password)
    return False


def password_problem(password: str) -> str | None:
    """A message for the user when a new password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Enter a password of at least {MIN_PASSWORD_LENGTH} characters"
    if password.lower() in {"password1234", "123456789012", "qwertyuiopas"}:
        return "Choose a password that is harder to guess"
    return None
