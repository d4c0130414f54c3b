"""Cohorts (admins), assignments (facilitators), learners' status, per-learner progress and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).isoformat()
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).isoformat()


async def test_admin_creates_cohorts_and_places_members(world):
    r = await world.ada.post("/api/cohorts", json={"name": "De-escalation, 3 March"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "cohort_exists"
    cohort = (await world.ada.get(f"/api/cohorts/{world.course['id']}")).json()
    assert [(m["username"], m["role"]) for m in cohort["members"]] == [
        ("fay", "facilitator"),
        ("lena", "learner"),
        ("omar", "learner"),
        ("rae", "reviewer"),
    ]
    assert [c["name"] for c in (await world.ada.get("/api/cohorts")).json()["items"]] == [
        "Compassion, 10 March",
        "De-escalation, 3 March",
    ]


async def test_cohort_roles_must_fit_the_users_role(world):
    cid, lena = world.course["id"], world.users["lena"].id
    r = await world.ada.put(f"/api/cohorts/{cid}/members/{lena}", json={"role": "reviewer"})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("user 'lena' is a learner and cannot be a reviewer")
    r = await world.ada.put(f"/api/cohorts/{cid}/members/999", json={"role": "learner"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "user_not_found"
    r = await world.ada.put(f"/api/cohorts/999/members/{lena}", json={"role": "learner"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "cohort_not_found"


async def test_only_admins_manage_cohorts(world):
    for name in ("fay", "lena", "rae"):
        c = world.clients[name]
        assert (await c.post("/api/cohorts", json={"name": "Mine"})).status_code == 403
        r = await c.put(f"/api/cohorts/{world.course['id']}/members/{world.users['olga'].id}", json={"role": "learner"})
        assert r.status_code == 403


async def test_members_see_their_cohorts_and_staff_see_members(world):
    mine = (await world.lena.get("/api/cohorts")).json()["items"]
    assert [(c["name"], c["my_role"], c["members"]) for c in mine] == [("De-escalation, 3 March", "learner", None)]
    assert (await world.lena.get(f"/api/cohorts/{world.course['id']}")).status_code == 404
    assert len((await world.fay.get(f"/api/cohorts/{world.course['id']}")).json()["members"]) == 4
    r = await world.fay.get(f"/api/cohorts/{world.other['id']}")
    missing = await world.fay.get("/api/cohorts/999")
    assert r.status_code == missing.status_code == 404
    assert r.json()["error"]["code"] == "cohort_not_found"


async def test_removing_a_member(world):
    cid, omar = world.course["id"], world.users["omar"].id
    assert (await world.ada.delete(f"/api/cohorts/{cid}/members/{omar}")).status_code == 204
    assert (await world.ada.delete(f"/api/cohorts/{cid}/members/{omar}")).status_code == 404
    assert (await world.omar.get("/api/cohorts")).json()["items"] == []


async def assign(world, **overrides):
    body = {"scenario_ids": ["front_desk"], "due_at": TOMORROW, "min_attempts": 1, "note": "Before the course"}
    body.update(overrides)
    return await world.fay.post(f"/api/cohorts/{world.course['id']}/assignments", json=body)


async def practise(world, name: str, scenario: str = "front_desk", *, finish: bool = True, turns: int = 1) -> str:
    c = world.clients[name]
    sid = (await c.post("/api/sessions", json={"scenario_id": scenario})).json()["id"]
    for i in range(turns):
        await c.post(f"/api/sessions/{sid}/turns", json={"text": f"What happened? {i}"})
    if finish:
        await c.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    return sid


async def test_facilitator_assigns_and_learners_see_status(world):
    r = await assign(world, scenario_ids=["front_desk", "ward_visit"], min_attempts=1)
    assert r.status_code == 201, r.text
    a = r.json()
    assert (
        a["cohort_id"] == world.course["id"] and a["learner_ids"] is None and a["created_by"] == world.users["fay"].id
    )

    def status(items):
        return [(x["id"], x["status"], x["attempts"]) for x in items]

    assert status((await world.lena.get("/api/me/assignments")).json()["items"]) == [(a["id"], "not_started", 0)]
    await practise(world, "lena", finish=False)
    mine = (await world.lena.get("/api/me/assignments")).json()["items"][0]
    assert (mine["status"], mine["attempts"], mine["cohort_name"]) == ("in_progress", 0, "De-escalation, 3 March")
    await practise(world, "lena")
    await practise(world, "lena", "ward_visit")
    mine = (await world.lena.get("/api/me/assignments")).json()["items"][0]
    assert (mine["status"], mine["attempts"]) == ("done", 2)
    assert mine["per_scenario"] == [
        {"scenario_id": "front_desk", "attempts": 1},
        {"scenario_id": "ward_visit", "attempts": 1},
    ]
    assert mine["best_score"] == 2.0 and mine["latest_score"] == 2.0
    assert (await world.olga.get("/api/me/assignments")).json()["items"] == []


async def test_overdue_when_not_done_by_the_due_date(world):
    await assign(world, due_at=YESTERDAY)
    assert (await world.lena.get("/api/me/assignments")).json()["items"][0]["status"] == "overdue"
    await practise(world, "lena")
    assert (await world.lena.get("/api/me/assignments")).json()["items"][0]["status"] == "done"


async def test_assigning_to_named_learners(world):
    omar = world.users["omar"].id
    r = await assign(world, learner_ids=[omar])
    assert r.status_code == 201 and r.json()["learner_ids"] == [omar]
    assert (await world.lena.get("/api/me/assignments")).json()["items"] == []
    assert len((await world.omar.get("/api/me/assignments")).json()["items"]) == 1
    r = await assign(world, learner_ids=[world.users["olga"].id])
    assert r.status_code == 422 and "is not a learner in cohort" in r.json()["error"]["message"]


async def test_assignment_validation(world):
    r = await assign(world, scenario_ids=["nope"])
    assert r.status_code == 422 and "no scenario with id 'nope'" in r.json()["error"]["message"]
    r = await assign(world, scenario_ids=[])
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("scenario_ids:")
    r = await assign(world, min_attempts=0)
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("min_attempts:")
    r = await assign(world, created_by=1)
    assert r.status_code == 422 and "created_by: unknown field" in r.json()["error"]["message"]


async def test_only_the_cohorts_facilitators_assign_and_see_progress(world):
    a = (await assign(world)).json()
    cid = world.course["id"]
    for name in ("fred", "rae", "lena", "ada"):
        c = world.clients[name]
        r = await c.post(f"/api/cohorts/{cid}/assignments", json={"scenario_ids": ["front_desk"], "due_at": TOMORROW})
        assert r.status_code == 404, name
        assert (await c.get(f"/api/cohorts/{cid}/assignments")).status_code == 404, name
        assert (await c.get(f"/api/assignments/{a['id']}")).status_code == 404, name
        assert (await c.get(f"/api/assignments/{a['id']}/progress.csv")).status_code == 404, name
        assert (await c.delete(f"/api/assignments/{a['id']}")).status_code == 404, name
    listed = (await world.fay.get(f"/api/cohorts/{cid}/assignments")).json()["items"]
    assert [x["id"] for x in listed] == [a["id"]]


async def test_facilitator_sees_per_learner_progress_and_csv(world, engine):
    a = (await assign(world, min_attempts=2)).json()
    await practise(world, "lena")
    await practise(world, "lena", turns=2)
    await practise(world, "omar", finish=False)
    await practise(world, "olga")  # another cohort: not in this assignment
    progress = (await world.fay.get(f"/api/assignments/{a['id']}")).json()
    rows = {r["username"]: r for r in progress["learners"]}
    assert set(rows) == {"lena", "omar"}
    assert (rows["lena"]["status"], rows["lena"]["attempts"], rows["lena"]["best_score"]) == ("done", 2, 2.0)
    assert (rows["omar"]["status"], rows["omar"]["attempts"], rows["omar"]["latest_score"]) == ("in_progress", 0, None)

    r = await world.fay.get(f"/api/assignments/{a['id']}/progress.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [(t["username"], t["status"], t["attempts"], t["best_score"]) for t in table] == [
        ("lena", "done", "2", "2.0"),
        ("omar", "in_progress", "0", ""),
    ]
    assert table[0]["scenario_ids"] == "front_desk" and table[0]["min_attempts"] == "2"


async def test_csv_cells_are_not_spreadsheet_formulas(world, running):
    from api.models import User

    with running.state.sessionmaker() as db:
        db.get(User, world.users["lena"].id).display_name = '=HYPERLINK("http://x")'
        db.commit()
    a = (await assign(world)).json()
    text = (await world.fay.get(f"/api/assignments/{a['id']}/progress.csv")).text
    assert "'=HYPERLINK" in text


async def test_withdrawing_an_assignment(world):
    a = (await assign(world)).json()
    assert (await world.fay.delete(f"/api/assignments/{a['id']}")).status_code == 204
    assert (await world.lena.get("/api/me/assignments")).json()["items"] == []
    assert (await world.fay.get(f"/api/assignments/{a['id']}")).status_code == 404


async def test_editing_an_assignment(world):
    a = (await assign(world)).json()
    omar = world.users["omar"].id
    body = {
        "scenario_ids": ["ward_visit"],
        "due_at": TOMORROW,
        "min_attempts": 2,
        "note": "Changed",
        "learner_ids": [omar],
    }
    r = await world.fay.put(f"/api/assignments/{a['id']}", json=body)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["scenario_ids"], edited["min_attempts"], edited["note"], edited["learner_ids"]) == (
        ["ward_visit"],
        2,
        "Changed",
        [omar],
    )
    assert edited["created_at"] == a["created_at"]
    assert (await world.lena.get("/api/me/assignments")).json()["items"] == []
    assert (await world.fred.put(f"/api/assignments/{a['id']}", json=body)).status_code == 404
    r = await world.fay.put(f"/api/assignments/{a['id']}", json={**body, "scenario_ids": ["nope"]})
    assert r.status_code == 422 and "no scenario with id 'nope'" in r.json()["error"]["message"]
