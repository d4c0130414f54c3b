"""Errors on a web page become a page (or, for the chat's script, the API's JSON error), never
a stack trace. The status, code and headers are the exception's own (``api.exceptions``), the
same as the JSON API answers for the same failure; this module chooses only the words for the
person reading."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from api.error_handlers import (
    database_unavailable,
    describe_validation_errors,
    error_response,
    log_failure,
    practice_error_response,
    service_busy,
)
from api.exceptions import EngineFailure, PracticeError, SignInRequired, TurnInProgress
from api.web.render import render

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    """The chat page's script asks for JSON; a plain form post or link asks for a page."""
    return "application/json" in request.headers.get("accept", "")


ENGINE_WORDING: dict[str, str] = {
    "engine_unavailable": (
        "The practice patient is not available just now. Nothing you wrote is lost: try again in a minute."
    ),
    "engine_busy": (
        "The practice patient is busy with a lot of people at once. Nothing you wrote is lost: "
        "try again in a few seconds."
    ),
    "engine_timeout": (
        "The practice patient took too long to answer. Nothing you wrote is lost: try again in a minute."
    ),
    "engine_error": (
        "Something went wrong with the practice patient. Nothing you wrote is lost: try again, "
        "and if it keeps happening, tell your facilitator."
    ),
}


# A reply the engine refused for a reason retrying cannot fix (the turn is kept as failed).
TURN_SET_ASIDE = (
    "The practice patient could not take that reply, so it has been set aside: it stays in your "
    "transcript, marked as not delivered. Carry on with a different reply, or finish the conversation. "
    "If it keeps happening, tell your facilitator."
)


def engine_message(exc: EngineFailure, *, turn: bool = False) -> str:
    """A sentence for the learner when the practice patient cannot answer (an action's own
    code, such as ``engine_no_scenario``, reads as ``engine_error``); ``turn``: the failure
    answered a reply, which is set aside unless retrying can help."""
    if turn and not exc.retryable:
        return TURN_SET_ASIDE
    return ENGINE_WORDING.get(exc.code, ENGINE_WORDING[EngineFailure.code])


def sentence(message: str) -> str:
    """An exception's message as a sentence on a page: capitalised."""
    return message[:1].upper() + message[1:]


def sign_in_redirect(request: Request, *, expired: bool) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/sign-in?next={quote(target, safe='')}"
    if expired:
        url += "&expired=1"
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request,
    status_code: int,
    message: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    titles = {403: "Not for you", 404: "Page not found", 422: "Please check what you entered"}
    response = render(
        request,
        "error.html",
        {
            "title": title or titles.get(status_code, "Something went wrong"),
            "message": message,
            "status_code": status_code,
        },
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response


def _failure_page(request: Request, exc: PracticeError) -> Response:
    """The page (or, for the chat's script, the JSON) for one of the API's failures. Called in
    a worker thread: a request that failed may have rolled back, and the page reads the
    signed-in user (its name, its role) again from the database."""
    log_failure(request, exc)
    if isinstance(exc, EngineFailure):
        message = engine_message(exc)
        if wants_json(request):
            return practice_error_response(exc, message)
        title = "The practice patient is not answering"
        return error_page(request, exc.status_code, message, title=title, headers=exc.headers)
    if wants_json(request):
        return practice_error_response(exc)
    if isinstance(exc, TurnInProgress):
        title = "The practice patient is still answering"
        return error_page(request, exc.status_code, exc.message, title=title, headers=exc.headers)
    return error_page(request, exc.status_code, sentence(exc.message), headers=exc.headers)


class WebRoute(APIRoute):
    """A page route: the exceptions of the API's services turn into pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                if wants_json(request):
                    return practice_error_response(exc)
                return sign_in_redirect(request, expired=exc.expired)
            except PracticeError as exc:
                return await run_in_threadpool(_failure_page, request, exc)
            except DBAPIError as exc:  # a broken database connection is a page too, not JSON
                failure = database_unavailable(exc)
                if failure is None:
                    raise
                return await run_in_threadpool(_failure_page, request, failure)
            except PoolTimeout as exc:  # no database connection came free: busy, a page too
                return await run_in_threadpool(_failure_page, request, service_busy(exc))
            except RequestValidationError as exc:
                log.info("%s %s -> 422 validation_error", request.method, request.url.path)
                if wants_json(request):
                    return error_response(422, "validation_error", describe_validation_errors(exc))
                return error_page(request, 422, describe_validation_errors(exc))

        return page_handler
