"""A learner exports all their data and deletes their account; admins set a retention period
that `practice retention apply` enforces; transcript text never reaches the logs."""

from __future__ import annotations

import argparse
import logging
from datetime import timedelta

from sqlalchemy import func, select

from api.db import utcnow
from api.models import CohortMember, Comment, CueCorrection, PracticeSession, Turn, User
from practice.commands import retention as retention_cmd
from tests.api.test_api_engine_memory import senders_left, tracker_store
from tests.api.test_api_reviews import practise


def count(running, model) -> int:
    with running.state.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(model))


async def test_export_holds_everything_about_the_learner(world, engine):
    sid = await practise(world, engine)
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "Good open question."})
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "reflection", "kind": "missed"})
    await world.fay.post(
        f"/api/cohorts/{world.course['id']}/assignments",
        json={"scenario_ids": ["front_desk"], "due_at": "2999-01-01T00:00:00Z"},
    )
    r = await world.lena.get("/api/me/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["user"]["username"] == "lena" and "password_hash" not in r.text
    assert [c["name"] for c in data["cohorts"]] == ["De-escalation, 3 March"]
    [session] = data["sessions"]
    assert [t["learner_text"] for t in session["turns"]] == ["What happened today?", "Please calm down, sorry."]
    assert session["turns"][0]["score_card"]["cues"][0]["cue"] == "open_question"
    assert session["summary"]["outcome"] == "abandoned"
    assert session["comments"][0]["body"] == "Good open question."
    assert session["corrections"][0]["cue"] == "reflection"
    assert data["assignments"][0]["status"] == "not_started"  # set after that practice: it does not count
    assert data["comments_written"] == [] and data["corrections_made"] == []
    reviewer = (await world.rae.get("/api/me/export")).json()
    assert reviewer["sessions"] == [] and reviewer["comments_written"][0]["session_id"] == sid
    assert reviewer["corrections_made"] == [
        {
            "session_id": sid,
            "turn_index": 1,
            "cue": "reflection",
            "kind": "missed",
            "created_at": reviewer["corrections_made"][0]["created_at"],
        }
    ]


async def test_deleting_my_account_deletes_every_transcript(world, engine, running):
    sid = await practise(world, engine)
    other = await practise(world, engine, "omar")
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "About lena."})
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "reflection", "kind": "missed"})
    forgotten_before = len(engine.forgotten)
    assert (await world.lena.delete("/api/me")).status_code == 204
    assert engine.forgotten[forgotten_before:] == [sid]  # the engine's copy goes too, and only hers
    assert (await world.lena.get("/api/sessions")).status_code == 401  # the token died with the account
    assert (await world.rae.get(f"/api/sessions/{sid}")).status_code == 404
    with running.state.sessionmaker() as db:
        assert db.scalar(select(User).where(User.username == "lena")) is None
        assert list(db.scalars(select(PracticeSession.id))) == [other]
        assert db.scalar(select(func.count()).select_from(Turn).where(Turn.session_id == sid)) == 0
        assert db.scalar(select(func.count()).select_from(Comment)) == 0
        assert db.scalar(select(func.count()).select_from(CueCorrection)) == 0
        assert (
            db.scalar(
                select(func.count()).select_from(CohortMember).where(CohortMember.user_id == world.users["lena"].id)
            )
            == 0
        )
    signin = await world.lena.post("/api/auth/token", data={"username": "lena", "password": "correct horse battery"})
    assert signin.status_code == 401


async def test_deleting_a_reviewer_removes_their_comments_not_the_learners_sessions(world, engine, running):
    sid = await practise(world, engine)
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "Fine."})
    assert (await world.ada.delete(f"/api/users/{world.users['rae'].id}")).status_code == 204
    assert (await world.ada.delete(f"/api/users/{world.users['rae'].id}")).status_code == 404
    transcript = (await world.lena.get(f"/api/sessions/{sid}")).json()
    assert transcript["comments"] == [] and len(transcript["turns"]) == 2
    assert (await world.lena.delete(f"/api/users/{world.users['omar'].id}")).status_code == 403


async def test_admin_sets_retention(world):
    assert (await world.ada.get("/api/settings/retention")).json() == {"days": None}
    r = await world.ada.put("/api/settings/retention", json={"days": 90})
    assert r.status_code == 200 and r.json() == {"days": 90}
    assert (await world.ada.get("/api/settings/retention")).json() == {"days": 90}
    assert (await world.ada.put("/api/settings/retention", json={"days": 0})).status_code == 422
    assert (await world.ada.put("/api/settings/retention", json={"days": None})).json() == {"days": None}
    for name in ("lena", "fay", "rae"):
        assert (await world.clients[name].put("/api/settings/retention", json={"days": 1})).status_code == 403
        assert (await world.clients[name].get("/api/settings/retention")).status_code == 403


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="practice")
    retention_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


async def test_practice_retention_apply_deletes_older_transcripts(world, engine, running, settings, capsys, tmp_path):
    old = await practise(world, engine)
    new = await practise(world, engine, "omar")
    trackers = tmp_path / "trackers.db"
    settings = settings.model_copy(update={"engine_tracker_url": tracker_store(trackers, [old, new])})
    await world.rae.post(f"/api/sessions/{old}/comments", json={"turn_index": 1, "body": "Old."})
    args = parse("retention", "apply")
    assert args.handler(args, settings=settings) == 0
    assert "No retention period is set" in capsys.readouterr().out
    with running.state.sessionmaker() as db:
        db.get(PracticeSession, old).created_at = utcnow() - timedelta(days=31)
        db.commit()
    await world.ada.put("/api/settings/retention", json={"days": 30})
    dry = parse("retention", "apply", "--dry-run")
    assert dry.handler(dry, settings=settings) == 0
    assert "1 practice session(s) would be deleted" in capsys.readouterr().out
    assert count(running, PracticeSession) == 2
    assert args.handler(args, settings=settings) == 0
    assert "deleted 1 practice session(s)" in capsys.readouterr().out
    with running.state.sessionmaker() as db:
        assert list(db.scalars(select(PracticeSession.id))) == [new]
        assert db.scalar(select(func.count()).select_from(Comment)) == 0
        assert db.scalar(select(func.count()).select_from(Turn).where(Turn.session_id == old)) == 0
    assert senders_left(trackers) == [new]  # the engine's copy of the old conversation is gone too


async def test_transcript_text_never_reaches_the_logs(world, engine, caplog):
    caplog.set_level(logging.DEBUG)
    sid = await practise(world, engine)
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "Zanzibar comment"})
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "reflection", "kind": "missed"})
    await world.rae.get("/api/reviews/corrections.jsonl")
    await world.lena.get("/api/me/export")
    await world.lena.get("/api/me/progress")
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 99, "body": "Quixotic"})
    await world.lena.delete("/api/me")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for words in ("What happened today", "calm down", "Zanzibar", "Quixotic", "They cancelled", "waiting two hours"):
        assert words not in logged


async def test_the_last_admin_is_not_deleted_or_deactivated(world, make_user, client_for):
    ada = world.users["ada"]
    r = await world.ada.delete("/api/me")
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    assert (await world.ada.patch(f"/api/users/{ada.id}", json={"is_active": False})).status_code == 409
    ben = client_for(make_user("ben", "admin"))
    assert (await ben.delete(f"/api/users/{ada.id}")).status_code == 204
    assert (await ben.delete("/api/me")).status_code == 409
