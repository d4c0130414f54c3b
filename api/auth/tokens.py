"""Short-lived signed access tokens: JWT, HS256, ``sub`` = user id, ``ver`` = the user's
token version (bumped to revoke every token issued so far)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from actions.settings import Settings
from api.exceptions import InvalidToken

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
SECRET_FILE = "secret_key"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    expires_at: datetime


def resolve_secret_key(settings: Settings) -> str:
    """``PRACTICE_SECRET_KEY`` if set; otherwise ``var/secret_key``, generated once (mode 0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.info("generated a new token signing key in %s", path)
    return key


def issue_access_token(
    *, user_id: int, token_version: int, secret: str, minutes: int, now: datetime | None = None
) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    now = now or datetime.now(UTC)
    expires = now + timedelta(minutes=minutes)
    claims = {"sub": str(user_id), "ver": token_version, "typ": "access", "iat": now, "exp": expires}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), minutes * 60


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the access token has expired; sign in again") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the access token is not valid; sign in again") from exc
    try:
        if claims.get("typ") != "access":
            raise ValueError
        return TokenClaims(
            user_id=int(claims["sub"]),
            token_version=int(claims.get("ver", 0)),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidToken("the access token is not valid; sign in again") from exc
