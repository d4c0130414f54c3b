"""Signing in and out, and the home page that sends each role where its work is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.hashing import PasswordWorkersDep
from api.auth.signin import authenticate
from api.auth.throttle import SignInThrottleDep, client_address
from api.auth.tokens import issue_access_token
from api.db import DbSession
from api.deps import SettingsDep
from api.error_handlers import log_failure
from api.exceptions import Forbidden, ServiceBusy, TooManyAttempts, Unauthorized, wait_in_words
from api.web.errors import WebRoute
from api.web.render import render
from api.web.session import FormUser, WebUser, clear_session_cookie, same_origin, set_session_cookie

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def home_for(role: str) -> str:
    return {"facilitator": "/facilitate", "reviewer": "/review"}.get(role, "/practise")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never ``//elsewhere`` or ``https://elsewhere``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def home(user: WebUser) -> Response:
    return RedirectResponse(home_for(user.role), status_code=303)


@router.get("/sign-in")
def sign_in_page(
    request: Request, next: str | None = None, expired: bool = False, signed_out: bool = False
) -> Response:
    notice = None
    if expired:
        notice = "Your sign-in has expired or was ended. Please sign in again."
    elif signed_out:
        notice = "You have signed out. Thank you for practising."
    return render(
        request, "sign_in.html", {"next": _safe_next(next) or "", "notice": notice, "error": None, "username": ""}
    )


@router.post("/sign-in")
async def sign_in(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    throttle: SignInThrottleDep,
    workers: PasswordWorkersDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not same_origin(request):
        raise Forbidden("This sign-in form came from another site.", code="csrf_failed")
    try:
        if not username or not password:
            raise Unauthorized("Enter your username and your password.")
        user = await authenticate(
            db,
            username=username,
            password=password,
            address=client_address(request),
            throttle=throttle,
            workers=workers,
        )
    except (TooManyAttempts, ServiceBusy) as exc:
        if isinstance(exc, TooManyAttempts):
            message = (
                "There have been too many unsuccessful sign-ins for this account or from this computer, "
                f"so we have paused them to keep accounts safe. Please wait {wait_in_words(exc.retry_after)} "
                "and try again."
            )
        else:
            message = "Many people are signing in at once just now. Please wait a few seconds and try again."
        log_failure(request, exc)
        context = {"next": _safe_next(next) or "", "notice": None, "error": message, "username": username}
        response = render(request, "sign_in.html", context, status_code=exc.status_code)
        response.headers.update(exc.headers or {})
        return response
    except Unauthorized as exc:
        message = (
            exc.message
            if not username or not password
            else "That username and password do not match an active account. Check them and try again."
        )
        context = {"next": _safe_next(next) or "", "notice": None, "error": message, "username": username}
        return render(request, "sign_in.html", context, status_code=401)
    token, lifetime = issue_access_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=request.app.state.secret_key,
        minutes=settings.access_token_minutes,
    )
    response = RedirectResponse(_safe_next(next) or home_for(user.role), status_code=303)
    set_session_cookie(response, request, token, lifetime)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: FormUser) -> Response:
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    clear_session_cookie(response, request)
    return response
