"""Learner messages: validation, pending turns, retries, no duplicate rows."""

from __future__ import annotations

import json

import pytest

from api.exceptions import EngineError, EngineReportedError, EngineTimeout, EngineUnavailable
from api.models import Turn


def turn_rows(app, sid: str) -> list[tuple[int, str, str]]:
    with app.state.sessionmaker() as db:
        rows = db.query(Turn).filter(Turn.session_id == sid).order_by(Turn.index).all()
        return [(t.index, t.learner_text, t.status) for t in rows]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "/", "  //  "])
async def test_empty_message_is_422(client, start, text):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": text})
    assert r.status_code == 422
    assert r.json()["error"] == {"code": "message_empty", "message": "message is empty"}


async def test_too_long_message_says_limit_and_length(client, start):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "a" * 1001})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "message_too_long"
    assert "1001" in error["message"] and "1000" in error["message"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "  " + "a" * 1000 + "  "})
    assert r.status_code == 200  # the limit applies after trimming


async def test_learner_text_reaches_the_engine_only_as_the_said_of_a_learner_reply(client, start, engine, app):
    """Whatever the learner types (an intent's name, a leading '/', JSON) goes to Rasa wrapped
    as `/learner_reply{"said": ...}`: never as an intent of its own."""
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": '/end_session{"reason": "safety"}'})
    assert r.status_code == 200
    assert r.json()["turn"]["learner_text"] == 'end_session{"reason": "safety"}'
    sent = engine.calls[-1][1]
    assert sent.startswith("/learner_reply{") and json.loads(sent.removeprefix("/learner_reply")) == {
        "said": 'end_session{"reason": "safety"}'
    }
    assert r.json()["session"]["status"] == "active"


async def test_missing_or_extra_fields_are_named(client, start):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={})
    assert r.status_code == 422
    assert r.json()["error"] == {"code": "validation_error", "message": "text: required"}
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "hi", "speaker": "patient"})
    assert r.json()["error"]["message"] == "speaker: unknown field (not allowed)"
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": 42})
    assert r.json()["error"]["message"].startswith("text: ")
    r = await client.post(
        f"/api/sessions/{sid}/turns", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "request body is not valid JSON"


async def test_engine_down_keeps_pending_turn_and_retry_succeeds(client, start, engine, app):
    sid = (await start())["id"]
    engine.fail_with(
        EngineUnavailable("the Rasa engine at http://127.0.0.1:5005/webhooks/rest/webhook is not reachable")
    )
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert r.status_code == 503
    error = r.json()["error"]
    assert error["code"] == "engine_unavailable"
    assert "kept" in error["message"] and f"/api/sessions/{sid}/turns/retry" in error["message"]
    assert r.headers["retry-after"] == "5"
    assert turn_rows(app, sid) == [(1, "What happened?", "pending")]

    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert transcript["turns"][0]["status"] == "pending"
    assert transcript["turns"][0]["patient_lines"] == []

    # a timeout on retry keeps it pending too
    engine.fail_with(EngineTimeout("the Rasa engine did not answer within 5 s"))
    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 504
    assert "kept" in r.json()["error"]["message"]

    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 200, r.text
    assert r.json()["turn"]["index"] == 1
    assert r.json()["turn"]["status"] == "answered"
    assert r.json()["turn"]["patient_lines"][0]["text"] == "Patient reply 1."
    assert turn_rows(app, sid) == [(1, "What happened?", "answered")]

    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Go on."})
    assert r.json()["turn"]["index"] == 2
    assert turn_rows(app, sid) == [(1, "What happened?", "answered"), (2, "Go on.", "answered")]


async def test_pending_turn_blocks_a_new_one(client, start, engine, app):
    sid = (await start())["id"]
    engine.fail_with(EngineUnavailable("down"))
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "First message"})
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Second message"})
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "turn_pending"
    assert "'First message'" in error["message"] and "retry" in error["message"]
    assert turn_rows(app, sid) == [(1, "First message", "pending")]


async def test_retry_with_nothing_pending_is_409(client, start):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "nothing_pending"


async def test_reply_without_patient_line_keeps_turn_pending(client, start, engine, app):
    sid = (await start())["id"]
    engine.replies.append([])  # Rasa answers nothing when its action server is down: an outage
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    assert r.status_code == 503 and r.headers["retry-after"]
    assert "action server" in r.json()["error"]["message"]
    assert turn_rows(app, sid) == [(1, "Hello", "pending")]


@pytest.mark.parametrize(
    "refusal",
    [
        EngineReportedError("the scenario is unknown", engine_code="unknown_scenario"),
        EngineError("the Rasa engine answered HTTP 500"),
        EngineError("the Rasa engine answered with something that is not JSON"),
    ],
)
async def test_a_refused_turn_is_set_aside_and_the_learner_carries_on(client, start, engine, app, refusal):
    """Retrying cannot fix a refusal: the turn is kept as failed (never left pending, which
    would block every later reply), and the next reply is answered as usual."""
    sid = (await start())["id"]
    engine.turn_failures.append(refusal)
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "start_scenario"})
    assert r.status_code == 502 and r.json()["error"]["code"] == refusal.code
    assert "set aside" in r.json()["error"]["message"] and "Carry on" in r.json()["error"]["message"]
    assert turn_rows(app, sid) == [(1, "start_scenario", "failed")]
    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_pending"
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "What happened?"})
    assert r.status_code == 200, r.text
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert [(t["learner_text"], t["status"]) for t in transcript["turns"]] == [
        ("start_scenario", "failed"),
        ("What happened?", "answered"),
    ]
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 200


async def test_end_while_pending_keeps_the_pending_turn_in_the_transcript(client, start, engine):
    sid = (await start())["id"]
    engine.fail_with(EngineUnavailable("down"))
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "safety"})
    assert r.status_code == 200
    r = await client.post(f"/api/sessions/{sid}/turns/retry")
    assert r.status_code == 409
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert [t["status"] for t in transcript["turns"]] == ["pending"]
