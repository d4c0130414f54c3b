"""Turns the exceptions of ``api.exceptions`` (and FastAPI's, the database's and any
unexpected one) into responses: every error leaves the API as
``{"error": {"code": "...", "message": "..."}}``.

The status, code and headers of a ``PracticeError`` are the exception's own (its class's);
nothing here chooses them. Handlers log the code and status only: messages may quote what
the learner wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TypeVar, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.exceptions import (
    AnswerProblems,
    DatabaseUnavailable,
    EngineFailure,
    PracticeError,
    ScenarioProblems,
    ServiceBusy,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Exception)


def error_response(status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status_code, headers=headers)


def _status_code_name(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


def describe_validation_errors(exc: RequestValidationError) -> str:
    """``text: Field required; scenario_id: Extra inputs are not permitted`` - field and reason."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            where = loc[0]
            loc = loc[1:]
        else:
            where = "body"
        if err.get("type") == "json_invalid":
            parts.append("request body is not valid JSON")
            continue
        field = ".".join(loc) or where
        reason = err.get("msg", "is invalid")
        if err.get("type") == "extra_forbidden":
            reason = "unknown field (not allowed)"
        elif err.get("type") == "missing":
            reason = "required"
        parts.append(f"{field}: {reason}")
    return "; ".join(parts) or "the request is invalid"


def log_failure(request: Request, exc: PracticeError) -> None:
    """One line per refused request: an engine failure is a warning, anything else the client's doing."""
    level = logging.WARNING if isinstance(exc, EngineFailure) else logging.INFO
    log.log(level, "%s %s -> %d %s", request.method, request.url.path, exc.status_code, exc.code)


def practice_error_response(exc: PracticeError, message: str | None = None) -> JSONResponse:
    """The exception's status, code and headers; its message unless the caller words it for a person.
    A scenario's (or a questionnaire's) problems also come as a list (``problems``), so a form can
    show each by its field."""
    if isinstance(exc, ScenarioProblems | AnswerProblems):
        body = {"error": {"code": exc.code, "message": exc.message, "problems": exc.problems}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.status_code, exc.code, exc.message if message is None else message, exc.headers)


async def _practice_error(request: Request, exc: PracticeError) -> JSONResponse:
    log_failure(request, exc)
    return practice_error_response(exc)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no such route, wrong method) in the API's shape."""
    message = exc.detail if isinstance(exc.detail, str) else _status_code_name(exc.status_code).replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    return error_response(exc.status_code, _status_code_name(exc.status_code), message, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    log.info("%s %s -> 422 validation_error", request.method, request.url.path)
    return error_response(422, "validation_error", describe_validation_errors(exc))


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    """The database refused a value validation let through (e.g. a NUL character in a query)."""
    log.info("%s %s -> 422 unusable_value", request.method, request.url.path)
    return error_response(422, "unusable_value", "a value in the request cannot be stored or compared by the database")


def database_unavailable(exc: DBAPIError) -> DatabaseUnavailable | None:
    """A ``DatabaseUnavailable`` if the error is the connection's (it broke, or none could be
    made: ``OperationalError``, or any error that invalidated the connection), else None."""
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return DatabaseUnavailable(
            "the connection to the database was lost while handling the request; whatever it had not yet "
            "saved was not kept. Reload to see what was saved, then try again in a moment."
        )
    return None


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """A broken database connection is an outage (503, try again), not a bug; any other database error is."""
    unavailable = database_unavailable(exc)
    if unavailable is None:
        return await _unexpected_error(request, exc)
    log.warning("%s %s -> 503 database_unavailable (%s)", request.method, request.url.path, type(exc.orig).__name__)
    return practice_error_response(unavailable)


def service_busy(exc: PoolTimeout) -> ServiceBusy:
    """No database connection came free within the pool's timeout: too many requests at once."""
    return ServiceBusy()


async def _pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
    """The pool is exhausted: 503 at once (the wait was ``PRACTICE_DB_POOL_TIMEOUT``), not a 500."""
    busy = service_busy(exc)
    log.warning("%s %s -> 503 service_busy (no database connection free)", request.method, request.url.path)
    return practice_error_response(busy)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s -> 500 %s", request.method, request.url.path, type(exc).__name__)
    return error_response(500, "internal_error", "something went wrong on the server; the error was logged")


def add_handler(app: FastAPI, exc_class: type[E], handler: Callable[[Request, E], Awaitable[Response]]) -> None:
    """``app.add_exception_handler``, typed: the handler takes the exception class it is registered for."""
    # Starlette types every handler as taking any Exception; it calls this one only for exc_class.
    app.add_exception_handler(exc_class, cast("Callable[[Request, Exception], Awaitable[Response]]", handler))


def install_error_handlers(app: FastAPI) -> None:
    add_handler(app, PracticeError, _practice_error)  # its subclasses too: EngineFailure, Unauthorized, ...
    add_handler(app, StarletteHTTPException, http_error)
    add_handler(app, RequestValidationError, _validation_error)
    add_handler(app, DataError, _data_error)  # the most specific handler wins: DataError is a DBAPIError
    add_handler(app, DBAPIError, _database_error)
    add_handler(app, PoolTimeout, _pool_timeout)  # the pool's TimeoutError is no DBAPIError
    add_handler(app, Exception, _unexpected_error)
