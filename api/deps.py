"""Dependencies the routes share, read from ``app.state`` (wired by ``create_app``)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from actions.settings import Settings
from api.db import DbSession, utcnow
from api.engine import DialogueEngine
from api.exceptions import ScenarioLibraryError, TurnInProgress
from api.services import turn_lease
from api.services.turn_lease import Lease

log = logging.getLogger(__name__)

ScenarioLoader = Callable[[], Mapping[str, Any]]


class ScenarioCatalog:
    """The scenario library, loaded on first use; a failed load is retried on the next request."""

    def __init__(self, loader: ScenarioLoader) -> None:
        self._loader = loader

    def load(self) -> Mapping[str, Any]:
        try:
            return self._loader()
        except Exception as exc:  # ScenarioError, a missing directory, a broken import
            log.error("scenario library failed to load: %s", type(exc).__name__)
            raise ScenarioLibraryError(f"the scenario library could not be loaded: {exc}") from exc


class SessionLocks:
    """One asyncio lock per practice session, for this process's requests: the cheap first step
    of ``TurnLock``, so two requests of one process never poll the database for each other."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, session_id: str) -> asyncio.Lock:
        """The session's lock (kept while anyone holds a reference to it)."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        return lock


# How often a request waiting for another process's turn on the same session asks again.
LEASE_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class TurnLock:
    """One request's way to take its turn on a session: at most one reply, retry or end of a
    session is with the engine at a time, across every API process on the database.

    First this process's asyncio lock, then the session row's lease (``api.services.turn_lease``)
    for the other processes, polled every ``LEASE_POLL_SECONDS`` while someone else holds it.
    Waiting for both together is bounded by ``PRACTICE_TURN_LOCK_WAIT``, then ``TurnInProgress``
    (409). No database connection is held while waiting or while the engine answers: the
    request's transaction ends first, and the lease is taken and given back in short
    transactions of its own. An unknown session id is not leased: the service's 404 follows.

    Every database call runs in a worker thread, never on the event loop; ending the request's
    transaction and giving the lease back run even if the request is cancelled meanwhile.
    """

    locks: SessionLocks
    db: Session  # the request's: its transaction ends before waiting, its reads expire after
    leases: sessionmaker[Session]  # the lease's own short transactions
    wait: float
    lease_seconds: float

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        # Only reads so far (the user, maybe the session): ending them frees the pooled connection.
        await run_in_threadpool(self.db.commit)
        deadline = asyncio.get_running_loop().time() + self.wait
        lock = self.locks.lock(session_id)
        try:
            async with asyncio.timeout_at(deadline):
                await lock.acquire()
        except TimeoutError:
            raise TurnInProgress() from None
        try:
            token = await self._take_lease(session_id, deadline)
            # What the request read before waiting (the session's status, its pending turn)
            # may have been changed by the turn it waited for: read it again.
            self.db.expire_all()
            try:
                yield
            except BaseException:
                # Whatever the service keeps it has committed; ending the reads left open frees
                # the request's connection before the lease's own transaction takes one.
                await _to_the_end(self.db.rollback)
                raise
            finally:
                if token is not None:
                    await _to_the_end(self._give_back, session_id, token)
        finally:
            lock.release()

    async def _take_lease(self, session_id: str, deadline: float) -> str | None:
        """The token now holding the session's lease; None if there is no such session."""
        token = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        while True:
            lease = await run_in_threadpool(self._try_take, session_id, token)
            if lease is Lease.TAKEN:
                return token
            if lease is Lease.NO_SESSION:
                return None
            left = deadline - loop.time()
            if left <= 0:
                log.info("session %s: another request's turn outlasted the wait", session_id)
                raise TurnInProgress()
            await asyncio.sleep(min(LEASE_POLL_SECONDS, left))

    def _try_take(self, session_id: str, token: str) -> Lease:
        with self.leases() as db:
            return turn_lease.try_take(db, session_id=session_id, token=token, now=utcnow(), seconds=self.lease_seconds)

    def _give_back(self, session_id: str, token: str) -> None:
        """Free the lease; if the database cannot be reached, leave it to expire rather than
        turn the request's outcome (a reply already stored, say) into an error."""
        try:
            with self.leases() as db:
                if not turn_lease.give_back(db, session_id=session_id, token=token):
                    log.warning(
                        "session %s: the lease was no longer this turn's (expired, or the session deleted)", session_id
                    )
        except SQLAlchemyError as exc:
            log.warning(
                "session %s: turn lease not given back (%s); it expires by itself", session_id, type(exc).__name__
            )


async def _to_the_end(work: Callable[..., object], *args: object) -> None:
    """``work(*args)`` in a worker thread, shielded from cancellation: clean-up that ran
    synchronously, and so always finished, when it ran on the event loop."""
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(work, *args)


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> DialogueEngine:
    return request.app.state.engine


def get_scenarios(request: Request) -> Mapping[str, Any]:
    return request.app.state.scenarios.load()


def get_group_events(request: Request) -> Any:
    return request.app.state.group_events


def get_reply_scorer(request: Request) -> Any:
    return request.app.state.reply_scorer


def get_turn_lock(request: Request, db: DbSession) -> TurnLock:
    settings: Settings = request.app.state.settings
    return TurnLock(
        locks=request.app.state.session_locks,
        db=db,
        leases=request.app.state.sessionmaker,
        wait=settings.turn_lock_wait,
        lease_seconds=turn_lease.lease_seconds(settings.rasa_timeout),
    )


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[DialogueEngine, Depends(get_engine)]
ScenariosDep = Annotated[Mapping[str, Any], Depends(get_scenarios)]
LocksDep = Annotated[TurnLock, Depends(get_turn_lock)]
GroupEventsDep = Annotated[Any, Depends(get_group_events)]  # api.services.group_live.GroupEvents
ReplyScorerDep = Annotated[Any, Depends(get_reply_scorer)]  # api.services.group_runs.ReplyScorer
