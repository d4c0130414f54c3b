"""Database work off the event loop (issue 19): the async routes (the ones awaiting the engine
or the password workers) do their synchronous database work in worker threads, so a slow query
holds up its own request only, never every other request the loop is serving.

The app runs on the test's event loop (httpx's ``ASGITransport``), so the loop's thread is the
test's: a statement, commit or rollback seen on it is database work on the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.exceptions import EngineError, EngineUnavailable
from api.services import sessions
from tests.api.conftest import PASSWORD, csrf

T = TypeVar("T")

SLOW = 0.5  # seconds every statement takes once the database is slowed down: well above a busy
# machine's scheduling hiccups (0.22 s seen once in CI), so only database work on the loop stalls it that long


class LoopWatch:
    """Records what the database did on the event loop's thread while ``watching()``."""

    def __init__(self) -> None:
        self.loop_thread = threading.get_ident()
        self.on_loop: list[str] = []
        self._watching = False
        self.listeners: dict[str, Callable[..., None]] = {
            "before_cursor_execute": self._statement,
            "commit": self._commit,
            "rollback": self._rollback,
        }

    @contextmanager
    def watching(self) -> Iterator[None]:
        self._watching = True
        try:
            yield
        finally:
            self._watching = False

    def _seen(self, what: str) -> None:
        if self._watching and threading.get_ident() == self.loop_thread:
            self.on_loop.append(what)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self._seen(" ".join(statement.split()[:4]))  # the statement's start: no bound values

    def _commit(self, _conn: Any) -> None:
        self._seen("COMMIT")

    def _rollback(self, _conn: Any) -> None:
        self._seen("ROLLBACK")


@pytest.fixture
def watch(running) -> Iterator[LoopWatch]:
    database: Engine = running.state.database
    watch = LoopWatch()
    for name, listener in watch.listeners.items():
        event.listen(database, name, listener)
    yield watch
    for name, listener in watch.listeners.items():
        event.remove(database, name, listener)


async def test_the_json_routes_that_await_do_no_database_work_on_the_loop(watch, client, anon, start, engine):
    with watch.watching():
        sid = (await start())["id"]
        assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})).status_code == 200
        engine.turn_failures.append(EngineUnavailable("down"))
        assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "Go on."})).status_code == 503
        assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "And?"})).status_code == 409
        assert (await client.post(f"/api/sessions/{sid}/turns/retry")).status_code == 200
        assert (await client.post(f"/api/sessions/{sid}/turns/retry")).status_code == 409
        engine.turn_failures.append(EngineError("answered HTTP 500"))
        assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hm."})).status_code == 502
        engine.fail_with(EngineUnavailable("down"))
        assert (await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})).status_code == 503
        assert (await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})).status_code == 200
        assert (await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})).status_code == 200
        assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "Bye."})).status_code == 409
        assert (await client.post("/api/sessions/nope/turns", json={"text": "Hello"})).status_code == 404
        engine.fail_with(EngineUnavailable("down"))
        assert (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).status_code == 503
        assert (await client.post("/api/sessions", json={"scenario_id": "nope"})).status_code == 404
        assert (await anon.post("/api/auth/token", data={"username": "lena", "password": "wrong"})).status_code == 401
        assert (await anon.post("/api/auth/token", data={"username": "lena", "password": PASSWORD})).status_code == 200
        new = "a new horse battery"
        change = {"current_password": PASSWORD, "new_password": new}
        assert (await client.put("/api/me/password", json=change)).status_code == 204
        assert (await anon.get("/api/health")).status_code == 200
    assert watch.on_loop == []


async def test_the_pages_that_await_do_no_database_work_on_the_loop(watch, browser_for, learner, engine):
    browser = browser_for(learner)
    token = csrf((await browser.get("/practise")).text)
    json = {"accept": "application/json"}
    with watch.watching():
        chat = (await browser.post("/practise/start", data={"scenario_id": "front_desk", "csrf_token": token})).headers[
            "location"
        ]
        assert (await browser.post(f"{chat}/turns", data={"text": "Hello", "csrf_token": token})).status_code == 303
        said = {"text": "What happened?", "csrf_token": token}
        assert (await browser.post(f"{chat}/turns", data=said, headers=json)).status_code == 200
        engine.turn_failures.append(EngineUnavailable("down"))
        assert (await browser.post(f"{chat}/turns", data=said)).status_code == 503  # the chat, the words kept
        assert (await browser.post(f"{chat}/turns", data={"text": "Other", "csrf_token": token})).status_code == 409
        assert (await browser.post(f"{chat}/turns", data=said)).status_code == 303  # the same words: a retry
        engine.fail_with(EngineUnavailable("down"))
        away = await browser.post(f"{chat}/end", data={"reason": "safety", "csrf_token": token})
        assert away.status_code == 200 and "not available just now" in away.text  # support, not closed
        engine.fail_with(EngineUnavailable("down"))
        assert (await browser.post(f"{chat}/end", data={"reason": "finished", "csrf_token": token})).status_code == 503
        assert (await browser.post(f"{chat}/end", data={"reason": "finished", "csrf_token": token})).status_code == 303
        assert (await browser.post("/practise/sessions/nope/end", data={"csrf_token": token})).status_code == 404
        assert (
            await browser.post("/practise/start", data={"scenario_id": "x", "csrf_token": token})
        ).status_code == 404
        assert (await browser.get("/no-such-page")).status_code == 404
        signed_in = await browser_for().post("/sign-in", data={"username": "lena", "password": PASSWORD})
        assert signed_in.status_code == 303
        assert (await browser_for().post("/sign-in", data={"username": "lena", "password": "no"})).status_code == 401
    assert watch.on_loop == []


@pytest.fixture
def slow_database(running) -> Iterator[Callable[[], None]]:
    """Call it to make every statement take ``SLOW`` seconds longer: a database under load."""
    slow = threading.Event()

    def wait(*_args: Any) -> None:
        if slow.is_set():
            time.sleep(SLOW)

    event.listen(running.state.database, "before_cursor_execute", wait)
    yield slow.set
    event.remove(running.state.database, "before_cursor_execute", wait)


async def longest_gap_while(work: Awaitable[T]) -> tuple[float, T]:
    """What ``work`` gave, and the longest the event loop went without running a ticker that
    asks for it every 10 ms meanwhile."""
    task = asyncio.ensure_future(work)
    longest = 0.0
    last = time.monotonic()
    while not task.done():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        longest = max(longest, now - last)
        last = now
    return longest, await task


async def slowest_cheap_request_until(anon: httpx.AsyncClient, done: asyncio.Future[Any]) -> float:
    """Seconds the slowest of back-to-back ``GET /docs`` (served on the loop, no database work;
    the health check now asks the database too) took until ``done`` is."""
    slowest = 0.0
    while not done.done():
        started = time.monotonic()
        assert (await anon.get("/docs")).status_code == 200
        await asyncio.sleep(0)  # an in-memory request never waits: give the loop's other work its turn
        slowest = max(slowest, time.monotonic() - started)
    return slowest


async def test_a_slow_database_holds_up_its_own_reply_not_the_event_loop(client, anon, start, slow_database):
    sid = (await start())["id"]
    slow_database()
    turn = asyncio.ensure_future(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    gap, slowest_check = await longest_gap_while(slowest_cheap_request_until(anon, turn))
    assert (await turn).status_code == 200
    assert gap < SLOW / 2, f"the event loop stood still for {gap:.2f} s"
    assert slowest_check < SLOW / 2, f"a cheap request took {slowest_check:.2f} s"


async def test_a_slow_database_holds_up_its_own_page_not_the_event_loop(browser_for, learner, slow_database):
    browser = browser_for(learner)
    token = csrf((await browser.get("/practise")).text)
    chat = await browser.post("/practise/start", data={"scenario_id": "front_desk", "csrf_token": token})
    slow_database()
    said = {"text": "What happened?", "csrf_token": token}
    gap, reply = await longest_gap_while(browser.post(f"{chat.headers['location']}/turns", data=said))
    assert reply.status_code == 303
    assert gap < SLOW / 2, f"the event loop stood still for {gap:.2f} s"


def failing(error: Exception) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return fail


DATABASE_FAILURES = [
    pytest.param(OperationalError("INSERT secret", {}, ConnectionError("gone")), "database_unavailable", id="lost"),
    pytest.param(PoolTimeout("no connection free"), "service_busy", id="busy"),
]


@pytest.mark.parametrize(("error", "code"), DATABASE_FAILURES)
async def test_a_database_error_in_a_worker_thread_reaches_the_same_handlers(
    client, browser_for, learner, start, monkeypatch, error, code
):
    """What the database raises in a worker thread is answered as it was on the loop: 503 with
    Retry-After, the JSON error or a page; and the session's turn is free again afterwards."""
    sid = (await start())["id"]
    browser = browser_for(learner)
    token = csrf((await browser.get(f"/practise/sessions/{sid}")).text)
    monkeypatch.setattr(sessions, "_store_pending", failing(error))
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert (r.status_code, r.headers["Retry-After"], r.json()["error"]["code"]) == (503, "2", code)
    assert "secret" not in r.text
    page = await browser.post(f"/practise/sessions/{sid}/turns", data={"text": "What happened?", "csrf_token": token})
    assert (page.status_code, page.headers["Retry-After"]) == (503, "2")
    assert page.headers["content-type"].startswith("text/html")
    monkeypatch.undo()
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert r.status_code == 200, r.text
