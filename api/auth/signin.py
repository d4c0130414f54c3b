"""Password sign-in, shared by the token route (``POST /api/auth/token``) and the web sign-in page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password, needs_rehash, verify_password
from api.exceptions import Unauthorized
from api.models import User


def authenticate(db: Session, *, username: str, password: str) -> User:
    """The active user with this username and password (the hash upgraded if its cost changed);
    ``Unauthorized`` otherwise, with one message whether the name or the password was wrong."""
    user = db.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        raise Unauthorized("username or password is wrong (or the account is deactivated)", code="invalid_credentials")
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
        db.commit()
    return user
