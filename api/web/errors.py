"""Errors on a web page become a page (or, for the chat's script, the API's JSON error), never
a stack trace: the same exceptions the JSON routes raise, in words for the person reading."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from api.engine_client import EngineFailure, EngineTimeout, EngineUnavailable
from api.error_handlers import describe_validation_errors, error_response
from api.exceptions import PracticeError
from api.web.render import render
from api.web.session import SignInRequired

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    """The chat page's script asks for JSON; a plain form post or link asks for a page."""
    return "application/json" in request.headers.get("accept", "")


def engine_message(exc: EngineFailure) -> tuple[int, str, str]:
    """Status, code and a sentence for the learner when the practice patient cannot answer."""
    if isinstance(exc, EngineUnavailable):
        return (
            503,
            "engine_unavailable",
            ("The practice patient is not available just now. Nothing you wrote is lost: try again in a minute."),
        )
    if isinstance(exc, EngineTimeout):
        return (
            504,
            "engine_timeout",
            ("The practice patient took too long to answer. Nothing you wrote is lost: try again in a minute."),
        )
    return (
        502,
        "engine_error",
        (
            "Something went wrong with the practice patient. Nothing you wrote is lost: try again, "
            "and if it keeps happening, tell your facilitator."
        ),
    )


def sign_in_redirect(request: Request, message: str | None) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/sign-in?next={quote(target, safe='')}"
    if message:
        url += "&expired=1"
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status_code: int, message: str, *, title: str | None = None) -> Response:
    titles = {403: "Not for you", 404: "Page not found", 422: "Please check what you entered"}
    return render(
        request,
        "error.html",
        {
            "title": title or titles.get(status_code, "Something went wrong"),
            "message": message,
            "status_code": status_code,
        },
        status_code=status_code,
    )


class WebRoute(APIRoute):
    """A page route: the exceptions of the API's services turn into pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                if wants_json(request):
                    return error_response(401, "not_authenticated", exc.message or "Please sign in again.")
                return sign_in_redirect(request, exc.message)
            except PracticeError as exc:
                log.info("%s %s -> %d %s", request.method, request.url.path, exc.status_code, exc.code)
                if wants_json(request):
                    return error_response(exc.status_code, exc.code, exc.message)
                message = exc.message[:1].upper() + exc.message[1:]
                return error_page(request, exc.status_code, message)
            except EngineFailure as exc:
                status_code, code, message = engine_message(exc)
                log.warning("%s %s -> %d %s", request.method, request.url.path, status_code, code)
                if wants_json(request):
                    return error_response(status_code, code, message)
                return error_page(request, status_code, message, title="The practice patient is not answering")
            except RequestValidationError as exc:
                log.info("%s %s -> 422 validation_error", request.method, request.url.path)
                if wants_json(request):
                    return error_response(422, "validation_error", describe_validation_errors(exc))
                return error_page(request, 422, describe_validation_errors(exc))

        return page_handler
