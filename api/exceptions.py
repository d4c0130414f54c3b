"""Problems the practice service reports; ``api.error_handlers`` turns them into JSON responses."""

from __future__ import annotations


class PracticeError(Exception):
    """A request the service cannot fulfil, with an HTTP status and a stable error code."""

    status_code = 400
    code = "bad_request"
    headers: dict[str, str] | None = None

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(PracticeError):
    """The scenario or session named in the request does not exist."""

    status_code = 404
    code = "not_found"


class Unauthorized(PracticeError):
    """No valid access token: missing, expired, revoked, or its user is gone."""

    status_code = 401
    code = "not_authenticated"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(PracticeError):
    """Signed in, but this role may not use this endpoint at all."""

    status_code = 403
    code = "forbidden"


class Conflict(PracticeError):
    """The session is not in a state that allows this request."""

    status_code = 409
    code = "conflict"


class InvalidRequest(PracticeError):
    """The request is well-formed but names something that cannot be used (e.g. a user who is not a learner)."""

    status_code = 422
    code = "invalid_request"


class InvalidMessage(PracticeError):
    """The learner's message is empty or too long after trimming."""

    status_code = 422
    code = "invalid_message"


class ScenarioLibraryError(PracticeError):
    """The scenario files could not be loaded."""

    status_code = 500
    code = "scenario_library_error"
