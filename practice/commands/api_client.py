"""The practice API seen from the command line: one small synchronous client and its errors."""

from __future__ import annotations

import argparse
from typing import Any

import httpx

from actions.settings import Settings

API_URL_ENV = "PRACTICE_API_URL"  # named in help and messages; read through actions.settings
USERNAME_ENV = "PRACTICE_USERNAME"
PASSWORD_ENV = "PRACTICE_PASSWORD"
RETRYABLE = frozenset({502, 503, 504})


def add_api_argument(parser: argparse.ArgumentParser) -> None:
    default = Settings().api_url
    parser.add_argument(
        "--api",
        metavar="URL",
        default=default,
        help=f"address of the practice API (default {default}; env {API_URL_ENV})",
    )


def add_sign_in_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--username",
        metavar="NAME",
        default=Settings().username,
        help=f"your practice account (env {USERNAME_ENV}); the password comes from env {PASSWORD_ENV} or a prompt",
    )


def read_password(username: str) -> str | None:
    """The password from ``PRACTICE_PASSWORD``, else asked for without echo; None if there is no way to ask."""
    password = Settings().password
    if password is not None:
        return password
    import getpass
    import sys

    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass(f"Password for {username}: ")
    except (EOFError, KeyboardInterrupt):
        return None


class ApiProblem(Exception):
    """Talking to the practice API did not work."""


class ApiUnreachable(ApiProblem):
    """Nothing answered at the API's address, or it did not answer in time."""


class ApiError(ApiProblem):
    """The API answered with an error: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        """The engine was down or slow: the API kept the message and it can be retried."""
        return self.status in RETRYABLE


class PracticeApi:
    """Calls the ``/api`` endpoints; pass ``http`` to reuse a client (tests pass one bound to the app)."""

    def __init__(self, base_url: str, *, http: httpx.Client | None = None, timeout: float = 90.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout)
        self._owns_http = http is None
        self.timeout = timeout
        self._token: str | None = None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PracticeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, form: dict[str, str] | None = None
    ) -> Any:
        url = self.base_url + path
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
        try:
            if form is not None:
                response = self._http.request(method, url, data=form, headers=headers)
            else:
                response = self._http.request(method, url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ApiUnreachable(f"The practice API at {self.base_url} did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise ApiUnreachable(
                f"Cannot reach the practice API at {self.base_url}. Start it with `make run`."
            ) from exc
        if response.is_success:
            return response.json()
        try:
            error = response.json()["error"]
            raise ApiError(response.status_code, str(error["code"]), str(error["message"]))
        except (ValueError, KeyError, TypeError):
            raise ApiError(response.status_code, "http_error", f"HTTP {response.status_code} from {url}") from None

    def sign_in(self, username: str, password: str) -> None:
        """OAuth2 password flow; later calls carry the bearer token."""
        result = self._call("POST", "/api/auth/token", form={"username": username, "password": password})
        self._token = result["access_token"]

    def scenarios(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/scenarios")["items"]

    def start(self, scenario_id: str) -> dict[str, Any]:
        return self._call("POST", "/api/sessions", {"scenario_id": scenario_id})

    def branch(self, session_id: str, turn: int) -> dict[str, Any]:
        return self._call("POST", f"/api/sessions/{session_id}/branches", {"turn": turn})

    def transcript(self, session_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/sessions/{session_id}")

    def say(self, session_id: str, text: str) -> dict[str, Any]:
        return self._call("POST", f"/api/sessions/{session_id}/turns", {"text": text})

    def retry(self, session_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/sessions/{session_id}/turns/retry")

    def end(self, session_id: str, reason: str) -> dict[str, Any]:
        return self._call("POST", f"/api/sessions/{session_id}/end", {"reason": reason})
