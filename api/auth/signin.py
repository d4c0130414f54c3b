"""Password sign-in, shared by the token route (``POST /api/auth/token``) and the web sign-in page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth.hashing import PasswordWorkers
from api.auth.passwords import hash_password, needs_rehash, verify_password
from api.auth.throttle import Attempt, SignInThrottle
from api.exceptions import ServiceBusy, Unauthorized
from api.models import User


def check_password(password_hash: str | None, password: str, *, may_rehash: bool) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and (``may_rehash``: an active user's hash) a new hash
    when the old one was made with other Argon2 parameters. The Argon2 work of a sign-in, in
    one call, so it takes one turn of the password workers."""
    if not verify_password(password_hash, password):
        return False, None
    if may_rehash and password_hash is not None and needs_rehash(password_hash):
        return True, hash_password(password)
    return True, None


def _begin(db: Session, *, username: str, address: str, throttle: SignInThrottle) -> tuple[Attempt, User | None]:
    """The throttle's check and the user, read; the transaction ends (``expire_on_commit`` is
    off, so the user stays loaded) and the connection goes back to the pool before any hashing."""
    attempt = throttle.begin(db, username=username, address=address)
    user = db.scalar(select(User).where(User.username == username))
    db.commit()
    return attempt, user


def _withdraw(db: Session, attempt: Attempt, throttle: SignInThrottle) -> None:
    throttle.withdrawn(db, attempt)
    db.commit()


def _fail(db: Session, attempt: Attempt, throttle: SignInThrottle) -> None:
    throttle.failed(db, attempt)
    db.commit()


def _succeed(db: Session, attempt: Attempt, throttle: SignInThrottle, user: User, new_hash: str | None) -> None:
    throttle.succeeded(db, attempt)
    if new_hash is not None:
        user.password_hash = new_hash
    db.commit()


async def authenticate(
    db: Session, *, username: str, password: str, address: str, throttle: SignInThrottle, workers: PasswordWorkers
) -> User:
    """The active user with this username and password (the hash upgraded if its cost changed);
    ``Unauthorized`` otherwise, with one message whether the name or the password was wrong.

    ``TooManyAttempts`` first, without looking at the password, when this name or this
    ``address`` has failed too often lately (``api.auth.throttle``); a wrong name or password
    counts as one more failure for both, and a right one clears the account's failures.
    ``ServiceBusy`` when no password worker came free in time (``api.auth.hashing``): that
    attempt checked nothing, so it is taken back and counts as no failure.

    The database work runs in the thread pool, the Argon2 work on the password workers, and
    no database connection is held while the password is checked.
    """
    attempt, user = await run_in_threadpool(_begin, db, username=username, address=address, throttle=throttle)
    active = user is not None and user.is_active
    try:
        matches, new_hash = await workers.run(
            lambda: check_password(user.password_hash if user else None, password, may_rehash=active)
        )
    except ServiceBusy:
        await run_in_threadpool(_withdraw, db, attempt, throttle)
        raise
    if not matches or user is None or not active:
        await run_in_threadpool(_fail, db, attempt, throttle)
        raise Unauthorized("username or password is wrong (or the account is deactivated)", code="invalid_credentials")
    await run_in_threadpool(_succeed, db, attempt, throttle, user, new_hash)
    return user
