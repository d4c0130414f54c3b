"""Confidence before and after the course, and satisfaction with each session, through the JSON
API: a learner answers and reads only their own; a cohort's facilitators and reviewers see its
aggregates only (hidden below three learners); other cohorts' staff see nothing; the answers are
in the learner's export and go with their account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.confidence import load_scale
from api.models import ConfidenceResponse, SessionRating
from tests.api.test_api_reviews import practise

ITEMS = [i.id for i in load_scale().items]


@pytest.fixture
def world(world, make_user, client_for, running):
    """tests/api/conftest.py's two cohorts, able to take on more learners (``join``)."""
    world.make_user, world.client_for, world.running = make_user, client_for, running
    return world


def every(point: int) -> dict[str, dict[str, int]]:
    return {"answers": {item: point for item in ITEMS}}


async def join(world, name: str, cohort: str = "course"):
    """A new learner in the cohort, with a client."""
    user = world.make_user(name, "learner")
    r = await world.ada.put(f"/api/cohorts/{getattr(world, cohort)['id']}/members/{user.id}", json={"role": "learner"})
    assert r.status_code == 200
    world.users[name] = user
    world.clients[name] = world.client_for(user)
    return world.clients[name]


async def test_a_learner_answers_before_and_after_the_course(world, engine):
    course = world.course["id"]
    mine = (await world.lena.get("/api/me/confidence")).json()
    assert [i["id"] for i in mine["scale"]["items"]] == ITEMS
    assert mine["scale"]["anchors"]["1"] == "Not at all confident" and mine["responses"] == []
    [state] = mine["cohorts"]
    assert state["cohort_id"] == course and state["pre_offered"] and state["pre_accepted"] and not state["post_open"]
    r = await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(2))
    assert r.status_code == 200 and r.json()["mean"] == 2.0 and r.json()["phase"] == "pre"
    again = await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(3))  # answering again replaces
    assert again.json()["answers"] == every(3)["answers"]
    not_yet = await world.lena.put(f"/api/me/confidence/{course}/post", json=every(4))
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "questionnaire_not_open"

    opened = await world.fay.put(f"/api/cohorts/{course}/post-questionnaire", json={"open": True})
    assert opened.status_code == 200 and opened.json()["post_open"] and opened.json()["post_opened_at"]
    closed = await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(1))
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "questionnaire_closed"
    assert (await world.lena.put(f"/api/me/confidence/{course}/post", json=every(4))).status_code == 200
    mine = (await world.lena.get("/api/me/confidence")).json()
    assert [(r["phase"], r["mean"]) for r in mine["responses"]] == [("pre", 3.0), ("post", 4.0)]
    [state] = mine["cohorts"]
    assert state["pre_answered"] and state["post_answered"] and not state["pre_offered"] and not state["pre_accepted"]


async def test_practising_first_is_skipping_the_before_questionnaire(world, engine):
    """It is offered until the learner answers it or practises; it never blocks practice."""
    await practise(world, engine, "omar")
    [state] = (await world.omar.get("/api/me/confidence")).json()["cohorts"]
    assert not state["pre_offered"] and state["pre_accepted"] and not state["pre_answered"]
    r = await world.omar.put(f"/api/me/confidence/{world.course['id']}/pre", json=every(3))
    assert r.status_code == 200  # still taken until the after-course questionnaire opens


async def test_bad_answers_are_refused_with_every_problem(world):
    course = world.course["id"]
    body = every(3)
    body["answers"].pop(ITEMS[0])
    body["answers"][ITEMS[1]] = 9
    body["answers"]["made_up"] = 2
    r = await world.lena.put(f"/api/me/confidence/{course}/pre", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_answers"
    problems = r.json()["error"]["problems"]
    assert [p.split(":")[0] for p in problems] == ["made_up", ITEMS[0], ITEMS[1]]
    assert "whole number from 1 to 5" in problems[2]
    extra = await world.lena.put(f"/api/me/confidence/{course}/pre", json={**every(3), "user_id": 1})
    assert extra.status_code == 422
    assert (await world.lena.put(f"/api/me/confidence/{course}/during", json=every(3))).status_code == 422
    with world.running.state.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(ConfidenceResponse)) == 0


async def test_only_a_cohorts_learners_answer_its_questionnaire(world):
    course, other = world.course["id"], world.other["id"]
    for name, cohort in (("lena", other), ("fay", course), ("rae", course), ("ada", course), ("lena", 999999)):
        r = await world.clients[name].put(f"/api/me/confidence/{cohort}/pre", json=every(3))
        assert r.status_code == 404 and r.json()["error"]["code"] == "cohort_not_found", (name, cohort)
    for name in ("rae", "fred", "lena"):
        r = await world.clients[name].put(f"/api/cohorts/{course}/post-questionnaire", json={"open": True})
        assert r.status_code in (403, 404), name  # the cohort's facilitators only
    assert (await world.fay.get("/api/me/confidence")).json()["cohorts"] == []


async def test_the_cohorts_change_in_confidence_by_hand(world, engine):
    """lena 2 -> 3, omar 3 -> 4, pia 2 -> 4 (every item alike), quinn 4 before only:
    before, all four: (2 + 3 + 2 + 4) / 4 = 2.75; after, three: (3 + 4 + 4) / 3 = 3.67;
    paired (lena, omar, pia): 7/3 = 2.33 -> 11/3 = 3.67, difference 4/3 = 1.33, (4/3) / (7/3) = 57.1%."""
    course = world.course["id"]
    await join(world, "pia")
    await join(world, "quinn")
    for name, before in (("lena", 2), ("omar", 3), ("pia", 2), ("quinn", 4)):
        assert (
            await world.clients[name].put(f"/api/me/confidence/{course}/pre", json=every(before))
        ).status_code == 200
    olga = await world.olga.put(f"/api/me/confidence/{world.other['id']}/pre", json=every(5))  # another cohort
    assert olga.status_code == 200
    await world.fay.put(f"/api/cohorts/{course}/post-questionnaire", json={"open": True})
    for name, after in (("lena", 3), ("omar", 4), ("pia", 4)):
        assert (
            await world.clients[name].put(f"/api/me/confidence/{course}/post", json=every(after))
        ).status_code == 200
    # Satisfaction: lena rates two sessions 5 and 4, omar one 2: mean 11/3 = 3.67, 2 of 3 rated 4-5.
    for name, rating in (("lena", 5), ("lena", 4), ("omar", 2)):
        sid = await practise(world, engine, name)
        r = await world.clients[name].put(f"/api/sessions/{sid}/satisfaction", json={"rating": rating})
        assert r.status_code == 200, r.text

    m = (await world.fay.get(f"/api/cohorts/{course}/measures")).json()
    c = m["confidence"]
    assert (c["n_pre"], c["n_post"], c["n_paired"]) == (4, 3, 3)
    assert (c["mean_pre"], c["mean_post"]) == (2.75, 3.67)
    assert (c["paired_mean_pre"], c["paired_mean_post"], c["difference"], c["percent_change"]) == (
        2.33,
        3.67,
        1.33,
        57.1,
    )
    assert [(i["id"], i["mean_pre"], i["mean_post"]) for i in c["items"]] == [(i, 2.33, 3.67) for i in ITEMS]
    assert m["satisfaction"] == {"n": 3, "mean": 3.67, "percent_satisfied": 66.7}
    assert m["min_n"] == 3 and m["post_open"]
    assert (await world.rae.get(f"/api/cohorts/{course}/measures")).json() == m  # reviewers see the same
    assert (await world.ada.get(f"/api/cohorts/{course}/measures")).json() == m

    csv = await world.fay.get(f"/api/cohorts/{course}/measures.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert "confidence of learners who answered both: % change,3,57.1," in lines
    assert "satisfaction: % rating 4 or 5,3,66.7," in lines
    for text in (csv.text, str(m)):  # no one by name or id
        for name in ("lena", "omar", "pia", "quinn"):
            assert name not in text and f"'user_id': {world.users[name].id}" not in text


async def test_staff_of_other_cohorts_and_learners_see_no_aggregates(world):
    course = world.course["id"]
    for name in ("fred", "rita", "lena", "omar", "olga"):
        for path in (f"/api/cohorts/{course}/measures", f"/api/cohorts/{course}/measures.csv"):
            r = await world.clients[name].get(path)
            assert r.status_code == 404 and r.json()["error"]["code"] == "cohort_not_found", (name, path)


async def test_few_answers_are_hidden(world):
    course = world.course["id"]
    await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(2))
    await world.omar.put(f"/api/me/confidence/{course}/pre", json=every(4))
    c = (await world.fay.get(f"/api/cohorts/{course}/measures")).json()["confidence"]
    assert c["n_pre"] == 2 and c["mean_pre"] is None and c["items"] == []
    csv = (await world.fay.get(f"/api/cohorts/{course}/measures.csv")).text
    assert "confidence before: mean (1-5),2,,hidden: fewer than 3" in csv.splitlines()


async def test_satisfaction_is_the_learners_own(world, engine):
    sid = await practise(world, engine)
    r = await world.lena.get(f"/api/sessions/{sid}/satisfaction")
    assert r.status_code == 404 and r.json()["error"]["code"] == "rating_not_found"
    body = {"rating": 4, "comment": "  Useful,   the patient felt real.  "}
    r = await world.lena.put(f"/api/sessions/{sid}/satisfaction", json=body)
    assert r.status_code == 200 and r.json()["comment"] == "Useful, the patient felt real."
    assert (await world.lena.get(f"/api/sessions/{sid}/satisfaction")).json()["rating"] == 4
    for name in ("fay", "rae", "omar", "fred", "ada"):  # staff read the transcript, never the rating
        c = world.clients[name]
        assert (await c.get(f"/api/sessions/{sid}/satisfaction")).status_code == 404, name
        assert (await c.put(f"/api/sessions/{sid}/satisfaction", json={"rating": 1})).status_code == 404, name
    transcript = (await world.fay.get(f"/api/sessions/{sid}")).text
    assert "patient felt real" not in transcript
    for bad, code in (({"rating": 6}, 422), ({"rating": 0}, 422), ({"rating": 3, "comment": "x" * 281}, 422)):
        r = await world.lena.put(f"/api/sessions/{sid}/satisfaction", json=bad)
        assert r.status_code == code, bad
    assert "280 characters" in r.json()["error"]["message"]
    going = (await world.lena.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    r = await world.lena.put(f"/api/sessions/{going}/satisfaction", json={"rating": 5})
    assert r.status_code == 409 and r.json()["error"]["code"] == "session_not_ended"


async def test_export_holds_my_answers_and_deleting_me_removes_them(world, engine, running):
    course = world.course["id"]
    await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(2))
    await world.omar.put(f"/api/me/confidence/{course}/pre", json=every(3))
    sid = await practise(world, engine)
    other = await practise(world, engine, "omar")
    await world.lena.put(f"/api/sessions/{sid}/satisfaction", json={"rating": 5, "comment": "Good."})
    await world.omar.put(f"/api/sessions/{other}/satisfaction", json={"rating": 3})
    data = (await world.lena.get("/api/me/export")).json()
    [answer] = data["confidence"]
    assert answer["cohort_id"] == course and answer["phase"] == "pre" and answer["answers"] == every(2)["answers"]
    assert data["satisfaction"] == [
        {"session_id": sid, "rating": 5, "comment": "Good.", "rated_at": data["satisfaction"][0]["rated_at"]}
    ]
    assert (await world.lena.delete("/api/me")).status_code == 204
    with running.state.sessionmaker() as db:
        assert [r.user_id for r in db.scalars(select(ConfidenceResponse))] == [world.users["omar"].id]
        assert list(db.scalars(select(SessionRating.session_id))) == [other]
