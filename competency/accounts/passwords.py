"""Password hashing with argon2id (argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Tests hash thousands of passwords; the same algorithm with small costs keeps them fast.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_use_fast = False

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


def password_problem(password: str) -> str | None:
    """A message for the user when a new password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Enter a password of at least {MIN_PASSWORD_LENGTH} characters"
    if password.lower() in {"password1234", "123456789012", "qwertyuiopas"}:
        return "Choose a password that is harder to guess"
    return None
