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

import ctypes
import ctypes.util
import sys

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_MEMORY_KIB = 19 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _give_hashing_memory_back() -> None:
    """Make glibc return each hash's 19 MiB to the system when the hash is done.

    glibc serves big allocations with mmap and unmaps them on free, but the first such free
    raises its threshold to that size (up to 32 MiB), after which 19 MiB buffers come from the
    heap of the calling thread's arena and stay there. Hashes run in pool threads, so every
    thread's arena kept one: measured, 200 checks in 40 threads left 900 MiB resident. (The old
    64 MiB buffers were above the cap, so always unmapped.) Setting the threshold explicitly
    turns the raising off. Only on glibc; elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)  # glibc's own starting value, now fixed
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): its malloc differs anyway
        return


_give_hashing_memory_back()

_hasher = PasswordHasher(time_cost=2, memory_cost=ARGON2_MEMORY_KIB, parallelism=1)  # OWASP: m=19 MiB, t=2, p=1

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
