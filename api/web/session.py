"""Who is signed in to the web pages, and protection for their forms.

The pages carry the same signed access token as the JSON API (``api.auth.tokens``), in a
cookie instead of an ``Authorization`` header:

- ``HttpOnly`` (no script can read it), ``SameSite=Strict`` (no other site's page can make the
  browser send it), ``Secure`` when the page was served over https (directly, or through a
  proxy listed in ``PRACTICE_TRUSTED_PROXIES``: ``api.security_headers``), ``Path=/``, and a lifetime
  equal to the token's. Signing out deletes it; an expired or revoked token sends the browser
  back to the sign-in page with a message.
- Every form that changes something carries a CSRF token: an HMAC of the session's access
  token under the server's signing key, so it needs no storage, changes with every sign-in and
  cannot be computed by another site. A missing or wrong token, or an ``Origin`` (or
  ``Referer``) naming another site, is refused with 403. The sign-in form, which has no
  session yet, is covered by the ``Origin`` check and SameSite.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response

from actions.vocabulary import STAFF_ROLES
from api.auth.dependencies import user_for_token
from api.db import DbSession
from api.exceptions import Forbidden, SignInRequired, Unauthorized
from api.models import User

COOKIE = "practice_session"
CSRF_FIELD = "csrf_token"


def csrf_for(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()[:40]


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")


def page_user(request: Request, db: DbSession) -> User:
    """The signed-in user of a page (cookie), checked exactly as a bearer token is."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired()
    try:
        user = user_for_token(db, token, secret=request.app.state.secret_key)
    except Unauthorized:
        raise SignInRequired("Your sign-in has expired or was ended. Please sign in again.") from None
    request.state.user = user
    request.state.csrf = csrf_for(token, request.app.state.secret_key)
    return user


WebUser = Annotated[User, Depends(page_user)]


def same_origin(request: Request) -> bool:
    """False if the request says it came from a page on another site (``Origin``, else ``Referer``)."""
    here = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin == here
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == here
    return True  # neither header: not a browser page of another site (browsers send Origin on POST)


async def form_user(request: Request, user: WebUser) -> User:
    """The signed-in user of a form POST whose CSRF token and origin check out."""
    form = await request.form()  # starlette caches it; the route's Form() fields read the same
    sent = form.get(CSRF_FIELD)
    if not same_origin(request) or not isinstance(sent, str) or not hmac.compare_digest(sent, request.state.csrf):
        raise Forbidden(
            "This form has expired or came from another site. Go back, reload the page and try again.",
            code="csrf_failed",
        )
    return user


FormUser = Annotated[User, Depends(form_user)]


def staff_only(user: User) -> User:
    """Facilitator and reviewer pages: a learner is told they are not for them (403)."""
    if user.role not in STAFF_ROLES:
        raise Forbidden("These pages are for facilitators and reviewers. You are signed in as a learner.")
    return user
