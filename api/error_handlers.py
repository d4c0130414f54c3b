"""Every error leaves the API as ``{"error": {"code": "...", "message": "..."}}``.

Handlers log the code and status only: messages may quote what the learner wrote.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.engine_client import EngineError, EngineFailure, EngineReportedError, EngineTimeout, EngineUnavailable
from api.exceptions import PracticeError

log = logging.getLogger(__name__)

ENGINE_ERRORS: dict[type[EngineFailure], tuple[int, str]] = {
    EngineUnavailable: (503, "engine_unavailable"),
    EngineTimeout: (504, "engine_timeout"),
    EngineError: (502, "engine_error"),
}


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


async def _practice_error(request: Request, exc: PracticeError) -> JSONResponse:
    log.info("%s %s -> %d %s", request.method, request.url.path, exc.status_code, exc.code)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers)


async def _engine_error(request: Request, exc: EngineFailure) -> JSONResponse:
    status_code, code = next(
        (value for cls, value in ENGINE_ERRORS.items() if isinstance(exc, cls)), (503, "engine_unavailable")
    )
    if isinstance(exc, EngineReportedError):
        code = f"engine_{exc.engine_code}"
    log.warning("%s %s -> %d %s", request.method, request.url.path, status_code, code)
    headers = {"Retry-After": "5"} if status_code == 503 else None
    return error_response(status_code, code, str(exc), headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
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


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s -> 500 %s", request.method, request.url.path, type(exc).__name__)
    return error_response(500, "internal_error", "something went wrong on the server; the error was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PracticeError, _practice_error)
    app.add_exception_handler(EngineFailure, _engine_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected_error)
