"""GET /api/sessions/{id}/xapi: a finished session as xAPI 1.0.3 statements, every one valid
against the statement schema, read by whoever may read the transcript, and carrying no
learner name or words unless configured."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from api.engine.fake import FakeEngine
from api.main import create_app
from tests.api.conftest import bearer
from tests.api.fakes import SCENARIOS
from tests.test_xapi_schema import assert_valid

WORDS = ["I can hear how worrying this wait has been", "What would help most right now"]


async def _finished(client: httpx.AsyncClient, engine: FakeEngine, *, reason: str = "finished") -> str:
    sid = (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    await client.post(f"/api/sessions/{sid}/turns", json={"text": WORDS[0]})
    if reason == "calmed":
        engine.terminal_next = True
        await client.post(f"/api/sessions/{sid}/turns", json={"text": WORDS[1]})
    else:
        await client.post(f"/api/sessions/{sid}/turns", json={"text": WORDS[1]})
        await client.post(f"/api/sessions/{sid}/end", json={"reason": reason})
    return sid


async def _statements(client: httpx.AsyncClient, sid: str) -> list[dict[str, Any]]:
    r = await client.get(f"/api/sessions/{sid}/xapi")
    assert r.status_code == 200, r.text
    found = r.json()
    for statement in found:
        assert_valid(statement)
    return found


async def test_a_calmed_session_is_attempted_then_completed_with_success(world, engine, learner):
    sid = await _finished(world.lena, engine, reason="calmed")
    attempted, completed = await _statements(world.lena, sid)
    assert attempted["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/attempted",
        "display": {"en-GB": "attempted", "en-US": "attempted"},
    }
    assert completed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert "result" not in attempted
    result = completed["result"]
    assert result["success"] is True and result["completion"] is True
    assert result["score"] == {"raw": 2.0}  # the mean turn score, as the report shows it
    assert result["duration"].startswith("PT")
    assert completed["object"]["id"] == "https://compassion-practice.invalid/xapi/scenarios/front_desk"
    assert completed["object"]["definition"]["name"] == {"en-GB": "Cancelled appointment at the front desk"}
    context = completed["context"]
    assert context["language"] == "en-GB" and context["platform"] == "compassion-practice"
    assert uuid.UUID(context["registration"]) and attempted["context"]["registration"] == context["registration"]
    grouping = {a["id"]: a["definition"]["name"]["en-GB"] for a in context["contextActivities"]["grouping"]}
    assert grouping[f"https://compassion-practice.invalid/xapi/cohorts/{world.course['id']}"] == world.course["name"]
    account = completed["actor"]["account"]
    assert account["homePage"] == "https://compassion-practice.invalid"
    assert account["name"] not in {learner.username, str(learner.id)} and len(account["name"]) == 32
    assert attempted["timestamp"] <= completed["timestamp"]


async def test_outcomes_set_success_and_completion(world, engine):
    safety = await _statements(world.lena, await _finished(world.lena, engine, reason="safety"))
    assert [s["verb"]["display"]["en-GB"] for s in safety] == ["attempted", "completed"]
    assert safety[1]["result"]["success"] is True  # stepping away to stay safe is credited
    # Finished before any outcome: attempted only, not completed, no success either way.
    (abandoned,) = await _statements(world.lena, await _finished(world.lena, engine))
    assert abandoned["verb"]["display"]["en-GB"] == "attempted"
    assert abandoned["result"]["completion"] is False and "success" not in abandoned["result"]


async def test_export_is_idempotent_and_ids_differ_per_session(world, engine):
    one = await _finished(world.lena, engine, reason="calmed")
    two = await _finished(world.lena, engine, reason="calmed")
    first, again, other = (
        await _statements(world.lena, one),
        await _statements(world.lena, one),
        await _statements(world.lena, two),
    )
    assert first == again
    ids = [s["id"] for s in first + other]
    assert len(set(ids)) == 4 and all(uuid.UUID(i) for i in ids)
    assert first[0]["actor"] == other[0]["actor"]  # one learner, one stable account name


async def test_no_learner_name_or_words_by_default(world, engine, learner):
    sid = await _finished(world.lena, engine, reason="calmed")
    text = json.dumps(await _statements(world.fay, sid))  # as the facilitator reads it
    assert learner.username not in text
    for words in WORDS:
        assert words not in text
    assert "response" not in text and '"name": "lena"' not in text


async def test_same_access_as_transcripts(world, engine):
    sid = await _finished(world.lena, engine, reason="calmed")
    for reader in (world.lena, world.fay, world.rae):
        assert (await reader.get(f"/api/sessions/{sid}/xapi")).status_code == 200
    for outsider in (world.omar, world.fred, world.rita, world.olga, world.ada):
        theirs = await outsider.get(f"/api/sessions/{sid}/xapi")
        missing = await outsider.get(f"/api/sessions/{'0' * 32}/xapi")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["error"]["code"] == "session_not_found"


async def test_an_unfinished_session_is_409(world):
    sid = (await world.lena.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    r = await world.lena.get(f"/api/sessions/{sid}/xapi")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "session_not_ended"
    assert "has not finished yet" in r.json()["error"]["message"]


async def test_configured_to_name_the_learner_and_quote_their_words(settings):
    configured = settings.model_copy(
        update={
            "xapi_actor_id": "username",
            "xapi_include_name": True,
            "xapi_include_words": True,
            "xapi_account_homepage": "https://lms.example.nhs.uk",
            "xapi_activity_base": "https://lms.example.nhs.uk/xapi/practice",
        }
    )
    engine = FakeEngine()
    app = create_app(configured, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    async with app.router.lifespan_context(app):
        from api.auth.bootstrap import create_user

        with app.state.sessionmaker() as db:
            sam = create_user(db, username="sam", password="correct horse battery", display_name="Sam Example")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=bearer(app, sam)
        ) as client:
            sid = await _finished(client, engine, reason="calmed")
            statements = await _statements(client, sid)
    completed = statements[-1]
    assert completed["actor"] == {
        "objectType": "Agent",
        "name": "Sam Example",
        "account": {"homePage": "https://lms.example.nhs.uk", "name": "sam"},
    }
    assert completed["result"]["response"] == "\n".join(WORDS)
    assert completed["object"]["id"] == "https://lms.example.nhs.uk/xapi/practice/scenarios/front_desk"


async def test_practice_xapi_export_prints_the_same_statements(world, engine, settings, capsys):
    from practice.cli import build_parser

    sid = await _finished(world.lena, engine, reason="calmed")
    exported = await _statements(world.lena, sid)
    args = build_parser().parse_args(["xapi", "export", sid])
    assert args.handler(args, settings=settings) == 0
    printed = json.loads(capsys.readouterr().out)
    for statement in printed:
        assert_valid(statement)
    # The CLI reads the built-in library (these tests' scenarios are stand-ins), so compare the rest.
    assert [(s["id"], s["actor"], s.get("result"), s["context"]) for s in printed] == [
        (s["id"], s["actor"], s.get("result"), s["context"]) for s in exported
    ]
    unfinished = (await world.lena.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    for session_id, message in ((unfinished, "has not finished yet"), ("0" * 32, "no practice session")):
        args = build_parser().parse_args(["xapi", "export", session_id])
        assert args.handler(args, settings=settings) == 1
        assert message in capsys.readouterr().err
