"""Every problem the practice service reports, in one hierarchy.

Each class carries the HTTP ``status_code`` and the stable ``code`` a client sees (and any
``headers`` sent with them). ``api.error_handlers`` turns these exceptions into JSON responses;
the web pages (``api.web``) answer with the same status and code and choose only the words.

Our exception hierarchy:

* PracticeError (400 bad_request)
  + NotFound (404 not_found)
  + Unauthorized (401 not_authenticated, WWW-Authenticate: Bearer)
    - InvalidToken (401 invalid_token)
    - SignInRequired (401 not_authenticated, no header: the pages sign in with a cookie)
  + Forbidden (403 forbidden)
  + Conflict (409 conflict)
    - TurnInProgress (409 turn_in_progress, Retry-After: 2)
    - ReplayDiverged (409 branch_diverged: a branch's replay did not give the original's turns)
  + TooManyAttempts (429 too_many_attempts, Retry-After: seconds until a failed sign-in expires)
  + InvalidRequest (422 invalid_request)
    - FormProblems (422 invalid_form)
      · CheckInProblems (422 invalid_check_in)
    - ScenarioProblems (422 invalid_scenario: every problem, one per line and in ``problems``)
    - AnswerProblems (422 invalid_answers: every unanswered or off-scale item, in ``problems``)
  + InvalidMessage (422 invalid_message)
  + TooLarge (413 too_large)
  + ScenarioLibraryError (500 scenario_library_error)
  + DatabaseUnavailable (503 database_unavailable, Retry-After: 2)
  + ServiceBusy (503 service_busy, Retry-After: 2)
  + EngineFailure (502 engine_error)
    - EngineUnavailable (503 engine_unavailable, Retry-After: 5)
      · EngineUnreachable (503 engine_unavailable: the connection was refused, nothing was sent)
      · EngineBusy (503 engine_busy, Retry-After: 2: too many turns waiting for the engine, nothing was sent)
    - EngineTimeout (504 engine_timeout)
    - EngineError (502 engine_error)
      · EngineReportedError (502 engine_<the code the action sent>, e.g. engine_unknown_scenario)

A raise site may narrow the ``code`` (``NotFound(..., code="session_not_found")``); the status
always comes from the class.
"""

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
    headers: dict[str, str] | None = {"WWW-Authenticate": "Bearer"}


class InvalidToken(Unauthorized):
    """The token is malformed, badly signed, expired or not an access token."""

    code = "invalid_token"


class SignInRequired(Unauthorized):
    """A web page needs a signed-in user: no session cookie, or its token no longer counts.

    A page answers with a redirect to the sign-in form (``expired`` adds the notice that the
    last sign-in ended); the chat's script, asking for JSON, gets the 401. No
    ``WWW-Authenticate: Bearer``: the pages sign in with a cookie, not a bearer token.
    """

    headers = None

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "Please sign in again.")
        self.expired = message is not None


class Forbidden(PracticeError):
    """Signed in, but this role may not use this endpoint at all."""

    status_code = 403
    code = "forbidden"


class Conflict(PracticeError):
    """The session is not in a state that allows this request."""

    status_code = 409
    code = "conflict"


class TurnInProgress(Conflict):
    """Another request's turn on this session (a reply, a retry, an end) is still with the engine,
    in this API process or another, and did not finish within ``PRACTICE_TURN_LOCK_WAIT``
    (``api.deps.TurnLock``). Nothing of this request was stored, so the learner's words are
    still theirs to send; a retry waits its turn again, so a short ``Retry-After`` will do.
    """

    code = "turn_in_progress"
    headers = {"Retry-After": "2"}

    def __init__(self, message: str = "Your previous reply is still being answered; try again in a moment.") -> None:
        super().__init__(message)


class ReplayDiverged(Conflict):
    """A branch's replay of a session came back different from the original (the engine, the
    scorer or a scenario changed since): the branch is stopped, never continued on a different past."""

    code = "branch_diverged"


class TooManyAttempts(PracticeError):
    """Too many failed sign-ins for this account name or from this address lately
    (``api.auth.throttle``); ``retry_after`` seconds from now the oldest of them no longer counts.

    One message for every case (a known or an unknown name, the account's limit or the
    address's), so the answer says nothing about which accounts exist.
    """

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"too many failed sign-in attempts; try again in {wait_in_words(self.retry_after)}")
        self.headers = {"Retry-After": str(self.retry_after)}


def wait_in_words(seconds: int) -> str:
    """``45 seconds``, ``1 minute``, ``15 minutes`` (whole minutes, rounded up, from a minute on)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class InvalidRequest(PracticeError):
    """The request is well-formed but names something that cannot be used (e.g. a user who is not a learner)."""

    status_code = 422
    code = "invalid_request"


class FormProblems(InvalidRequest):
    """What is wrong with a submitted web form, one sentence per field (``problems``)."""

    code = "invalid_form"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class CheckInProblems(FormProblems):
    """A check-in cannot be saved (a note too long, a conversation that is not the learner's,
    nothing answered): one sentence per problem, for the form and the JSON API alike."""

    code = "invalid_check_in"


class ScenarioProblems(InvalidRequest):
    """A scenario written in the browser cannot be saved or published: every problem found, each
    ``source: field.path: problem`` (``actions.scenarios.parse_scenario``, ``practice.scenario_check``)."""

    code = "invalid_scenario"

    def __init__(self, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"the scenario has {count}:\n" + "\n".join(problems))
        self.problems = problems


class AnswerProblems(InvalidRequest):
    """Answers to the confidence questionnaire that cannot be kept: every item missing, unknown
    or off the scale, each ``item_id: problem`` (``actions.confidence.ConfidenceScale.check_answers``)."""

    code = "invalid_answers"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class TooLarge(PracticeError):
    """The request carries more than the service keeps (e.g. a scenario over its size limit)."""

    status_code = 413
    code = "too_large"


class InvalidMessage(PracticeError):
    """The learner's message is empty or too long after trimming."""

    status_code = 422
    code = "invalid_message"


class ScenarioLibraryError(PracticeError):
    """The scenario files could not be loaded."""

    status_code = 500
    code = "scenario_library_error"


class DatabaseUnavailable(PracticeError):
    """The connection to the database broke during the request (the server restarted, or an
    administrator ended it): nothing after the last commit was kept, and the next request
    gets a fresh connection (``pool_pre_ping``), so trying again shortly works.

    Raised by ``api.error_handlers`` from SQLAlchemy's ``OperationalError`` / a
    ``DBAPIError`` that invalidated its connection, never by a route.
    """

    status_code = 503
    code = "database_unavailable"
    headers = {"Retry-After": "2"}


class ServiceBusy(PracticeError):
    """Too many requests at once: no database connection came free within
    ``PRACTICE_DB_POOL_TIMEOUT`` (raised by ``api.error_handlers`` from SQLAlchemy's pool
    ``TimeoutError``), or a sign-in waited longer than ``PRACTICE_SIGNIN_QUEUE_TIMEOUT`` for
    its turn to check a password (``api.auth.hashing``). Trying again shortly works.
    """

    status_code = 503
    code = "service_busy"
    headers = {"Retry-After": "2"}

    def __init__(self, message: str = "the service is too busy just now; try again in a moment.") -> None:
        super().__init__(message)


class EngineFailure(PracticeError):
    """The Rasa engine could not give an answer (raised as one of the subclasses below)."""

    status_code = 502
    code = "engine_error"
    # Whether sending the same message again can succeed: only outages and timeouts. A turn
    # the engine refused for any other reason is set aside as failed, never left pending.
    retryable = False


class EngineUnavailable(EngineFailure):
    """Nothing answered at the engine's address (refused or dropped connection)."""

    status_code = 503
    code = "engine_unavailable"
    headers = {"Retry-After": "5"}
    retryable = True


class EngineUnreachable(EngineUnavailable):
    """The engine's server refused the connection: the message never left, so another Rasa
    server may take it (``api.engine.pool``) without the turn being processed twice. Once a
    request has been sent, a failure is an ``EngineUnavailable`` or ``EngineTimeout`` instead:
    that server may have taken the turn, and only the learner's retry may send it again."""


class EngineBusy(EngineUnavailable):
    """Too many turns are already with the engine and this one waited ``PRACTICE_ENGINE_QUEUE_TIMEOUT``
    for a place (``api.engine.pool``): it was never sent, is kept, and trying again shortly works.
    Overload answered at once, rather than every learner's turn queueing behind a saturated engine."""

    code = "engine_busy"
    headers = {"Retry-After": "2"}

    def __init__(
        self, message: str = "the practice patient is busy with many people at once; try again in a moment"
    ) -> None:
        super().__init__(message)


class EngineTimeout(EngineFailure):
    """The engine did not answer within the timeout."""

    status_code = 504
    code = "engine_timeout"
    retryable = True


class EngineError(EngineFailure):
    """The engine answered, but with an error status or a reply that cannot be used."""

    status_code = 502
    code = "engine_error"


class EngineReportedError(EngineError):
    """An action on the engine sent a ``{"type": "error"}`` message instead of an answer;
    its code becomes ``engine_<code>`` (e.g. ``engine_unknown_scenario``)."""

    def __init__(self, message: str, *, engine_code: str = "error") -> None:
        super().__init__(message, code=f"engine_{engine_code}")
        self.engine_code = engine_code
