"""A broken database connection is an outage the client can wait out (503
``database_unavailable`` with Retry-After), not a bug (500); and the API reconnects by itself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from api.services import sessions

TERMINATED = "terminating connection due to administrator command"


class FakeDriverError(Exception):
    """What the driver raised (psycopg's OperationalError, say)."""


def broken(error: DBAPIError) -> Any:
    def _raise(**_: Any) -> Any:
        raise error

    return _raise


async def test_a_dropped_connection_is_503_database_unavailable(client, monkeypatch):
    error = OperationalError("SELECT secret words", {"x": "secret"}, FakeDriverError(TERMINATED))
    monkeypatch.setattr(sessions, "list_sessions", broken(error))
    r = await client.get("/api/sessions")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "2"
    body = r.json()
    assert body["error"]["code"] == "database_unavailable"
    assert "secret" not in r.text and TERMINATED not in r.text  # neither the statement nor the driver's words


async def test_any_error_that_invalidated_the_connection_is_503(client, monkeypatch):
    error = DBAPIError("SELECT 1", None, FakeDriverError("server closed the connection"), connection_invalidated=True)
    monkeypatch.setattr(sessions, "list_sessions", broken(error))
    r = await client.get("/api/sessions")
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"


async def test_a_page_that_loses_the_database_says_so_on_a_page(browser_for, learner, monkeypatch):
    error = OperationalError("SELECT secret words", {"x": "secret"}, FakeDriverError(TERMINATED))
    monkeypatch.setattr(sessions, "list_sessions", broken(error))
    page = await browser_for(learner).get("/practise/history")
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert page.headers["content-type"].startswith("text/html")
    assert "secret" not in page.text and TERMINATED not in page.text


async def test_other_database_errors_stay_500(running, learner, monkeypatch):
    from tests.api.conftest import bearer

    error = ProgrammingError("SELECT nonsense", None, FakeDriverError("syntax error"))
    monkeypatch.setattr(sessions, "list_sessions", broken(error))
    transport = httpx.ASGITransport(app=running, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=bearer(running, learner)) as c:
        r = await c.get("/api/sessions")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"


def terminate_connections(database_url: str) -> int:
    """End every connection to this database, as an administrator (or a server restart) would."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            return len(
                c.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": url.database},
                ).all()
            )
    finally:
        admin.dispose()


async def test_the_api_reconnects_after_its_connections_are_terminated(settings, client, start, engine, monkeypatch):
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip("only PostgreSQL has connections to terminate")
    sid = (await start())["id"]
    assert (await client.post(f"/api/sessions/{sid}/turns", json={"text": "before"})).status_code == 200
    assert terminate_connections(settings.database_url) >= 1  # the pool's idle connection at least
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "after"})  # pool_pre_ping: a fresh one
    assert r.status_code == 200, r.text

    sent = engine.send

    async def terminate_while_the_engine_thinks(sender: str, message: str) -> list[dict[str, Any]]:
        terminate_connections(settings.database_url)
        return await sent(sender, message)

    monkeypatch.setattr(engine, "send", terminate_while_the_engine_thinks)  # a fault for one turn
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "during"})
    assert r.status_code == 200, r.text
    turns = (await client.get(f"/api/sessions/{sid}")).json()["turns"]
    assert [(t["learner_text"], t["status"]) for t in turns] == [
        ("before", "answered"),
        ("after", "answered"),
        ("during", "answered"),
    ]
