"""Password sign-in, shared by the token route (``POST /api/auth/token``) and the web sign-in page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password, needs_rehash, verify_password
from api.auth.throttle import SignInThrottle
from api.exceptions import Unauthorized
from api.models import User


def authenticate(db: Session, *, username: str, password: str, address: str, throttle: SignInThrottle) -> User:
    """The active user with this username and password (the hash upgraded if its cost changed);
    ``Unauthorized`` otherwise, with one message whether the name or the password was wrong.

    ``TooManyAttempts`` first, without looking at the password, when this name or this
    ``address`` has failed too often lately (``api.auth.throttle``); a wrong name or password
    counts as one more failure for both, and a right one clears the account's failures.
    """
    attempt = throttle.begin(db, username=username, address=address)
    user = db.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        raise Unauthorized("username or password is wrong (or the account is deactivated)", code="invalid_credentials")
    throttle.succeeded(db, attempt)
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    db.commit()
    return user
