"""FastAPI dependencies: ``CurrentUser`` (a signed-in, active user) and ``require_role(...)``.

Every request re-reads the user: a deleted or deactivated user's token stops working at once,
and so does a token issued before the user's ``token_version`` was bumped.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, params
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from actions.vocabulary import Role
from api.auth.tokens import decode_access_token
from api.db import DbSession
from api.exceptions import Forbidden, Unauthorized
from api.models import User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def user_for_token(db: Session, token: str, *, secret: str) -> User:
    """The active user a token was issued to; ``Unauthorized`` if it is expired, forged or revoked.
    The bearer header (here) and the web pages' cookie (``api.web.session``) both end up here."""
    claims = decode_access_token(token, secret=secret)  # InvalidToken is an Unauthorized (invalid_token)
    user = db.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.token_version:
        raise Unauthorized("the access token is no longer valid; sign in again", code="invalid_token")
    return user


def get_current_user(request: Request, db: DbSession, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>' from POST /api/auth/token")
    return user_for_token(db, token, secret=request.app.state.secret_key)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_optional_user(
    request: Request, db: DbSession, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User | None:
    """The signed-in user, or None with no token (a bad token is still 401): for what anyone may
    read but a signed-in user sees more of (the catalogue and the scenarios published to them)."""
    return user_for_token(db, token, secret=request.app.state.secret_key) if token else None


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def require_role(*roles: Role) -> params.Depends:
    """A dependency that lets through only users whose app-wide role is one of ``roles``; use it
    as ``Annotated[User, require_role(...)]``."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are signed in as a {user.role}")
        return user

    return Depends(check)


AdminUser = Annotated[User, require_role("admin")]
