"""Group practice led by a facilitator: codes, membership, anonymous proposals, picking, voting
with a deadline, pause, try again, end, live events, and who may read the transcript.

The world (tests/api/conftest.py): cohort ``course`` has facilitator fay, reviewer rae and
learners lena and omar; ``other`` has facilitator fred, reviewer rita and learner olga.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from api.db import utcnow
from api.main import create_app
from api.models import GroupRun
from api.services import group_live
from api.services.group_runs import CODE_ALPHABET, CODE_LENGTH
from tests.api.fakes import SCENARIOS

SCORED: list[tuple[str, str | None]] = []


def fake_scorer(said: str, previous: Any) -> dict[str, Any]:
    """Stands in for actions.reply_card.alternative_card (the real one is tested in tests/actions)."""
    SCORED.append((said, previous.get("text") if previous else None))
    return {"type": "score_card", "alternative": True, "said": said, "cues": [], "score": -1.0, "feedback": ["ok"]}


@pytest.fixture
def app(settings, engine):
    SCORED.clear()
    return create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS, reply_scorer=fake_scorer)


async def open_run(world, *, who: str = "fay", cohort: dict | None = None) -> dict[str, Any]:
    r = await world.clients[who].post(
        "/api/group-runs", json={"cohort_id": (cohort or world.course)["id"], "scenario_id": "front_desk"}
    )
    assert r.status_code == 201, r.text
    return r.json()


async def joined(world, *names: str) -> dict[str, Any]:
    run = await open_run(world)
    for name in names:
        r = await world.clients[name].post("/api/group-runs/join", json={"code": run["code"]})
        assert r.status_code == 200, r.text
    return run


async def propose(world, run: dict, name: str, text: str) -> dict[str, Any]:
    r = await world.clients[name].post(f"/api/group-runs/{run['id']}/proposals", json={"text": text})
    assert r.status_code == 201, r.text
    return r.json()


async def state(world, run: dict, name: str) -> dict[str, Any]:
    r = await world.clients[name].get(f"/api/group-runs/{run['id']}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_facilitator_opens_a_run_with_a_short_code(world, engine):
    run = await open_run(world)
    assert len(run["code"]) == CODE_LENGTH and set(run["code"]) <= set(CODE_ALPHABET)
    assert run["viewer"] == "lead" and run["status"] == "open" and run["phase"] == "proposing"
    assert run["opening"][0]["text"] == "I've been waiting two hours!"
    # The conversation is an ordinary practice session, owned by the facilitator.
    r = await world.fay.get(f"/api/sessions/{run['session_id']}")
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert engine.calls[0][0] == run["session_id"]
    codes = {(await open_run(world))["code"] for _ in range(5)} | {run["code"]}
    assert len(codes) == 6


@pytest.mark.parametrize("who", ["lena", "rae", "fred"])
async def test_only_a_facilitator_of_the_cohort_opens_one(world, who):
    r = await world.clients[who].post(
        "/api/group-runs", json={"cohort_id": world.course["id"], "scenario_id": "front_desk"}
    )
    assert r.status_code == 404


async def test_members_of_the_cohort_join_with_the_code_and_no_one_else(world, anon):
    run = await open_run(world)
    r = await world.lena.post("/api/group-runs/join", json={"code": run["code"].lower()[:3] + " " + run["code"][3:]})
    assert r.status_code == 200 and r.json()["viewer"] == "member"
    assert r.json()["participant_names"] is None  # members see no names
    # Another cohort's learner, a wrong code: the same 404.
    for client, code in ((world.olga, run["code"]), (world.omar, "ZZZZZZ")):
        r = await client.post("/api/group-runs/join", json={"code": code})
        assert r.status_code == 404 and r.json()["error"]["code"] == "group_code_not_found"
    # Not joined yet: the run is not theirs to see.
    assert (await world.omar.get(f"/api/group-runs/{run['id']}")).status_code == 404
    assert (await world.olga.get(f"/api/group-runs/{run['id']}")).status_code == 404
    assert (await anon.get(f"/api/group-runs/{run['id']}")).status_code == 401
    lead = await state(world, run, "fay")
    assert lead["participants"] == 1 and lead["participant_names"] == ["lena"]
    assert (await state(world, run, "rae"))["viewer"] == "staff"


async def test_proposals_are_anonymous_to_the_group_and_named_to_staff(world):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened this morning?")
    await propose(world, run, "omar", "Please calm down.")
    mine = await propose(world, run, "lena", "That sounds so frustrating. What happened?")  # replaces hers
    assert [p["text"] for p in mine["proposals"]] == ["That sounds so frustrating. What happened?", "Please calm down."]
    assert [p["label"] for p in mine["proposals"]] == ["Reply A", "Reply B"]
    assert [p["mine"] for p in mine["proposals"]] == [True, False]
    assert all(p["proposer"] is None for p in mine["proposals"])
    assert "lena" not in json.dumps(mine) and "omar" not in json.dumps(mine)
    for staff in ("fay", "rae"):
        seen = await state(world, run, staff)
        assert [p["proposer"] for p in seen["proposals"]] == ["lena", "omar"]
    # Only members propose; a message is checked as a turn is.
    r = await world.fay.post(f"/api/group-runs/{run['id']}/proposals", json={"text": "Hello"})
    assert r.status_code == 403
    r = await world.lena.post(f"/api/group-runs/{run['id']}/proposals", json={"text": "   "})
    assert r.status_code == 422 and r.json()["error"]["code"] == "message_empty"


async def test_the_facilitator_picks_a_reply_and_everyone_sees_the_turn_and_the_alternatives(world, engine):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened this morning?")
    after = await propose(world, run, "omar", "Please calm down.")
    picked = after["proposals"][0]["id"]
    assert (await world.lena.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": picked})).status_code == 403
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": picked})
    assert r.status_code == 200, r.text
    lead = r.json()
    assert engine.learner_messages() == ["What happened this morning?"]
    assert lead["round"] == 2 and lead["proposals"] == []
    (turn,) = lead["turns"]
    assert turn["text"] == "What happened this morning?" and turn["proposer"] == "lena"
    assert turn["patient_lines"][0]["text"] == "Patient reply 1."
    assert turn["score_card"]["cues"][0]["cue"] == "open_question"
    (alt,) = turn["alternatives"]
    assert alt["text"] == "Please calm down." and alt["proposer"] == "omar"
    # Scored once the answer has gone (the turn is shown first), then on every view.
    (alt,) = (await state(world, run, "fay"))["turns"][0]["alternatives"]
    assert alt["score_card"]["alternative"] is True
    # Scored against the line the sent reply answered, never sent to the patient.
    assert SCORED[-1:] == [("Please calm down.", "I've been waiting two hours!")]
    assert ("Hello.", None) in SCORED  # loaded when the run opened, before any turn needed it
    member = await state(world, run, "omar")
    (turn,) = member["turns"]
    assert turn["proposer"] is None and turn["alternatives"][0]["proposer"] is None
    assert turn["alternatives"][0]["score_card"]["feedback"] == ["ok"]
    assert turn["label"] == "Reply A" and turn["patient_lines"][0]["text"] == "Patient reply 1."
    # The transcript is the facilitator's session: the cohort's staff read it, others do not.
    assert (await world.rae.get(f"/api/sessions/{run['session_id']}")).status_code == 200
    assert (await world.fred.get(f"/api/sessions/{run['session_id']}")).status_code == 404
    assert (await world.lena.get(f"/api/sessions/{run['session_id']}")).status_code == 404
    listed = (await world.rae.get("/api/reviews/sessions")).json()
    assert run["session_id"] in {item["id"] for item in listed["items"]}
    assert run["session_id"] not in {
        item["id"] for item in (await world.rita.get("/api/reviews/sessions")).json()["items"]
    }
    runs = (await world.rae.get("/api/group-runs", params={"cohort_id": world.course["id"]})).json()
    assert [(x["id"], x["turns"]) for x in runs] == [(run["id"], 1)]
    assert (await world.lena.get("/api/group-runs", params={"cohort_id": world.course["id"]})).status_code == 404


async def test_a_proposal_from_an_earlier_round_cannot_be_picked(world):
    run = await joined(world, "lena")
    first = (await propose(world, run, "lena", "What happened?"))["proposals"][0]["id"]
    await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": first})
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": first})
    assert r.status_code == 404 and r.json()["error"]["code"] == "proposal_not_found"


async def test_voting_with_a_deadline_most_votes_wins(world, running, engine):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened?")
    ids = [p["id"] for p in (await propose(world, run, "omar", "How can I help?"))["proposals"]]
    r = await world.lena.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 30})
    assert r.status_code == 403
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 5})
    assert r.status_code == 422  # at least 10 seconds
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 30})
    assert r.status_code == 200 and r.json()["phase"] == "voting" and r.json()["vote_open"]
    # Proposals are closed while voting.
    r = await world.lena.post(f"/api/group-runs/{run['id']}/proposals", json={"text": "Another"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "voting_open"
    for name in ("lena", "omar"):
        r = await world.clients[name].post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[1]})
        assert r.status_code == 200, r.text
    member = r.json()
    assert all(p["votes"] is None for p in member["proposals"])  # counts hidden until the vote is over
    assert member["my_vote"] == ids[1]
    assert [p["votes"] for p in (await state(world, run, "fay"))["proposals"]] == [0, 2]
    # The deadline passes: no more votes, and members see the counts.
    with running.state.sessionmaker() as db:
        row = db.get(GroupRun, run["id"])
        row.vote_deadline = utcnow() - timedelta(seconds=1)
        db.commit()
    r = await world.lena.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[0]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "vote_closed"
    seen = await state(world, run, "lena")
    assert [p["votes"] for p in seen["proposals"]] == [0, 2] and seen["leaders"] == [ids[1]]
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote/close")
    assert r.status_code == 200, r.text
    assert engine.learner_messages() == ["How can I help?"]
    assert r.json()["turns"][0]["votes"] == 2 and r.json()["phase"] == "proposing"


async def test_a_tied_vote_is_the_facilitators_to_break(world):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened?")
    ids = [p["id"] for p in (await propose(world, run, "omar", "How can I help?"))["proposals"]]
    await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 60})
    await world.lena.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[0]})
    await world.omar.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[1]})
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote/close")
    assert r.status_code == 409 and r.json()["error"]["code"] == "vote_tied"
    assert "Reply A, Reply B" in r.json()["error"]["message"]
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote/close", json={"proposal_id": ids[1]})
    assert r.status_code == 200 and r.json()["turns"][0]["text"] == "How can I help?"


async def test_a_vote_winner_cannot_be_overruled(world):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened?")
    ids = [p["id"] for p in (await propose(world, run, "omar", "How can I help?"))["proposals"]]
    await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 60})
    await world.lena.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[0]})
    r = await world.fay.post(f"/api/group-runs/{run['id']}/vote/close", json={"proposal_id": ids[1]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_a_leader"


async def test_pause_holds_everything_until_resumed(world):
    run = await joined(world, "lena")
    assert (await world.lena.post(f"/api/group-runs/{run['id']}/pause")).status_code == 403
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pause")
    assert r.status_code == 200 and r.json()["status"] == "paused"
    r = await world.lena.post(f"/api/group-runs/{run['id']}/proposals", json={"text": "Hello"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "group_paused"
    assert (await world.fay.post(f"/api/group-runs/{run['id']}/resume")).json()["status"] == "open"
    await propose(world, run, "lena", "Hello")


async def test_try_again_opens_a_new_round_and_says_the_turn_stays(world, engine):
    run = await joined(world, "lena")
    r = await world.fay.post(f"/api/group-runs/{run['id']}/try-again")
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_retry"
    pid = (await propose(world, run, "lena", "Calm down."))["proposals"][0]["id"]
    await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    await propose(world, run, "lena", "Half-written idea")
    r = await world.fay.post(f"/api/group-runs/{run['id']}/try-again")
    assert r.status_code == 200
    seen = r.json()
    assert seen["retry_of"] == 1 and seen["proposals"] == [] and seen["turns"][0]["tried_again"]
    pid = (await propose(world, run, "lena", "I'm sorry, that came out wrong. What happened?"))["proposals"][0]["id"]
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    assert [t["index"] for t in r.json()["turns"]] == [1, 2] and r.json()["retry_of"] is None
    assert r.json()["turns"][0]["tried_again"] and not r.json()["turns"][1]["tried_again"]
    assert engine.learner_messages() == ["Calm down.", "I'm sorry, that came out wrong. What happened?"]
    # The idea set aside when the group tried again is kept with turn 1, named to staff only.
    (kept,) = r.json()["turns"][0]["set_aside"]
    assert kept["text"] == "Half-written idea" and kept["proposer"] == "lena"
    assert (await state(world, run, "lena"))["turns"][0]["set_aside"][0]["proposer"] is None


async def test_ending_ends_the_conversation_and_the_code(world, engine):
    run = await joined(world, "lena")
    assert (await world.lena.post(f"/api/group-runs/{run['id']}/end")).status_code == 403
    r = await world.fay.post(f"/api/group-runs/{run['id']}/end")
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["code"] is None
    assert r.json()["session_status"] == "ended" and r.json()["outcome"] == "abandoned"
    assert run["session_id"] in engine.forgotten
    r = await world.omar.post("/api/group-runs/join", json={"code": run["code"]})
    assert r.status_code == 404
    r = await world.lena.post(f"/api/group-runs/{run['id']}/proposals", json={"text": "Hello"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "group_run_ended"
    assert (await world.fay.post(f"/api/group-runs/{run['id']}/end")).status_code == 200  # idempotent


async def test_the_patient_ending_the_conversation_ends_the_run(world, engine):
    run = await joined(world, "lena")
    pid = (await propose(world, run, "lena", "What can I do to help?"))["proposals"][0]["id"]
    engine.terminal_next = True
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    assert r.json()["status"] == "ended" and r.json()["outcome"] == "de_escalated"


async def test_an_unanswered_reply_is_kept_and_picking_it_again_retries_it(world, engine):
    from api.exceptions import EngineUnavailable

    run = await joined(world, "lena")
    pid = (await propose(world, run, "lena", "What happened?"))["proposals"][0]["id"]
    engine.turn_failures.append(EngineUnavailable("down"))
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    assert r.status_code == 503
    seen = await state(world, run, "lena")
    assert seen["pending_text"] == "What happened?" and seen["round"] == 1
    r = await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    assert r.status_code == 200 and [t["status"] for t in r.json()["turns"]] == ["answered"]


async def test_the_event_stream_of_an_ended_run_sends_its_final_state_and_closes(world):
    run = await joined(world, "lena")
    await world.fay.post(f"/api/group-runs/{run['id']}/end")
    r = await world.lena.get(f"/api/group-runs/{run['id']}/events")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [block for block in r.text.split("\n\n") if block.startswith("event: state")]
    (only,) = events
    data = json.loads(only.split("data: ", 1)[1])
    assert data["status"] == "ended" and data["viewer"] == "member"
    assert (await world.olga.get(f"/api/group-runs/{run['id']}/events")).status_code == 404


class _Request:
    """What group_live.stream reads of a request: the app, and whether the client has gone."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


async def test_a_live_stream_sends_a_change_at_once_and_only_what_its_viewer_may_see(world, running):
    run = await joined(world, "lena", "omar")
    request = _Request(running)
    from api.routes.group_runs import json_state

    stream = group_live.stream(
        request,  # type: ignore[arg-type]
        run_id=run["id"],
        user_id=world.users["omar"].id,
        render=json_state(SCENARIOS),
    )
    assert (await anext(stream)).startswith("retry:")
    first = json.loads((await anext(stream)).split("data: ", 1)[1])
    assert first["proposals"] == []
    loop = asyncio.get_running_loop()
    await propose(world, run, "lena", "What happened?")
    started = loop.time()
    changed = json.loads((await asyncio.wait_for(anext(stream), 2)).split("data: ", 1)[1])
    assert loop.time() - started < group_live.POLL_SECONDS  # woken, not polled
    assert [p["text"] for p in changed["proposals"]] == ["What happened?"]
    assert changed["proposals"][0]["proposer"] is None and "lena" not in json.dumps(changed)
    request.gone = True
    await stream.aclose()


async def _past_deadline(running, run_id: int) -> None:
    with running.state.sessionmaker() as db:
        row = db.get(GroupRun, run_id)
        row.vote_deadline = utcnow() - timedelta(seconds=1)
        db.commit()


async def test_when_the_time_is_up_the_reply_with_most_votes_is_sent(world, running, engine):
    from api.routes.group_runs import close_at_deadline

    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened?")
    ids = [p["id"] for p in (await propose(world, run, "omar", "How can I help?"))["proposals"]]
    opened = (await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 600})).json()
    for name in ("lena", "omar"):
        await world.clients[name].post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[1]})
    await _past_deadline(running, run["id"])
    lead_id = world.users["fay"].id
    await close_at_deadline(running, run_id=run["id"], round_=opened["round"], lead_id=lead_id, delay=0)
    assert engine.learner_messages() == ["How can I help?"]
    seen = await state(world, run, "lena")
    assert seen["turns"][0]["votes"] == 2 and seen["phase"] == "proposing"
    assert seen["turns"][0]["alternatives"][0]["score_card"]["alternative"] is True
    # Too late for that round now: a second closing finds nothing to send.
    await close_at_deadline(running, run_id=run["id"], round_=opened["round"], lead_id=lead_id, delay=0)
    assert engine.learner_messages() == ["How can I help?"]


async def test_a_tie_at_the_deadline_waits_for_the_facilitator(world, running, engine):
    from api.routes.group_runs import close_at_deadline

    run = await joined(world, "lena", "omar")
    await propose(world, run, "lena", "What happened?")
    ids = [p["id"] for p in (await propose(world, run, "omar", "How can I help?"))["proposals"]]
    opened = (await world.fay.post(f"/api/group-runs/{run['id']}/vote", json={"seconds": 600})).json()
    await world.lena.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[0]})
    await world.omar.post(f"/api/group-runs/{run['id']}/votes", json={"proposal_id": ids[1]})
    await _past_deadline(running, run["id"])
    await close_at_deadline(running, run_id=run["id"], round_=opened["round"], lead_id=world.users["fay"].id, delay=0)
    assert engine.learner_messages() == []
    seen = await state(world, run, "fay")
    assert seen["phase"] == "voting" and not seen["vote_open"] and sorted(seen["leaders"]) == sorted(ids)


async def test_a_members_proposals_are_in_their_export_and_go_with_their_account(world):
    run = await joined(world, "lena", "omar")
    await propose(world, run, "omar", "Please calm down.")
    pid = (await propose(world, run, "lena", "What happened?"))["proposals"][1]["id"]
    await world.fay.post(f"/api/group-runs/{run['id']}/pick", json={"proposal_id": pid})
    exported = (await world.lena.get("/api/me/export")).json()["group_proposals"]
    assert [(p["text"], p["chosen"], p["turn_index"]) for p in exported] == [("What happened?", True, 1)]
    assert "Please calm down." not in json.dumps(exported)
    assert (await world.lena.delete("/api/me")).status_code == 204
    seen = await state(world, run, "fay")
    assert seen["participant_names"] == ["omar"]
    (turn,) = seen["turns"]
    assert turn["text"] == "What happened?" and turn["proposer"] is None  # the reply sent stays, nameless
    assert [a["proposer"] for a in turn["alternatives"]] == ["omar"]


async def test_the_group_conversation_takes_turns_only_through_the_group(world, engine):
    run = await joined(world, "lena")
    for path, body in (("turns", {"text": "Just me"}), ("turns/retry", None), ("end", {"reason": "finished"})):
        r = await world.fay.post(f"/api/sessions/{run['session_id']}/{path}", json=body)
        assert r.status_code == 409 and r.json()["error"]["code"] == "group_session", path
    assert engine.learner_messages() == []
    assert (await state(world, run, "fay"))["session_status"] == "active"
