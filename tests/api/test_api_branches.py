"""What-if from any turn: POST /api/sessions/{id}/branches replays a finished session up to a
reply and lets the learner say it differently (api/services/branches.py)."""

from __future__ import annotations

from typing import Any

from api.engine.fake import patient_line, score_card
from api.exceptions import EngineUnavailable
from api.models import PracticeSession

REPLIES = ["What happened this morning?", "That sounds really frustrating.", "Shall I find you a slot today?"]


async def finished(client, start, replies: list[str] = REPLIES) -> dict[str, Any]:
    session = await start()
    for text in replies:
        r = await client.post(f"/api/sessions/{session['id']}/turns", json={"text": text})
        assert r.status_code == 200, r.text
    r = await client.post(f"/api/sessions/{session['id']}/end", json={"reason": "finished"})
    assert r.status_code == 200, r.text
    return (await client.get(f"/api/sessions/{session['id']}")).json()


async def test_branch_replays_the_turns_before_and_waits_for_the_new_reply(client, start, engine):
    original = await finished(client, start)
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 3})
    assert r.status_code == 201, r.text
    branch = r.json()
    assert branch["id"] != original["id"]
    assert branch["status"] == "active"
    assert (branch["branch_of"], branch["branch_turn"]) == (original["id"], 3)
    assert branch["seed"] == original["seed"]
    assert branch["scenario_id"] == original["scenario_id"]
    assert branch["opening"] == original["opening"]
    # The engine heard the same start (same seed) and the same two replies.
    assert engine.calls[-3][1] == engine.calls[0][1].replace(original["id"], branch["id"])
    assert engine.learner_messages()[-2:] == REPLIES[:2]

    transcript = (await client.get(f"/api/sessions/{branch['id']}")).json()
    assert [t["learner_text"] for t in transcript["turns"]] == REPLIES[:2]
    for then, now in zip(original["turns"][:2], transcript["turns"], strict=True):
        assert (now["patient_lines"], now["score_card"]) == (then["patient_lines"], then["score_card"])

    r = await client.post(f"/api/sessions/{branch['id']}/turns", json={"text": "Tell me more about the wait."})
    assert r.status_code == 200, r.text
    assert r.json()["turn"]["index"] == 3

    # Linked both ways: the original lists its branches (for its learner).
    again = (await client.get(f"/api/sessions/{original['id']}")).json()
    assert [(b["id"], b["branch_turn"]) for b in again["branches"]] == [(branch["id"], 3)]
    assert transcript["branch_of"] == original["id"] and transcript["branch_turn"] == 3


async def test_branch_at_the_first_reply_replays_only_the_opening(client, start, engine):
    original = await finished(client, start)
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 1})
    assert r.status_code == 201, r.text
    transcript = (await client.get(f"/api/sessions/{r.json()['id']}")).json()
    assert transcript["turns"] == [] and transcript["opening"] == original["opening"]


async def test_bad_turns_unfinished_sessions_and_unknown_ids(client, start):
    original = await finished(client, start)
    for turn in (0, -1, "three"):
        r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": turn})
        assert r.status_code == 422, r.text
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 4})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_turn"
    assert "choose 1 to 3" in r.json()["error"]["message"]
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 2, "seed": 1})
    assert r.status_code == 422  # unknown fields are refused

    active = await start()
    await client.post(f"/api/sessions/{active['id']}/turns", json={"text": "Hello."})
    r = await client.post(f"/api/sessions/{active['id']}/branches", json={"turn": 1})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "session_not_ended"

    r = await client.post("/api/sessions/" + "0" * 32 + "/branches", json={"turn": 1})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "session_not_found"


async def test_only_the_learner_may_branch_their_session(world, start):
    original = await finished(world.lena, start)
    for name in ("omar", "fay", "rae", "ada", "olga"):
        r = await world.clients[name].post(f"/api/sessions/{original['id']}/branches", json={"turn": 1})
        assert r.status_code == 404, name
        assert r.json()["error"]["code"] == "session_not_found"
    # Staff who read the transcript do not see the learner's branches listed.
    r = await world.lena.post(f"/api/sessions/{original['id']}/branches", json={"turn": 2})
    assert r.status_code == 201
    staff_view = (await world.fay.get(f"/api/sessions/{original['id']}")).json()
    assert staff_view["branches"] == []


async def test_anonymous_gets_401(anon):
    r = await anon.post("/api/sessions/" + "0" * 32 + "/branches", json={"turn": 1})
    assert r.status_code == 401


async def test_a_replay_that_diverges_is_stopped_and_says_so(client, start, engine, app):
    original = await finished(client, start)
    engine.replies.extend(
        [
            [patient_line("I've been waiting two hours!")],
            [score_card(1, REPLIES[0]), patient_line("Something else entirely.", escalation="upset")],
        ]
    )
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 3})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "branch_diverged"
    assert "patient's answer to reply 1" in error["message"]
    with app.state.sessionmaker() as db:
        stopped = db.query(PracticeSession).filter_by(branch_of=original["id"]).one()
        assert stopped.status == "failed"
        assert stopped.id in engine.forgotten


async def test_an_engine_failure_halfway_stops_the_branch(client, start, engine, app):
    original = await finished(client, start)
    engine.turn_failures.append(EngineUnavailable("the engine is down"))
    r = await client.post(f"/api/sessions/{original['id']}/branches", json={"turn": 3})
    assert r.status_code == 503
    with app.state.sessionmaker() as db:
        assert db.query(PracticeSession).filter_by(branch_of=original["id"]).one().status == "failed"


async def test_a_reply_never_answered_cannot_be_replayed(client, start, engine):
    session = await start()
    sid = session["id"]
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello."})
    engine.turn_failures.append(EngineUnavailable("down"))
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Are you there?"})
    assert r.status_code == 503
    await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    r = await client.post(f"/api/sessions/{sid}/branches", json={"turn": 3})
    assert r.status_code == 422  # only two replies
    r = await client.post(f"/api/sessions/{sid}/branches", json={"turn": 2})
    assert r.status_code == 201, r.text
