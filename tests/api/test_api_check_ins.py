"""Private check-ins (issue 21, "Looking after yourself"): the learner checks in, reads and
deletes their own; no facilitator, reviewer or admin reaches one by any route, not even their
count; signposting fits the answers; export holds them and deleting the account removes them;
their words never reach the logs."""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import func, select

from api.engine.fake import patient_line, score_card, summary
from api.models import CheckIn, PracticeSession

SECRET_FEELING = "Xylophone-feeling: my hands are still shaking"
SECRET_AFFECTED = "Quokka-affected: it sounded like my dad"


async def escalated(client, engine) -> str:
    """A session of ``client``'s that the patient ended by walking out (outcome ``escalated``)."""
    sid = (await client.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    engine.replies.append(
        [
            score_card(1, "Calm down."),
            patient_line("I'm not staying here to be spoken to like that.", act="walk_out", terminal=True),
            summary("escalated", 1),
        ]
    )
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Calm down."})
    assert r.status_code == 200 and r.json()["session"]["outcome"] == "escalated", r.text
    return sid


async def lenas_check_in(world, engine) -> tuple[str, dict[str, Any]]:
    sid = await escalated(world.lena, engine)
    body = {
        "session_id": sid,
        "feeling": "upset",
        "feeling_note": SECRET_FEELING,
        "affected": True,
        "affected_note": SECRET_AFFECTED,
    }
    r = await world.lena.post("/api/me/check-ins", json=body)
    assert r.status_code == 201, r.text
    return sid, r.json()


async def test_a_learner_checks_in_reads_their_check_ins_and_deletes_one(world, engine):
    sid, made = await lenas_check_in(world, engine)
    assert made["session_id"] == sid and made["feeling"] == "upset" and made["affected"] is True
    assert made["feeling_note"] == SECRET_FEELING and made["affected_note"] == SECRET_AFFECTED
    assert made["signposting"]["id"] == "reach_out" and made["prompt"]
    alone = await world.lena.post("/api/me/check-ins", json={"feeling": "okay", "affected": False})
    assert alone.status_code == 201 and alone.json()["session_id"] is None
    assert alone.json()["signposting"]["id"] == "okay"
    third = (await world.omar.post("/api/me/check-ins", json={"feeling": "okay"})).json()
    assert alone.json()["prompt"] != made["prompt"]  # a learner's prompts take turns ...
    assert third["prompt"] == made["prompt"]  # ... each learner's from the first
    listing = (await world.lena.get("/api/me/check-ins")).json()["items"]
    assert [c["id"] for c in listing] == [alone.json()["id"], made["id"]]  # newest first
    assert "signposting" not in listing[0]
    one = await world.lena.get(f"/api/me/check-ins/{made['id']}")
    assert one.status_code == 200 and one.json() == made
    assert (await world.lena.delete(f"/api/me/check-ins/{made['id']}")).status_code == 204
    assert (await world.lena.get(f"/api/me/check-ins/{made['id']}")).status_code == 404
    assert (await world.lena.delete(f"/api/me/check-ins/{made['id']}")).status_code == 404
    assert [c["id"] for c in (await world.lena.get("/api/me/check-ins")).json()["items"]] == [alone.json()["id"]]


async def test_signposting_fits_the_answers(world):
    async def section(**answers: Any) -> str:
        r = await world.lena.post("/api/me/check-ins", json=answers)
        assert r.status_code == 201, r.text
        return r.json()["signposting"]["id"]

    assert await section(feeling="upset") == "reach_out"
    assert await section(feeling="okay", affected=True) == "reach_out"
    assert await section(feeling="shaken", affected=False) == "shaken"
    assert await section(feeling="not_sure") == "not_sure"
    assert await section(feeling="okay", affected=False) == "okay"
    assert await section(affected=False, feeling_note="Tired.") == "anything"
    upset = (await world.lena.post("/api/me/check-ins", json={"feeling": "upset"})).json()["signposting"]
    words = " ".join([upset["heading"], upset["text"], *upset["options"]])
    for needed in ("today", "116 123", "85258", "999", "employee assistance programme"):
        assert needed in words
    okay = (await world.lena.post("/api/me/check-ins", json={"feeling": "okay"})).json()["signposting"]
    assert "later" in okay["heading"] and "999" not in " ".join(okay["options"])


async def test_bad_check_ins_are_refused_saying_why(world, engine, anon):
    omars = await escalated(world.omar, engine)
    for body, message in [
        ({"session_id": "0" * 32, "feeling": "upset"}, "you have no practice conversation with id '" + "0" * 32),
        ({"session_id": omars, "feeling": "upset"}, f"you have no practice conversation with id '{omars}'"),
        ({}, "Answer at least one question, or skip the check-in"),
        ({"feeling_note": "   "}, "Answer at least one question"),
    ]:
        r = await world.lena.post("/api/me/check-ins", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_check_in", body
        assert message in r.json()["error"]["message"], r.json()
    bad: list[dict[str, Any]] = [
        {"feeling": "ecstatic"},
        {"feeling_note": "x" * 2001},
        {"affected_note": "x" * 2001},
        {"feeling": "okay", "score": 3},
        {"session_id": "x" * 33},
    ]
    for body in bad:
        r = await world.lena.post("/api/me/check-ins", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", body
    assert (await world.lena.get("/api/me/check-ins")).json()["items"] == []
    assert (await anon.get("/api/me/check-ins")).status_code == 401
    assert (await anon.post("/api/me/check-ins", json={"feeling": "okay"})).status_code == 401


def _fill(path: str, ids: dict[str, Any]) -> str:
    names = re.findall(r"{(\w+)}", path)
    unknown = [n for n in names if n not in ids]
    assert not unknown, f"{path}: add {unknown} to the ids this test fills in, so the route is checked"
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)


async def test_no_staff_role_reaches_a_check_in_by_any_route(world, engine, running):
    """Every GET of the JSON API, with lena's ids filled in, as her facilitator, her reviewer,
    an admin and the other cohort's staff: the check-in's words, its answers and its very
    existence appear nowhere, and its own routes answer like a missing check-in."""
    sid, made = await lenas_check_in(world, engine)
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "Hard one."})
    assignment = (
        await world.fay.post(
            f"/api/cohorts/{world.course['id']}/assignments",
            json={"scenario_ids": ["front_desk"], "due_at": "2999-01-01T00:00:00Z"},
        )
    ).json()
    # A group run of her cohort that she joined, so the group practice routes are read with real ids too.
    run = await world.fay.post("/api/group-runs", json={"cohort_id": world.course["id"], "scenario_id": "front_desk"})
    assert run.status_code == 201, run.text
    assert (await world.lena.post("/api/group-runs/join", json={"code": run.json()["code"]})).status_code == 200
    ids = {
        "run_id": run.json()["id"],
        "rebuild_id": 1,  # no scorer rebuild has run: the admin's read answers 404, anyone else's 403
        "session_id": sid,
        "check_in_id": made["id"],
        "cohort_id": world.course["id"],
        "assignment_id": assignment["id"],
        "user_id": world.users["lena"].id,
        "scenario_id": "front_desk",
        "number": 1,
    }
    paths = [p for p, ops in running.openapi()["paths"].items() if "get" in ops]
    assert "/api/me/check-ins/{check_in_id}" in paths and len(paths) > 20
    for name in ("fay", "rae", "ada", "fred", "rita", "omar"):
        staff = world.clients[name]
        for path in paths:
            r = await staff.get(_fill(path, ids))
            # their own data (/api/me...) may say they have no check-ins; nothing else says the word
            words: tuple[str, ...] = (SECRET_FEELING, SECRET_AFFECTED, "reach_out", "Talk to someone today")
            if not path.startswith("/api/me"):
                words += ("check_in", "check-in", "signposting")
            for word in words:
                assert word not in r.text, (name, path, word)
        mine = await staff.get(f"/api/me/check-ins/{made['id']}")
        missing = await staff.get("/api/me/check-ins/999999")
        assert mine.status_code == missing.status_code == 404, name
        assert mine.json()["error"] == {**missing.json()["error"], "message": f"no check-in with id {made['id']}"}
        assert (await staff.get("/api/me/check-ins")).json()["items"] == []
        assert (await staff.delete(f"/api/me/check-ins/{made['id']}")).status_code == 404
        export = (await staff.get("/api/me/export")).json()
        assert export["check_ins"] == []
    # lena's is still there, untouched, and hers alone
    assert (await world.lena.get(f"/api/me/check-ins/{made['id']}")).json() == made


async def test_the_export_holds_the_check_ins_and_deleting_the_account_removes_them(world, engine, running):
    sid, made = await lenas_check_in(world, engine)
    await world.omar.post("/api/me/check-ins", json={"feeling": "okay"})
    export = (await world.lena.get("/api/me/export")).json()
    assert export["check_ins"] == [{k: v for k, v in made.items() if k not in ("signposting", "prompt")}]
    assert export["sessions"][0]["id"] == sid
    assert (await world.lena.delete("/api/me")).status_code == 204
    with running.state.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.id == made["id"])) == 0
        assert db.scalar(select(func.count()).select_from(CheckIn)) == 1  # omar's stays
    # and an admin deleting an account removes theirs too
    assert (await world.ada.delete(f"/api/users/{world.users['omar'].id}")).status_code == 204
    with running.state.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


async def test_a_check_in_outlives_its_session_removed_by_retention(world, engine, running):
    sid, made = await lenas_check_in(world, engine)
    with running.state.sessionmaker() as db:
        db.delete(db.get_one(PracticeSession, sid))
        db.commit()
    after = (await world.lena.get(f"/api/me/check-ins/{made['id']}")).json()
    assert after["session_id"] is None and after["feeling_note"] == SECRET_FEELING


async def test_check_in_words_never_reach_the_logs(world, engine, caplog):
    caplog.set_level(logging.DEBUG)
    sid, made = await lenas_check_in(world, engine)
    await world.lena.get("/api/me/check-ins")
    await world.lena.get(f"/api/me/check-ins/{made['id']}")
    await world.lena.post("/api/me/check-ins", json={"session_id": sid, "feeling_note": "y" * 2001})
    await world.lena.post("/api/me/check-ins", json={"session_id": "nope", "affected_note": SECRET_AFFECTED})
    await world.lena.get("/api/me/export")
    await world.lena.delete(f"/api/me/check-ins/{made['id']}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for words in (SECRET_FEELING, SECRET_AFFECTED, "Xylophone", "Quokka", "y" * 50):
        assert words not in logged
