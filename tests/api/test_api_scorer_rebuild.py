"""Reviewers' corrections as training data, through the API: a correction keeps the scorer build
it corrected; conflicting corrections of the same words are listed, never merged; only an admin
starts a rebuild (JSON and page), one at a time, and reads what came of it. The rebuild itself is
a stand-in here (the real one is tests/scoring/test_corrections_build.py)."""

from __future__ import annotations

from typing import Any

from api.engine.fake import patient_line
from tests.api.conftest import csrf
from tests.api.test_api_history import card


async def practise(world, engine, name: str, text: str, *cues: tuple[str, str], version: str = "abc123") -> str:
    c = world.clients[name]
    sid = (await c.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    engine.replies.append([{**card(1, 1.0, *cues), "scorer": version}, patient_line("Go on.")])
    assert (await c.post(f"/api/sessions/{sid}/turns", json={"text": text})).status_code == 200
    return sid


class Rebuilder:
    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.calls: list[list[Any]] = []

    def __call__(self, corrections):
        self.calls.append(corrections)
        return self.result


RESULT = {
    "build_id": "k-1234",
    "previous": "k",
    "installed": True,
    "reason": "installed: dev macro-F1 0.8000 -> 0.8050 (+0.0050)",
    "n_corrections": 1,
    "n_examples": 1,
    "n_conflicts": 0,
    "dev_before": 0.8,
    "dev_after": 0.805,
    "change": 0.005,
    "per_cue": [{"cue": "apologise", "support": 20, "f1_before": 0.8, "f1_after": 0.85, "change": 0.05}],
    "seconds": 1.0,
}


async def test_a_correction_keeps_its_reviewer_time_and_the_scorer_build_it_corrected(world, engine, browser_for):
    sid = await practise(world, engine, "lena", "Sorry, what was the name?", ("apologise", "de_escalation"))
    r = await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["reviewer_id"], body["scorer_version"]) == (world.users["rae"].id, "abc123")
    assert body["created_at"]
    listed = (await world.rae.get(f"/api/sessions/{sid}/corrections")).json()["items"]
    assert listed[0]["scorer_version"] == "abc123"
    page = await browser_for(world.users["rae"]).get(f"/review/sessions/{sid}")
    assert "scorer build <code>abc123</code>" in page.text


async def test_conflicting_corrections_are_listed_for_reviewers_not_merged(world, engine, browser_for):
    one = await practise(world, engine, "lena", "Sorry, which ward?", ("apologise", "de_escalation"))
    two = await practise(world, engine, "omar", "sorry, which ward", version="other")
    far = await practise(world, engine, "olga", "Sorry, which ward?", ("apologise", "de_escalation"))
    await world.rae.post(f"/api/sessions/{one}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    await world.rae.post(f"/api/sessions/{two}/turns/1/corrections", json={"cue": "apologise", "kind": "missed"})
    await world.rita.post(f"/api/sessions/{far}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    r = await world.rae.get("/api/reviews/conflicts")
    assert r.status_code == 200, r.text
    [conflict] = r.json()["items"]
    assert (conflict["cue"], conflict["wrong"], conflict["missed"]) == ("apologise", 2, 1)
    assert {(t["session_id"], t["kind"]) for t in conflict["turns"]} == {(one, "wrong"), (two, "missed")}  # not olga's
    rita = (await world.rita.get("/api/reviews/conflicts")).json()["items"]
    assert [t["session_id"] for t in rita[0]["turns"]] == [far]
    assert len((await world.ada.get("/api/reviews/conflicts")).json()["items"][0]["turns"]) == 3
    for name in ("lena", "fay"):
        assert (await world.clients[name].get("/api/reviews/conflicts")).status_code == 403
    page = await browser_for(world.users["rae"]).get("/review")
    assert "Corrections reviewers disagree on" in page.text and "wrong 2×, missed 1×" in page.text


async def test_only_an_admin_rebuilds_the_scorer(world, engine, running, browser_for):
    running.state.scorer_rebuilder = Rebuilder(RESULT)
    for name in ("lena", "fay", "rae"):
        c = world.clients[name]
        assert (await c.post("/api/admin/scorer/rebuilds")).status_code == 403, name
        assert (await c.get("/api/admin/scorer")).status_code == 403, name
        assert (await c.get("/api/admin/scorer/rebuilds/1")).status_code == 403, name
    for name in ("lena", "rae"):
        page = await browser_for(world.users[name]).get("/admin/scorer")
        assert page.status_code == 403 and "for admins" in page.text


async def test_anonymous_is_refused(anon):
    assert (await anon.post("/api/admin/scorer/rebuilds")).status_code == 401
    assert (await anon.get("/api/admin/scorer")).status_code == 401
    assert (await anon.get("/api/reviews/conflicts")).status_code == 401


async def test_nothing_to_learn_from_is_a_clear_error(world, running):
    running.state.scorer_rebuilder = Rebuilder(RESULT)
    r = await world.ada.post("/api/admin/scorer/rebuilds")
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_corrections"
    assert "no reviewers' corrections" in r.json()["error"]["message"]


async def test_an_admin_starts_a_rebuild_and_reads_its_result(world, engine, running, browser_for):
    rebuilder = Rebuilder(RESULT)
    running.state.scorer_rebuilder = rebuilder
    sid = await practise(world, engine, "lena", "Sorry, what was the name?", ("apologise", "de_escalation"))
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    r = await world.ada.post("/api/admin/scorer/rebuilds")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "running"
    [corrections] = rebuilder.calls  # the background task ran with the database's corrections
    assert [(c.text, c.cue, c.kind, c.scorer_version) for c in corrections] == [
        ("Sorry, what was the name?", "apologise", "wrong", "abc123")
    ]
    done = (await world.ada.get(f"/api/admin/scorer/rebuilds/{r.json()['id']}")).json()
    assert (done["status"], done["build_id"], done["result"]["dev_after"]) == ("installed", "k-1234", 0.805)
    state = (await world.ada.get("/api/admin/scorer")).json()
    assert state["rebuilds"][0]["id"] == r.json()["id"]
    page = await browser_for(world.users["ada"]).get("/admin/scorer")
    assert page.status_code == 200 and "Rebuild 1: installed" in page.text and "+0.050" in page.text
    assert (await world.ada.get("/api/admin/scorer/rebuilds/99")).status_code == 404


async def test_a_refused_or_failed_rebuild_says_so(world, engine, running):
    sid = await practise(world, engine, "lena", "Sorry, what was the name?", ("apologise", "de_escalation"))
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    running.state.scorer_rebuilder = Rebuilder({**RESULT, "installed": False, "reason": "refused: dev macro-F1 ..."})
    first = (await world.ada.post("/api/admin/scorer/rebuilds")).json()
    assert (await world.ada.get(f"/api/admin/scorer/rebuilds/{first['id']}")).json()["status"] == "refused"

    def broken(corrections):
        raise RuntimeError("out of disk")

    running.state.scorer_rebuilder = broken
    second = (await world.ada.post("/api/admin/scorer/rebuilds")).json()
    failed = (await world.ada.get(f"/api/admin/scorer/rebuilds/{second['id']}")).json()
    assert failed["status"] == "failed" and "out of disk" in failed["error"]


async def test_one_rebuild_at_a_time(world, engine, running, db):
    from api.models import ScorerRebuild

    sid = await practise(world, engine, "lena", "Sorry, what was the name?", ("apologise", "de_escalation"))
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    db.add(ScorerRebuild(started_by=world.users["ada"].id, status="running"))
    db.commit()
    r = await world.ada.post("/api/admin/scorer/rebuilds")
    assert r.status_code == 409 and r.json()["error"]["code"] == "rebuild_running"


async def test_the_admin_page_button_starts_a_rebuild(world, engine, running, browser_for):
    running.state.scorer_rebuilder = Rebuilder(RESULT)
    sid = await practise(world, engine, "lena", "Sorry, what was the name?", ("apologise", "de_escalation"))
    await world.rae.post(f"/api/sessions/{sid}/turns/1/corrections", json={"cue": "apologise", "kind": "wrong"})
    browser = browser_for(world.users["ada"])
    page = await browser.get("/admin/scorer")
    assert page.status_code == 200 and "Rebuild with reviewers' corrections" in page.text
    r = await browser.post("/admin/scorer/rebuilds", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/admin/scorer?started=1"
    shown = await browser.get(r.headers["location"])
    assert "Rebuild 1: installed" in shown.text
    no_token = await browser.post("/admin/scorer/rebuilds", data={})
    assert no_token.status_code == 403
