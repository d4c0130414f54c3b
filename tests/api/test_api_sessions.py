"""Starting, talking, ending and reading back a practice session."""

from __future__ import annotations

import json

from api.exceptions import EngineError, EngineTimeout, EngineUnavailable
from api.models import PracticeSession


def count_rows(app, model) -> int:
    with app.state.sessionmaker() as db:
        return db.query(model).count()


async def test_happy_path_start_turn_end_transcript(client, start, engine):
    session = await start()
    assert session["status"] == "active"
    assert session["scenario"]["title"] == "Cancelled appointment at the front desk"
    assert "hidden_need" not in session["scenario"]
    assert session["opening"][0]["text"] == "I've been waiting two hours!"
    sid = session["id"]
    assert len(sid) == 32

    sender, message = engine.calls[0]
    assert sender == sid
    assert message.startswith("/start_scenario{")
    assert json.loads(message.removeprefix("/start_scenario")) == {
        "scenario_id": "front_desk",
        "seed": str(session["seed"]),
    }

    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "  Can you tell me what happened?  "})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["turn"]["index"] == 1
    assert body["turn"]["learner_text"] == "Can you tell me what happened?"
    assert body["turn"]["status"] == "answered"
    assert body["turn"]["score_card"]["cues"][0]["cue"] == "open_question"
    assert body["turn"]["patient_lines"][0]["text"] == "Patient reply 1."
    assert body["session"] == {
        "id": sid,
        "scenario_id": "front_desk",
        "scenario_version": None,
        "status": "active",
        "outcome": None,
    }
    assert body["summary"] is None

    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "That sounds frustrating."})
    assert r.json()["turn"]["index"] == 2

    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 200, r.text
    end = r.json()
    assert end["session"]["status"] == "ended"
    assert end["session"]["outcome"] == "abandoned"
    assert end["summary"]["turns"] == 2
    assert engine.calls[-1] == (sid, '/end_session{"reason": "finished"}')

    r = await client.get(f"/api/sessions/{sid}")
    assert r.status_code == 200
    transcript = r.json()
    assert transcript["status"] == "ended"
    assert transcript["end_reason"] == "finished"
    assert transcript["opening"][0]["type"] == "patient_line"
    assert [t["index"] for t in transcript["turns"]] == [1, 2]
    assert transcript["turns"][1]["learner_text"] == "That sounds frustrating."
    assert transcript["turns"][0]["score_card"]["score"] == 2.0
    assert transcript["summary"]["outcome"] == "abandoned"
    assert transcript["ended_at"] is not None
    assert transcript["created_at"].endswith("Z") or "+00:00" in transcript["created_at"]


async def test_unknown_scenario_is_404_naming_it(client, app):
    r = await client.post("/api/sessions", json={"scenario_id": "no_such_thing"})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "scenario_not_found"
    assert "'no_such_thing'" in error["message"]
    assert count_rows(app, PracticeSession) == 0


async def test_engine_down_at_start_is_503_and_leaves_no_active_session(client, app, engine):
    engine.fail_with(EngineUnavailable("the Rasa engine at http://x/webhooks/rest/webhook is not reachable"))
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "engine_unavailable"
    assert "not reachable" in r.json()["error"]["message"]
    listing = (await client.get("/api/sessions")).json()
    assert [s["status"] for s in listing["items"]] == ["failed"]
    sid = listing["items"][0]["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "hello"})
    assert r.status_code == 409


async def test_start_without_opening_line_is_an_outage(client, engine):
    engine.replies.append([])  # Rasa answered, but the action server did not speak
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk"})
    assert r.status_code == 503
    assert "action server" in r.json()["error"]["message"]


async def test_unknown_session_is_404(client):
    for method, path, body in [
        ("GET", "/api/sessions/abc", None),
        ("POST", "/api/sessions/abc/turns", {"text": "hello"}),
        ("POST", "/api/sessions/abc/turns/retry", None),
        ("POST", "/api/sessions/abc/end", {"reason": "finished"}),
    ]:
        r = await client.request(method, path, json=body)
        assert r.status_code == 404, path
        assert r.json()["error"] == {"code": "session_not_found", "message": "no practice session with id 'abc'"}


async def test_turn_on_ended_session_is_409(client, start):
    sid = (await start())["id"]
    await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "hello?"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "session_ended"


async def test_terminal_act_ends_the_session(client, start, engine):
    sid = (await start())["id"]
    engine.terminal_next = True
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "I can book you in today at four."})
    body = r.json()
    assert body["session"]["status"] == "ended"
    assert body["session"]["outcome"] == "de_escalated"
    assert body["summary"]["outcome"] == "de_escalated"
    assert body["turn"]["patient_lines"][-1]["terminal"] is True
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert transcript["end_reason"] == "conversation"
    # ending it again returns the stored summary without asking the engine
    calls = len(engine.calls)
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 200
    assert r.json()["summary"]["outcome"] == "de_escalated"
    assert len(engine.calls) == calls


async def test_end_is_idempotent(client, start, engine):
    sid = (await start())["id"]
    first = await client.post(f"/api/sessions/{sid}/end", json={"reason": "safety"})
    assert first.status_code == 200
    assert first.json()["session"]["outcome"] == "ended_for_safety"
    assert first.json()["patient_lines"][0]["act"] == "handover"
    second = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert second.json() == first.json()
    assert sum(1 for _, m in engine.calls if m.startswith("/end_session")) == 1


async def test_end_without_body_means_finished(client, start, engine):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/end")
    assert r.status_code == 200
    assert engine.calls[-1][1] == '/end_session{"reason": "finished"}'


async def test_end_with_engine_down_is_503_and_session_stays_active(client, start, engine):
    sid = (await start())["id"]
    engine.fail_with(EngineUnavailable("the Rasa engine is not reachable"))
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 503
    assert "stays open" in r.json()["error"]["message"]
    assert (await client.get(f"/api/sessions/{sid}")).json()["status"] == "active"
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 200


async def test_end_without_summary_is_an_outage(client, start, engine):
    sid = (await start())["id"]
    engine.replies.append([])  # Rasa answered, but the action server did not speak
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    assert r.status_code == 503 and r.headers["retry-after"]
    assert (await client.get(f"/api/sessions/{sid}")).json()["status"] == "active"


async def test_bad_end_reason_is_422(client, start):
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "bored"})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("reason:")


async def test_list_sessions_newest_first_with_pagination(client, start):
    ids = [(await start())["id"] for _ in range(3)]
    await client.post(f"/api/sessions/{ids[0]}/turns", json={"text": "hello"})
    r = await client.get("/api/sessions", params={"limit": 2})
    page = r.json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [s["id"] for s in page["items"]] == [ids[2], ids[1]]
    r = await client.get("/api/sessions", params={"limit": 2, "offset": 2})
    assert [(s["id"], s["turn_count"]) for s in r.json()["items"]] == [(ids[0], 1)]
    r = await client.get("/api/sessions", params={"limit": 0})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("limit:")


async def test_scenarios_list_and_brief(client):
    r = await client.get("/api/scenarios")
    assert [s["id"] for s in r.json()["items"]] == ["ward_visit", "front_desk"]
    r = await client.get("/api/scenarios/front_desk")
    assert r.json()["staff_role"] == "receptionist"
    r = await client.get("/api/scenarios/nope")
    assert r.status_code == 404
    assert "'nope'" in r.json()["error"]["message"]


async def test_engine_errors_map_to_statuses(client, start, engine):
    sid = (await start())["id"]
    for error, status, code in [
        (EngineUnavailable("down"), 503, "engine_unavailable"),
        (EngineTimeout("slow"), 504, "engine_timeout"),
        (EngineError("broken"), 502, "engine_error"),
    ]:
        engine.fail_with(error)
        r = await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
        assert r.status_code == status
        assert r.json()["error"]["code"] == code


async def test_error_reported_by_an_action_is_502_with_its_words(client, start, engine, app):
    engine.replies.append(
        [{"type": "error", "code": "unknown_scenario", "message": "There is no scenario with id 'front_desk'."}]
    )
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk"})
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "engine_unknown_scenario"
    assert "There is no scenario with id 'front_desk'." in r.json()["error"]["message"]

    sid = (await start())["id"]
    engine.replies.append(
        [
            {
                "type": "error",
                "code": "no_scenario",
                "message": "This practice session has no scenario on the engine. Start a new session.",
            }
        ]
    )
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    assert r.status_code == 502
    error = r.json()["error"]
    assert error["code"] == "engine_no_scenario"
    assert "Start a new session." in error["message"] and "set aside" in error["message"]
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert [(t["learner_text"], t["status"]) for t in transcript["turns"]] == [("Hello", "failed")]


async def test_a_chosen_seed_is_stored_and_sent_to_the_engine(client, engine):
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk", "seed": 4242})
    assert r.status_code == 201, r.text
    assert r.json()["seed"] == 4242
    _, message = engine.calls[0]
    assert json.loads(message.removeprefix("/start_scenario"))["seed"] == "4242"
    bad = await client.post("/api/sessions", json={"scenario_id": "front_desk", "seed": -1})
    assert bad.status_code == 422 and "seed" in bad.json()["error"]["message"]
