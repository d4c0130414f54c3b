"""Reviewers: the transcripts of their cohorts' learners and only those, comments anchored to
turns (the learner sees them), cue corrections, and their export as labelled data."""

from __future__ import annotations

import json

from api.engine.fake import patient_line
from tests.api.test_api_history import card


async def practise(world, engine, name: str = "lena") -> str:
    c = world.clients[name]
    sid = (await c.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    engine.replies.append([card(1, 1.0, ("open_question", "active_listening")), patient_line("They cancelled on me!")])
    await c.post(f"/api/sessions/{sid}/turns", json={"text": "What happened today?"})
    engine.replies.append(
        [card(2, -1.0, ("command", "anti_pattern"), ("apology", "de_escalation")), patient_line("Don't tell me that.")]
    )
    await c.post(f"/api/sessions/{sid}/turns", json={"text": "Please calm down, sorry."})
    await c.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    return sid


async def test_reviewer_lists_only_their_cohorts_learners(world, engine):
    lena = await practise(world, engine, "lena")
    omar = await practise(world, engine, "omar")
    olga = await practise(world, engine, "olga")
    listing = (await world.rae.get("/api/reviews/sessions")).json()
    assert {s["id"] for s in listing["items"]} == {lena, omar} and listing["total"] == 2
    assert {s["owner"] for s in listing["items"]} == {"lena", "omar"}
    assert [s["id"] for s in (await world.rita.get("/api/reviews/sessions")).json()["items"]] == [olga]
    only = await world.rae.get("/api/reviews/sessions", params={"cohort_id": world.other["id"]})
    assert only.json()["items"] == []
    for name in ("fay", "lena", "ada"):  # facilitating, learning or administering is not reviewing
        assert (await world.clients[name].get("/api/reviews/sessions")).json()["items"] == []


async def test_reviewer_reads_their_cohorts_transcripts_and_no_others(world, engine):
    lena = await practise(world, engine, "lena")
    olga = await practise(world, engine, "olga")
    r = await world.rae.get(f"/api/sessions/{lena}")
    assert r.status_code == 200 and r.json()["turns"][0]["learner_text"] == "What happened today?"
    assert (await world.rae.get(f"/api/sessions/{olga}")).status_code == 404
    assert (await world.fay.get(f"/api/sessions/{lena}")).status_code == 200  # the cohort's facilitator reads too
    assert (await world.fred.get(f"/api/sessions/{lena}")).status_code == 404
    # reading is not writing: staff cannot speak in or end a learner's session
    assert (await world.rae.post(f"/api/sessions/{lena}/end", json={"reason": "finished"})).status_code == 404


async def test_comments_anchor_to_turns_and_the_learner_sees_them(world, engine):
    sid = await practise(world, engine)
    r = await world.rae.post(
        f"/api/sessions/{sid}/comments", json={"turn_index": 2, "body": "Try naming the feeling first."}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["turn_index"], r.json()["author"]) == (2, "rae")
    transcript = (await world.lena.get(f"/api/sessions/{sid}")).json()
    assert [(c["turn_index"], c["body"]) for c in transcript["comments"]] == [(2, "Try naming the feeling first.")]
    assert len((await world.lena.get(f"/api/sessions/{sid}/comments")).json()["items"]) == 1
    r = await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 9, "body": "?"})
    assert r.status_code == 404 and r.json()["error"]["message"] == f"practice session {sid!r} has no turn 9"
    r = await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": ""})
    assert r.status_code == 422


async def test_only_reviewers_of_the_cohort_comment_or_correct(world, engine):
    sid = await practise(world, engine)
    for name in ("rita", "fay", "omar", "ada"):
        c = world.clients[name]
        r = await c.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "hi"})
        assert r.status_code == 404, name
        r = await c.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "open_question", "kind": "wrong"})
        assert r.status_code == 404, name
    r = await world.lena.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "me"})
    assert r.status_code == 403
    assert (await world.rita.get(f"/api/sessions/{sid}/comments")).status_code == 404


async def test_cue_corrections_and_their_validation(world, engine):
    sid = await practise(world, engine)
    base = f"/api/sessions/{sid}/turns"
    r = await world.rae.post(f"{base}/2/corrections", json={"cue": "command", "kind": "wrong"})
    assert r.status_code == 201 and r.json()["kind"] == "wrong"
    r = await world.rae.post(f"{base}/2/corrections", json={"cue": "name_emotion", "kind": "missed"})
    assert r.status_code == 201
    r = await world.rae.post(f"{base}/1/corrections", json={"cue": "reflection", "kind": "wrong"})
    assert (
        r.status_code == 422
        and "'reflection' was not detected on turn 1 (detected: open_question)" in r.json()["error"]["message"]
    )
    r = await world.rae.post(f"{base}/1/corrections", json={"cue": "open_question", "kind": "missed"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "cue_already_detected"
    r = await world.rae.post(f"{base}/1/corrections", json={"cue": "Not A Cue!", "kind": "missed"})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("cue:")
    listed = (await world.lena.get(f"/api/sessions/{sid}")).json()["corrections"]
    assert [(c["turn_index"], c["cue"], c["kind"]) for c in listed] == [
        (2, "command", "wrong"),
        (2, "name_emotion", "missed"),
    ]
    assert (await world.rae.delete(f"{base}/2/corrections/name_emotion")).status_code == 204
    assert (await world.rae.delete(f"{base}/2/corrections/name_emotion")).status_code == 404
    assert len((await world.rae.get(f"/api/sessions/{sid}/corrections")).json()["items"]) == 1


async def test_corrections_export_in_the_scorers_format(world, engine):
    sid = await practise(world, engine)
    olga = await practise(world, engine, "olga")
    base = f"/api/sessions/{sid}/turns"
    await world.rae.post(f"{base}/1/corrections", json={"cue": "reflection", "kind": "missed"})
    await world.rae.post(f"{base}/2/corrections", json={"cue": "command", "kind": "wrong"})
    await world.rita.post(f"/api/sessions/{olga}/turns/1/corrections", json={"cue": "open_question", "kind": "wrong"})

    r = await world.rae.get("/api/reviews/corrections.jsonl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert rows == [
        {
            "text": "What happened today?",
            "context": "I've been waiting two hours!",
            "cues": ["open_question", "reflection"],
        },
        {"text": "Please calm down, sorry.", "context": "They cancelled on me!", "cues": ["apology"]},
    ]
    everything = (await world.ada.get("/api/reviews/corrections.jsonl")).text.splitlines()
    assert len(everything) == 3
    assert {"text": "What happened today?", "context": "I've been waiting two hours!", "cues": []} in [
        json.loads(x) for x in everything
    ]  # olga's turn, corrected by her cohort's reviewer
    for name in ("lena", "fay"):
        assert (await world.clients[name].get("/api/reviews/corrections.jsonl")).status_code == 403
