"""Under load (issue 19): an exhausted database pool answers 503 ``service_busy`` with
Retry-After within ``PRACTICE_DB_POOL_TIMEOUT``, on JSON and on pages, instead of hanging."""

from __future__ import annotations

import time
from typing import Any

import pytest

from actions.settings import Settings
from api.exceptions import EngineUnavailable
from tests.api.conftest import NOT_A_HANG


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest's database, with a pool of one connection and a 0.2 s wait for it."""
    return settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.2})


async def test_an_exhausted_pool_answers_503_service_busy_quickly(running, client):
    with running.state.database.connect():  # the only connection, held
        started = time.monotonic()
        r = await client.get("/api/sessions")
        elapsed = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "service_busy"
    assert r.headers["Retry-After"] == "2"
    assert elapsed < NOT_A_HANG
    assert (await client.get("/api/sessions")).status_code == 200  # free again: served


async def test_an_exhausted_pool_is_a_page_too(running, browser_for, learner):
    browser = browser_for(learner)
    with running.state.database.connect():
        started = time.monotonic()
        page = await browser.get("/practise/history")
        elapsed = time.monotonic() - started
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert page.headers["content-type"].startswith("text/html")
    assert elapsed < NOT_A_HANG
    assert (await browser.get("/practise/history")).status_code == 200


def test_the_pool_takes_its_sizes_from_settings(settings):
    from api.db import make_database

    database = make_database(settings)
    try:
        pool = database.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (1, 0, 0.2)  # type: ignore[attr-defined]
    finally:
        database.dispose()


async def test_no_database_connection_is_held_while_the_engine_answers(client, start, engine, running):
    """A slow engine must not drain the pool: starting, every turn, a retry and the end each
    ask the engine with the request's transaction already ended."""
    pool = running.state.database.pool
    held: list[int] = []
    send = engine.send

    async def watching(sender: str, message: str) -> list[dict[str, Any]]:
        held.append(pool.checkedout())
        return await send(sender, message)

    engine.send = watching  # a spy on the fake engine's one method
    sid = (await start())["id"]
    assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})).status_code == 200
    engine.turn_failures.append(EngineUnavailable("down"))
    assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "Go on."})).status_code == 503
    assert (await client.post(f"/api/sessions/{sid}/turns/retry")).status_code == 200
    assert (await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})).status_code == 200
    assert held == [0, 0, 0, 0, 0]
