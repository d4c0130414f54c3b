"""Optional push of a finished session's xAPI statements to a learning record store (LRS).

Off unless ``PRACTICE_XAPI_LRS_URL`` names the LRS's xAPI endpoint; statements are POSTed to
``<url>/statements`` with ``X-Experience-API-Version: 1.0.3`` and HTTP Basic auth from
``PRACTICE_XAPI_LRS_USERNAME`` / ``PRACTICE_XAPI_LRS_PASSWORD`` (the environment only).

Never on the learner's request path: ending a session only puts its id on a queue
(``session_ended``), and one daemon thread per API process builds the statements in a
database session of its own and sends them, retrying a timeout, a refused connection, a
408, 429 or 5xx up to ``PRACTICE_XAPI_LRS_ATTEMPTS`` times, waiting ``PRACTICE_XAPI_LRS_BACKOFF``
seconds and doubling (at most 60 s) between tries. Any other 4xx is the LRS refusing the
statements: not retried. Each outcome is logged with the session and statement ids only
(never a statement's body: it may carry words when configured to) and kept in the table
``xapi_deliveries`` (delivered or not, tries, the LRS's last status, the statement ids: the
last push per session). The statement ids are
stable per session, so a session sent twice is stored once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from actions.settings import Settings
from api.db import utcnow
from api.models import PracticeSession, XapiDelivery
from api.services import xapi

log = logging.getLogger("practice.xapi")

INFO_KEY = "xapi_pusher"
MAX_BACKOFF = 60.0
RETRYABLE_STATUS = {408, 429}


@dataclass
class Delivery:
    """What happened to one session's push (kept in memory for tests and the log)."""

    session_id: str
    statement_ids: list[str]
    delivered: bool
    attempts: int
    status: int | None


class XapiPusher:
    def __init__(
        self,
        settings: Settings,
        *,
        sessions: sessionmaker[Session],
        secret_key: str,
        scenarios: Callable[[], Mapping[str, Any]],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._secret_key = secret_key
        self._scenarios = scenarios
        self._transport = transport
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    def enqueue(self, session_id: str) -> None:
        """Push this session's statements soon; returns at once."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="xapi-push", daemon=True)
                self._thread.start()
        self._queue.put(session_id)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued session has been sent or given up (tests)."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            session_id = self._queue.get()
            try:
                if session_id is None:
                    return
                self._push(session_id)
            except Exception:  # a bug here must never kill the thread for later sessions
                log.exception("xapi push of session %s failed unexpectedly", session_id)
            finally:
                self._queue.task_done()

    def _statements(self, session_id: str) -> list[dict[str, Any]] | None:
        with self._sessions() as db:
            session = db.get(PracticeSession, session_id)
            if session is None:
                return None
            return xapi.statements(
                db, session, settings=self._settings, secret_key=self._secret_key, scenarios=self._scenarios()
            )

    def _push(self, session_id: str) -> None:
        found = self._statements(session_id)
        if not found:
            log.info("xapi push of session %s skipped: the session is gone", session_id)
            return
        ids = [s["id"] for s in found]
        settings = self._settings
        auth = (
            httpx.BasicAuth(settings.xapi_lrs_username, settings.xapi_lrs_password or "")
            if settings.xapi_lrs_username
            else None
        )
        headers = {"X-Experience-API-Version": xapi.XAPI_VERSION}
        status: int | None = None
        with httpx.Client(timeout=settings.xapi_lrs_timeout, transport=self._transport, auth=auth) as client:
            for attempt in range(1, settings.xapi_lrs_attempts + 1):
                try:
                    response = client.post(
                        f"{settings.xapi_lrs_url}/statements",
                        json=found,
                        headers=headers,
                    )
                    status = response.status_code
                    retry = status >= 500 or status in RETRYABLE_STATUS
                except httpx.HTTPError as exc:
                    status, retry = None, True
                    log.warning("xapi push of session %s try %d: %s", session_id, attempt, type(exc).__name__)
                if status is not None and 200 <= status < 300:
                    log.info("xapi push of session %s delivered %s (try %d)", session_id, ",".join(ids), attempt)
                    self._record(Delivery(session_id, ids, True, attempt, status))
                    return
                if not retry or attempt == settings.xapi_lrs_attempts:
                    break
                log.warning("xapi push of session %s try %d answered %s; retrying", session_id, attempt, status)
                if self._stop.wait(min(MAX_BACKOFF, settings.xapi_lrs_backoff * 2 ** (attempt - 1))):
                    break
        log.error("xapi push of session %s not delivered %s (last status %s)", session_id, ",".join(ids), status)
        self._record(Delivery(session_id, ids, False, attempt, status))

    def _record(self, delivery: Delivery) -> None:
        """Keep the outcome: in memory (tests) and in ``xapi_deliveries`` (one row a session, the last push)."""
        self.deliveries.append(delivery)
        with self._sessions() as db:
            if db.get(PracticeSession, delivery.session_id) is None:
                return  # deleted meanwhile (retention, the account): nothing to record against
            row = db.get(XapiDelivery, delivery.session_id) or XapiDelivery(session_id=delivery.session_id)
            row.delivered = delivery.delivered
            row.attempts = delivery.attempts
            row.last_status = delivery.status
            row.statement_ids = delivery.statement_ids
            row.updated_at = utcnow()
            db.add(row)
            db.commit()


def make_pusher(
    settings: Settings, *, sessions: sessionmaker[Session], secret_key: str, scenarios: Callable[[], Mapping[str, Any]]
) -> XapiPusher | None:
    """The pusher, or None when no LRS is configured (the default)."""
    if not settings.xapi_lrs_url:
        return None
    pusher = XapiPusher(settings, sessions=sessions, secret_key=secret_key, scenarios=scenarios)
    sessions.configure(info={INFO_KEY: pusher})
    return pusher


def session_ended(db: Session, session_id: str) -> None:
    """Called when a session ends: queue its push if an LRS is configured (never blocks)."""
    pusher = db.info.get(INFO_KEY)
    if isinstance(pusher, XapiPusher):
        pusher.enqueue(session_id)
