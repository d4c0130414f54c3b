"""Password hashing with Argon2id, in OWASP's first recommended configuration.

OWASP's Password Storage Cheat Sheet lists Argon2id configurations of equal strength, trading
memory for passes; its first is m=19 MiB, t=2, p=1. We used argon2-cffi's defaults (RFC 9106's
low-memory profile: m=64 MiB, t=3, p=4), ~120 ms of a core per check: a course of 100 signing in
within 10 s on two cores then queued for 12 s of hashing. OWASP's configuration costs ~18 ms, so
the same course needs under 2 s (docs/DESIGN.md, "Under load"). A hash made with other
parameters still verifies (Argon2 hashes carry their parameters) and is rehashed with these at
the next successful sign-in (``needs_rehash``, ``api.auth.signin``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)  # OWASP: m=19 MiB, t=2, p=1

MIN_LENGTH = 8
MAX_LENGTH = 256

# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only spends time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; False for a mismatch, a malformed hash or no hash at all."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"password is too short: at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password is too long: at most {MAX_LENGTH} characters"
    return None
