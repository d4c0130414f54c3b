"""The turn lock across API processes (``api.deps.TurnLock``): two app instances on one database
stand for two uvicorn workers, sharing one slow fake engine that records overlap. One session's
turns reach the engine one at a time, in order; other sessions are not held up; the lease is
given back after a failure, taken over once expired, and a bounded wait answers 409."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from actions.settings import Settings
from api.db import utcnow
from api.engine.fake import FakeEngine
from api.exceptions import EngineError, EngineUnavailable
from api.main import create_app
from api.models import PracticeSession
from tests.api.conftest import bearer, csrf
from tests.api.fakes import SCENARIOS

# PRACTICE_TURN_LOCK_WAIT here: well over a slow turn below (0.3 s) even on a busy CI machine,
# short enough to wait out.
WAIT = 3.0


class SlowEngine(FakeEngine):
    """The fake engine, taking ``delay`` seconds over every message (and holding a session's
    messages until the test opens ``gates[sender]``), counting how many of each session's
    messages it holds at once."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.gates: dict[str, asyncio.Event] = {}
        self.in_flight: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.most_overall = 0

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        self.in_flight[sender] += 1
        self.most_at_once[sender] = max(self.most_at_once[sender], self.in_flight[sender])
        self.most_overall = max(self.most_overall, sum(self.in_flight.values()))
        try:
            if sender in self.gates:
                await self.gates[sender].wait()
            await asyncio.sleep(self.delay)
            return await super().send(sender, message)
        finally:
            self.in_flight[sender] -= 1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"turn_lock_wait": WAIT})


@pytest.fixture
def engine() -> SlowEngine:
    return SlowEngine()


@pytest.fixture
async def other_process(settings, engine, running) -> AsyncIterator[Any]:
    """A second app on the same database and engine: another API worker process."""
    app = create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client_b(other_process, learner) -> AsyncIterator[httpx.AsyncClient]:
    """The learner ``lena`` (the conftest's ``client``), talking to the other process."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other_process),
        base_url="http://testserver",
        headers=bearer(other_process, learner),
    ) as c:
        yield c


async def until(condition: Callable[[], bool], *, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.01)


def lease_of(app: Any, sid: str) -> tuple[str | None, Any]:
    with app.state.sessionmaker() as db:
        session = db.get(PracticeSession, sid)
        assert session is not None
        return session.turn_lease_owner, session.turn_lease_until


def set_lease(app: Any, sid: str, owner: str, *, seconds_left: float) -> None:
    """What a worker holding the session's turn (or one that died holding it) left in the row."""
    with app.state.sessionmaker() as db:
        db.execute(
            update(PracticeSession)
            .where(PracticeSession.id == sid)
            .values(turn_lease_owner=owner, turn_lease_until=utcnow() + timedelta(seconds=seconds_left))
        )
        db.commit()


async def test_replies_to_two_processes_reach_the_engine_one_at_a_time_in_order(client, client_b, start, engine, app):
    sid = (await start())["id"]
    engine.delay = 0.3
    first = asyncio.create_task(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    await until(lambda: engine.in_flight[sid] == 1)  # the first reply is with the engine
    second = await client_b.post(f"/api/sessions/{sid}/turns", json={"text": "Go on."})
    first_answer = await first
    assert (first_answer.status_code, second.status_code) == (200, 200), second.text
    assert first_answer.json()["turn"]["index"] == 1 and second.json()["turn"]["index"] == 2
    assert engine.learner_messages() == ["What happened?", "Go on."]
    assert engine.most_at_once[sid] == 1
    assert lease_of(app, sid) == (None, None)


async def test_an_end_on_another_process_waits_for_the_reply_in_flight(client, client_b, start, engine):
    sid = (await start())["id"]
    engine.delay = 0.3
    reply = asyncio.create_task(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    await until(lambda: engine.in_flight[sid] == 1)
    ended = await client_b.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert (await reply).status_code == 200
    assert ended.status_code == 200, ended.text
    assert ended.json()["summary"]["turns"] == 1  # the engine had answered the reply before the end
    assert engine.most_at_once[sid] == 1


async def test_another_session_is_not_held_up(client, client_b, start, engine):
    slow = (await start())["id"]
    other = (await start("ward_visit"))["id"]
    # The slow session's turn stays with the engine until the other session has its answer: a
    # fixed delay made this a race on a busy machine (CI once took over 1 s for the other turn).
    engine.gates[slow] = asyncio.Event()
    held = asyncio.create_task(client.post(f"/api/sessions/{slow}/turns", json={"text": "What happened?"}))
    await until(lambda: engine.in_flight[slow] == 1)
    try:
        r = await asyncio.wait_for(client_b.post(f"/api/sessions/{other}/turns", json={"text": "Hello"}), 30)
        assert r.status_code == 200, r.text
        assert not held.done()  # answered while the slow session's turn was still with the engine
        assert engine.most_overall == 2
    finally:
        engine.gates[slow].set()
    assert (await held).status_code == 200


@pytest.mark.parametrize(
    ("failure", "status"), [(EngineUnavailable("down"), 503), (EngineError("answered HTTP 500"), 502)]
)
async def test_the_lease_is_given_back_after_an_engine_failure(client, client_b, start, engine, app, failure, status):
    sid = (await start())["id"]
    engine.turn_failures.append(failure)
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert r.status_code == status
    assert lease_of(app, sid) == (None, None)
    started = time.monotonic()
    path = f"/api/sessions/{sid}/turns/retry" if failure.retryable else f"/api/sessions/{sid}/turns"
    r = await client_b.post(path, json=None if failure.retryable else {"text": "Go on."})
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < WAIT  # no waiting for a lease nobody holds


async def test_an_expired_lease_is_taken_over(client_b, start, app):
    """A worker that died mid-turn left its lease behind: once it has expired, the next reply goes through."""
    sid = (await start())["id"]
    set_lease(app, sid, "a0" * 16, seconds_left=-1)
    started = time.monotonic()
    r = await client_b.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < WAIT
    assert lease_of(app, sid) == (None, None)


async def test_the_lease_lasts_the_engine_timeout_and_a_margin(client, start, engine, app, settings):
    sid = (await start())["id"]
    engine.delay = 0.3
    reply = asyncio.create_task(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    await until(lambda: engine.in_flight[sid] == 1)
    owner, until_ = lease_of(app, sid)
    assert owner is not None and len(owner) == 32
    left = (until_ - utcnow()).total_seconds()
    assert settings.rasa_timeout + 25 < left <= settings.rasa_timeout + 30
    assert (await reply).status_code == 200


async def test_a_turn_held_elsewhere_too_long_is_409_with_retry_after_and_nothing_stored(client, start, app, running):
    sid = (await start())["id"]
    set_lease(app, sid, "b1" * 16, seconds_left=60)
    started = time.monotonic()
    reply = asyncio.create_task(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    # Waiting holds no database connection: each look at the lease borrows one for a moment, so
    # sample the pool through the wait (one look can coincide with a sample, a held one always would).
    await asyncio.sleep(WAIT / 4)
    samples = []
    for _ in range(10):
        samples.append(running.state.database.pool.checkedout())
        await asyncio.sleep(WAIT / 20)
    assert min(samples) == 0, samples
    r = await reply
    elapsed = time.monotonic() - started
    assert r.status_code == 409, r.text
    assert r.json()["error"] == {
        "code": "turn_in_progress",
        "message": "Your previous reply is still being answered; try again in a moment.",
    }
    assert r.headers["Retry-After"] == "2"
    assert WAIT <= elapsed < WAIT + 3  # bounded by the wait, not the other worker's 60 s lease
    assert (await client.get(f"/api/sessions/{sid}")).json()["turns"] == []
    assert lease_of(app, sid)[0] == "b1" * 16  # someone else's lease is left alone


async def test_the_wait_behind_a_turn_in_the_same_process_is_bounded_too(client, start, engine):
    sid = (await start())["id"]
    engine.delay = WAIT + 1
    first = asyncio.create_task(client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"}))
    await until(lambda: engine.in_flight[sid] == 1)
    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 409 and r.json()["error"]["code"] == "turn_in_progress"
    assert (await first).status_code == 200


async def test_an_unknown_or_someone_elses_session_answers_404_as_before(client, client_for, make_user, start, app):
    sid = (await start())["id"]
    omar = client_for(make_user("omar"))
    for who, path in ((client, "/api/sessions/nosuchsession/turns"), (omar, f"/api/sessions/{sid}/turns")):
        r = await who.post(path, json={"text": "Hello"})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
    assert lease_of(app, sid) == (None, None)


async def test_stepping_away_while_the_patient_is_still_answering_shows_support(start, app, browser_for, learner):
    """Support comes first: the step-away page, saying the conversation could not be closed yet."""
    sid = (await start())["id"]
    browser = browser_for(learner)
    token = csrf((await browser.get(f"/practise/sessions/{sid}")).text)
    set_lease(app, sid, "c2" * 16, seconds_left=60)
    page = await browser.post(f"/practise/sessions/{sid}/end", data={"reason": "safety", "csrf_token": token})
    assert page.status_code == 200
    assert "still answering your last reply" in page.text and "Looking after yourself" in page.text
    page = await browser.post(f"/practise/sessions/{sid}/end", data={"reason": "finished", "csrf_token": token})
    assert (page.status_code, page.headers["Retry-After"]) == (409, "2")
    assert "The practice patient is still answering" in page.text and "try again in a moment" in page.text
