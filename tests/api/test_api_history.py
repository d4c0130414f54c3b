"""A learner's history: filtered session lists (see test_api_access), transcripts with score
cards, and progress over time per cue family, reflection-to-question ratio and outcomes."""

from __future__ import annotations

from api.engine.fake import patient_line, summary


def card(turn: int, score: float, *cues: tuple[str, str]) -> dict:
    return {
        "type": "score_card",
        "turn": turn,
        "move": "reflect",
        "score": score,
        "feedback": [],
        "flags": [],
        "cues": [
            {"cue": c, "family": f, "label": c, "start": 0, "end": 1, "confidence": 0.9, "quote": "x"} for c, f in cues
        ],
    }


async def run_session(
    client, engine, cards: list[dict], *, outcome: str, ratio: float | None, scenario: str = "front_desk"
) -> str:
    sid = (await client.post("/api/sessions", json={"scenario_id": scenario})).json()["id"]
    for c in cards:
        engine.replies.append([c, patient_line("Go on.")])
        r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Something kind"})
        assert r.status_code == 200, r.text
    end = summary(outcome, len(cards))
    end["reflection_to_question"] = ratio
    engine.replies.append([end])
    assert (await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})).status_code == 200
    return sid


async def test_progress_over_time_per_cue_family(client, engine):
    first = await run_session(
        client,
        engine,
        [
            card(1, -1.0, ("command", "anti_pattern")),
            card(2, 1.0, ("open_question", "active_listening")),
        ],
        outcome="escalated",
        ratio=0.0,
    )
    second = await run_session(
        client,
        engine,
        [
            card(1, 2.0, ("reflection", "active_listening"), ("name_emotion", "active_listening")),
            card(2, 3.0, ("offer_choice", "de_escalation")),
            card(3, 1.0),
        ],
        outcome="de_escalated",
        ratio=1.5,
        scenario="ward_visit",
    )
    (await client.post("/api/sessions", json={"scenario_id": "front_desk"}))  # still active: not counted

    r = await client.get("/api/me/progress")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["session_id"] for p in body["points"]] == [first, second]  # oldest first
    p1, p2 = body["points"]
    assert p1["family_counts"] == {"active_listening": 1, "de_escalation": 0, "anti_pattern": 1}
    assert p1["family_per_turn"] == {"active_listening": 0.5, "de_escalation": 0, "anti_pattern": 0.5}
    assert (p1["score"], p1["outcome"], p1["reflection_to_question"], p1["turns"]) == (0.0, "escalated", 0.0, 2)
    assert p2["family_counts"] == {"active_listening": 2, "de_escalation": 1, "anti_pattern": 0}
    assert (p2["score"], p2["reflection_to_question"]) == (2.0, 1.5)
    totals = body["totals"]
    assert totals["sessions"] == 2 and totals["turns"] == 5
    assert totals["outcomes"] == {"escalated": 1, "de_escalated": 1}
    assert totals["family_counts"] == {"active_listening": 3, "de_escalation": 1, "anti_pattern": 1}
    assert totals["family_per_turn"]["active_listening"] == 0.6
    assert totals["mean_score"] == 1.0 and totals["mean_reflection_to_question"] == 0.75

    only = (await client.get("/api/me/progress", params={"scenario_id": "ward_visit"})).json()
    assert [p["session_id"] for p in only["points"]] == [second]
    later = (await client.get("/api/me/progress", params={"since": "2999-01-01T00:00:00Z"})).json()
    assert later["points"] == [] and later["totals"]["mean_score"] is None


async def test_progress_is_your_own(client, engine, client_for, make_user):
    await run_session(client, engine, [card(1, 1.0)], outcome="abandoned", ratio=None)
    other = client_for(make_user("omar"))
    body = (await other.get("/api/me/progress")).json()
    assert body["points"] == [] and body["totals"]["sessions"] == 0


async def test_odd_score_cards_do_not_break_progress(client, engine):
    sid = (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    engine.replies.append([{"type": "score_card", "cues": "not a list", "score": "high"}, patient_line("Hm.")])
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    engine.replies.append([{"type": "summary", "outcome": "abandoned", "reflection_to_question": True}])
    await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    point = (await client.get("/api/me/progress")).json()["points"][0]
    assert point["score"] is None and point["reflection_to_question"] is None
    assert point["family_counts"] == {"active_listening": 0, "de_escalation": 0, "anti_pattern": 0}


async def test_transcript_carries_score_cards_in_order(client, engine):
    sid = await run_session(
        client,
        engine,
        [card(1, 1.0, ("open_question", "active_listening")), card(2, 2.0)],
        outcome="abandoned",
        ratio=None,
    )
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert [t["score_card"]["score"] for t in transcript["turns"]] == [1.0, 2.0]
    assert transcript["turns"][0]["score_card"]["cues"][0]["family"] == "active_listening"


async def test_progress_needs_sign_in(anon):
    r = await anon.get("/api/me/progress")
    assert r.status_code == 401
