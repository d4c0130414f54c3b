"""Pushing finished sessions to a learning record store: against a fake LRS on loopback (a
tiny HTTP server in the test), off by default, off the request path, retried with backoff."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from api.engine.fake import FakeEngine
from api.main import create_app
from api.models import XapiDelivery
from tests.api.fakes import SCENARIOS
from tests.test_xapi_schema import assert_valid


class FakeLrs:
    """Answers POST /xapi/statements with the next scripted status (then 200), recording each request."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                lrs.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                time.sleep(lrs.delay)
                status = lrs.script.pop(0) if lrs.script else 200
                payload = json.dumps([s["id"] for s in lrs.requests[-1]["body"]] if status == 200 else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs() -> Iterator[FakeLrs]:
    fake = FakeLrs()
    yield fake
    fake.close()


@pytest.fixture
def app(settings, engine, lrs):
    """The API with an LRS configured (short backoff so the retry test is quick)."""
    configured = settings.model_copy(
        update={
            "xapi_lrs_url": lrs.url.rstrip("/"),
            "xapi_lrs_username": "practice-key",
            "xapi_lrs_password": "practice-secret",
            "xapi_lrs_backoff": 0.05,
            "xapi_lrs_attempts": 3,
        }
    )
    return create_app(configured, engine_client=engine, scenario_loader=lambda: SCENARIOS)


async def _calmed(client, engine) -> str:
    sid = (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    engine.terminal_next = True
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "That sounds really hard"})
    assert r.json()["session"]["status"] == "ended"
    return sid


async def test_a_session_ending_is_pushed_with_the_version_header_and_basic_auth(running, client, engine, lrs):
    sid = await _calmed(client, engine)
    assert running.state.xapi_pusher.drain(5)
    (request,) = lrs.requests
    assert request["path"] == "/xapi/statements"
    assert request["headers"]["X-Experience-API-Version"] == "1.0.3"
    expected = "Basic " + base64.b64encode(b"practice-key:practice-secret").decode()
    assert request["headers"]["Authorization"] == expected
    exported = (await client.get(f"/api/sessions/{sid}/xapi")).json()
    assert request["body"] == exported  # the same statements, the same ids
    for statement in request["body"]:
        assert_valid(statement)
    (delivery,) = running.state.xapi_pusher.deliveries
    assert delivery.delivered and delivery.attempts == 1 and delivery.session_id == sid


async def test_a_failure_is_retried_then_delivered(running, client, engine, lrs):
    lrs.script = [503, 500]
    sid = await _calmed(client, engine)
    assert running.state.xapi_pusher.drain(5)
    assert len(lrs.requests) == 3
    assert lrs.requests[0]["body"] == lrs.requests[2]["body"]  # the same statement ids each time
    (delivery,) = running.state.xapi_pusher.deliveries
    assert delivery.delivered and delivery.attempts == 3 and delivery.status == 200 and delivery.session_id == sid
    with running.state.sessionmaker() as db:
        row = db.get(XapiDelivery, sid)
        assert row is not None and row.delivered and row.attempts == 3 and row.last_status == 200
        assert row.statement_ids == [s["id"] for s in lrs.requests[-1]["body"]]


async def test_retries_are_bounded_and_a_refusal_is_not_retried(running, client, engine, lrs):
    lrs.script = [503, 503, 503, 503]
    await _calmed(client, engine)
    assert running.state.xapi_pusher.drain(5)
    assert len(lrs.requests) == 3  # xapi_lrs_attempts
    lrs.requests.clear()
    lrs.script = [400]
    await _calmed(client, engine)
    assert running.state.xapi_pusher.drain(5)
    assert len(lrs.requests) == 1
    assert [(d.delivered, d.attempts, d.status) for d in running.state.xapi_pusher.deliveries] == [
        (False, 3, 503),
        (False, 1, 400),
    ]
    with running.state.sessionmaker() as db:
        rows = db.scalars(select(XapiDelivery).order_by(XapiDelivery.updated_at)).all()
        assert [(r.delivered, r.attempts, r.last_status) for r in rows] == [(False, 3, 503), (False, 1, 400)]


async def test_a_slow_lrs_never_holds_up_the_learner(running, client, engine, lrs):
    # The learner is answered before the LRS has: an order, not a stopwatch, so a busy
    # machine cannot fail it (the LRS takes 3 s; the turn is answered long before).
    lrs.delay = 3.0
    await _calmed(client, engine)
    assert not running.state.xapi_pusher.deliveries
    assert running.state.xapi_pusher.drain(10)
    assert running.state.xapi_pusher.deliveries[0].delivered


async def test_ending_by_hand_and_stepping_away_are_pushed_too(running, client, engine, lrs):
    for reason in ("finished", "safety"):
        sid = (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
        await client.post(f"/api/sessions/{sid}/end", json={"reason": reason})
    assert running.state.xapi_pusher.drain(5)
    assert [len(r["body"]) for r in lrs.requests] == [1, 2]  # abandoned: attempted only


async def test_off_by_default(settings, lrs):
    app = create_app(settings, engine_client=FakeEngine(), scenario_loader=lambda: SCENARIOS)
    async with app.router.lifespan_context(app):
        assert app.state.xapi_pusher is None
        with app.state.sessionmaker() as db:
            assert "xapi_pusher" not in db.info
    assert settings.xapi_lrs_url == ""
