"""Live views of a group run over server-sent events (``text/event-stream``).

Each viewer's stream sends the run as that viewer may see it (``group_runs.view``: a member's
never names anyone), rendered by the caller (JSON for the API, an HTML fragment for the pages),
whenever it changes: at once when the change was made in this process (``GroupEvents`` wakes
the streams of that run), and within ``POLL_SECONDS`` when another API process made it (each
stream reads the run's ``version`` again that often, a one-row read). A vote reaching its
deadline changes what members may do without a write, so it counts as a change too.

No database connection is held between reads; the stream ends when the run has ended (after
sending its final state), when the viewer may no longer see it, or when the client goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.db import utcnow
from api.models import GroupRun, User
from api.schemas import GroupViewer
from api.services import group_runs

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
RECONNECT_MS = 1000

# (database session, run, viewer, user) -> one line of event data
Render = Callable[[Session, GroupRun, GroupViewer, User], str]


class GroupEvents:
    """Wakes this process's live streams of a run when the run changes; keeps the tasks that
    close votes at their deadline (cancelled when the app stops)."""

    def __init__(self) -> None:
        self._events: dict[int, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def changed(self, run_id: int) -> None:
        event = self._events.pop(run_id, None)
        if event is not None:
            event.set()

    def waiter(self, run_id: int) -> asyncio.Event:
        """The event the run's next change sets: taken before reading the run, so a change made
        while the stream reads or sends is not missed."""
        return self._events.setdefault(run_id, asyncio.Event())


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


def _poll(
    make_session: sessionmaker[Session], run_id: int, user_id: int, last: Any, render: Render
) -> tuple[Any, str | None, bool] | None:
    """(fingerprint, rendered state if it changed since ``last``, ended), or None once the
    viewer may no longer see the run (account gone or deactivated, membership removed)."""
    with make_session() as db:
        run = db.get(GroupRun, run_id)
        user = db.get(User, user_id)
        if run is None or user is None or not user.is_active:
            return None
        viewer = group_runs.viewer_of(db, user, run)
        if viewer is None:
            return None
        voting = run.phase == "voting" and run.vote_deadline is not None and utcnow() < run.vote_deadline
        fingerprint = (run.version, voting)
        ended = run.status == "ended"
        if fingerprint == last:
            return fingerprint, None, ended
        return fingerprint, render(db, run, viewer, user), ended


def event(name: str, data: str, *, event_id: Any = None) -> str:
    head = f"event: {name}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return head + "".join(f"data: {line}\n" for line in data.splitlines() or [""]) + "\n"


async def stream(request: Request, *, run_id: int, user_id: int, render: Render) -> AsyncGenerator[str, None]:
    """The event stream of one viewer: ``state`` events, comments to keep the line open, and
    ``gone`` if the viewer loses sight of the run."""
    make_session: sessionmaker[Session] = request.app.state.sessionmaker
    events: GroupEvents = request.app.state.group_events
    last: Any = None
    quiet_since = time.monotonic()
    yield f"retry: {RECONNECT_MS}\n\n"
    while True:
        if await request.is_disconnected():
            return
        woken = events.waiter(run_id)
        polled = await run_in_threadpool(_poll, make_session, run_id, user_id, last, render)
        if polled is None:
            yield event("gone", "{}")
            return
        last, data, ended = polled
        if data is not None:
            yield event("state", data, event_id=last[0])
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        if ended:
            return
        await _wait(woken, POLL_SECONDS)
