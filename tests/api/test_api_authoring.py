"""Scenarios written in the browser (api/services/authoring.py): who may write them, versions
and what changed, every problem listed, publishing to one's own cohorts, what learners see and
start, previews, and the engine's files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.scenarios import load_library, load_scenario
from actions.settings import DEFAULT_SCENARIO_DIR
from api.main import create_app
from tests.api.fakes import SCENARIOS

BUILTIN = "gp_reception_appointment"
RAW: dict[str, Any] = yaml.safe_load((DEFAULT_SCENARIO_DIR / f"{BUILTIN}.yml").read_text(encoding="utf-8"))


def scenario_data(**changes: Any) -> dict[str, Any]:
    """A whole, valid scenario (the shipped one's content, without its id)."""
    data = copy.deepcopy(RAW)
    data.pop("id")
    data.update(changes)
    return data


@pytest.fixture
def authored_dir(tmp_path: Path) -> Path:
    return tmp_path / "authored"


@pytest.fixture
def app(settings, engine, authored_dir):
    """The API tests' app, with a real built-in scenario beside the fakes and its own authored directory."""
    settings = settings.model_copy(update={"authored_scenario_dir": authored_dir})
    library = {**SCENARIOS, BUILTIN: load_scenario(DEFAULT_SCENARIO_DIR / f"{BUILTIN}.yml")}
    return create_app(settings, engine_client=engine, scenario_loader=lambda: library)


async def grant(world, name: str, allowed: bool = True):
    return await world.ada.patch(f"/api/users/{world.users[name].id}", json={"can_author": allowed})


@pytest.fixture
async def fay(world):
    """The course's facilitator, allowed to write scenarios, with `ward_wait` at version 1."""
    assert (await grant(world, "fay")).status_code == 200
    r = await world.fay.post("/api/authoring/scenarios", json={"id": "ward_wait", "data": scenario_data()})
    assert r.status_code == 201, r.text
    return world.fay


async def test_only_facilitators_and_admins_granted_the_flag_may_author(world) -> None:
    r = await world.fay.get("/api/authoring/scenarios")
    assert r.status_code == 403 and "ask an admin" in r.json()["error"]["message"]
    r = await world.lena.get("/api/authoring/scenarios")
    assert r.status_code == 403 and "facilitators or admins" in r.json()["error"]["message"]

    r = await grant(world, "lena")
    assert r.status_code == 422 and r.json()["error"]["code"] == "role_not_allowed"
    assert "only facilitators or admins" in r.json()["error"]["message"]
    r = await grant(world, "rae")
    assert r.status_code == 422

    r = await grant(world, "fay")
    assert r.status_code == 200 and r.json()["can_author"] is True
    assert (await world.fay.get("/api/authoring/scenarios")).json() == {"items": []}
    assert (await world.fay.patch(f"/api/users/{world.users['lena'].id}", json={"can_author": True})).status_code == 403

    r = await grant(world, "fay", False)
    assert r.status_code == 200 and r.json()["can_author"] is False
    assert (await world.fay.get("/api/authoring/scenarios")).status_code == 403


async def test_versions_say_who_when_and_what_changed(world, fay) -> None:
    data = scenario_data()
    data["persona"] = {**data["persona"], "name": "Mrs June Okafor"}
    data["lines"]["vent"]["angry"] += ["I've been stood here for ages.", "Nobody is listening to me."]
    data["facts"] = data["facts"][:-1]
    r = await fay.post("/api/authoring/scenarios/ward_wait/versions", json={"data": data})
    assert r.status_code == 201, r.text
    assert r.json()["number"] == 2
    assert r.json()["summary"] == "persona.name, lines.vent.angry (+2 lines), facts (1 removed)"

    listing = (await fay.get("/api/authoring/scenarios")).json()["items"]
    assert [s["id"] for s in listing] == ["ward_wait"]
    versions = listing[0]["versions"]
    assert [(v["number"], v["author_id"], v["summary"]) for v in versions] == [
        (1, world.users["fay"].id, "first version"),
        (2, world.users["fay"].id, "persona.name, lines.vent.angry (+2 lines), facts (1 removed)"),
    ]
    assert all(v["created_at"] for v in versions)
    got = (await fay.get("/api/authoring/scenarios/ward_wait/versions/2")).json()
    assert got["data"]["persona"]["name"] == "Mrs June Okafor" and got["data"]["id"] == "ward_wait"

    # Another author's scenarios are not there for fred, even with the permission.
    assert (await grant(world, "fred")).status_code == 200
    assert (await world.fred.get("/api/authoring/scenarios/ward_wait")).status_code == 404
    assert (await world.fred.get("/api/authoring/scenarios")).json() == {"items": []}


async def test_ids_never_clash_and_copies_say_where_from(fay) -> None:
    for taken in (BUILTIN, "ward_wait"):
        r = await fay.post("/api/authoring/scenarios", json={"id": taken, "data": scenario_data()})
        assert r.status_code == 409 and r.json()["error"]["code"] == "scenario_exists"
    for bad in ("Ward", "a__v2", "x-y", "_x"):
        r = await fay.post("/api/authoring/scenarios", json={"id": bad, "data": scenario_data()})
        assert r.status_code == 422, bad

    r = await fay.post("/api/authoring/scenarios", json={"id": "front_copy", "copy_of": BUILTIN})
    assert r.status_code == 201, r.text
    assert r.json()["versions"][0]["summary"] == f"copied from the built-in scenario {BUILTIN!r}"
    r = await fay.post("/api/authoring/scenarios", json={"id": "ward_copy", "copy_of": "ward_wait", "copy_version": 1})
    assert r.status_code == 201 and r.json()["versions"][0]["summary"] == "copied from 'ward_wait' version 1"


def broken() -> dict[str, Any]:
    """Four problems at once: a fact with no answers, a missing level, an unknown slot, a long line."""
    data = scenario_data()
    del data["facts"][0]["answers"]
    del data["lines"]["vent"]["angry"]
    data["templates"]["recall"]["calm"][0] = "I told you already: {gits}"
    data["lines"]["accuse"]["calm"][0] = "So " * 150
    return data


async def test_every_problem_is_listed_and_a_broken_save_changes_nothing(world, fay) -> None:
    r = await fay.post("/api/authoring/check", json={"id": "ward_wait", "data": broken()})
    assert r.status_code == 200
    result = r.json()
    assert result["valid"] is False
    problems = "\n".join(result["problems"])
    assert "ward_wait: facts[0].answers: required field is missing" in problems
    assert "ward_wait: lines.vent.angry: missing" in problems
    assert "unknown slot {gits}" in problems
    assert "lines.accuse.calm[0].text: string should have at most 400 characters" in problems

    r = await fay.post("/api/authoring/scenarios/ward_wait/versions", json={"data": broken()})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_scenario" and error["problems"] == result["problems"]
    assert len(error["problems"]) == 4 and error["message"].startswith("the scenario has 4 problems:")

    # Half-finished (whole sections missing) is refused the same way, on create too.
    r = await fay.post("/api/authoring/scenarios", json={"id": "half", "data": {"title": "Half a scenario"}})
    assert r.status_code == 422 and len(r.json()["error"]["problems"]) > 5

    # The checks beyond the format run too: no feeling to take up in the opening.
    data = scenario_data()
    data["opening"] = [line["text"] if isinstance(line, dict) else line for line in data["opening"]]
    r = await fay.post("/api/authoring/check", json={"data": data})
    assert "draft: opening: no line marks an empathic opportunity" in "\n".join(r.json()["problems"])

    assert (await fay.post("/api/authoring/check", json={"data": scenario_data()})).json() == {
        "valid": True,
        "problems": [],
    }
    versions = (await fay.get("/api/authoring/scenarios/ward_wait")).json()["versions"]
    assert [v["number"] for v in versions] == [1]


async def test_a_scenario_over_the_size_limit_is_refused(fay) -> None:
    data = scenario_data(situation="x" * (600 * 1024))
    r = await fay.post("/api/authoring/scenarios/ward_wait/versions", json={"data": data})
    assert r.status_code == 413 and r.json()["error"]["code"] == "scenario_too_large"
    assert "limit is 512 KB" in r.json()["error"]["message"]


async def test_publish_to_own_cohorts_and_learners_play_the_published_version(
    world, fay, engine, authored_dir: Path
) -> None:
    course, other = world.course["id"], world.other["id"]
    r = await fay.post("/api/authoring/scenarios/ward_wait/versions/1/publish", json={"cohort_ids": [other]})
    assert r.status_code == 404  # fay does not facilitate it
    r = await fay.post("/api/authoring/scenarios/ward_wait/versions/9/publish", json={"cohort_ids": [course]})
    assert r.status_code == 404
    # Before publishing, learners neither see nor start it.
    assert "ward_wait" not in [s["id"] for s in (await world.lena.get("/api/scenarios")).json()["items"]]
    assert (await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait"})).status_code == 404

    r = await fay.post("/api/authoring/scenarios/ward_wait/versions/1/publish", json={"cohort_ids": [course]})
    assert r.status_code == 200, r.text
    assert r.json()[0]["version"] == 1 and r.json()[0]["published_by"] == world.users["fay"].id
    path = authored_dir / "ward_wait__v1.yml"
    assert path.is_file() and not [p for p in authored_dir.iterdir() if p.suffix != ".yml"]
    assert load_scenario(path).id == "ward_wait__v1"

    briefs = {s["id"]: s for s in (await world.lena.get("/api/scenarios")).json()["items"]}
    assert briefs["ward_wait"]["version"] == 1 and briefs["ward_wait"]["authored"] is True
    assert "hidden_need" not in briefs["ward_wait"]
    assert (await world.lena.get("/api/scenarios/ward_wait")).json()["version"] == 1
    assert "ward_wait" not in [s["id"] for s in (await world.olga.get("/api/scenarios")).json()["items"]]
    assert (await world.olga.post("/api/sessions", json={"scenario_id": "ward_wait"})).status_code == 404

    r = await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait"})
    assert r.status_code == 201, r.text
    session = r.json()
    assert (session["scenario_id"], session["scenario_version"]) == ("ward_wait", 1)
    assert session["scenario"]["title"] == RAW["title"]
    assert '"scenario_id":"ward_wait__v1"' in engine.calls[-1][1].replace(" ", "")
    transcript = (await world.lena.get(f"/api/sessions/{session['id']}")).json()
    assert transcript["scenario_version"] == 1 and transcript["scenario"]["version"] == 1
    listed = (await world.lena.get("/api/sessions")).json()["items"]
    assert listed[0]["scenario_version"] == 1

    # A new version is not played until it is published; republishing moves the version.
    data = scenario_data(title="Waiting on the ward, again")
    assert (await fay.post("/api/authoring/scenarios/ward_wait/versions", json={"data": data})).status_code == 201
    assert (await world.lena.get("/api/scenarios/ward_wait")).json()["version"] == 1
    r = await fay.post("/api/authoring/scenarios/ward_wait/versions/2/publish", json={"cohort_ids": [course]})
    assert r.status_code == 200
    assert (await world.lena.get("/api/scenarios/ward_wait")).json()["version"] == 2
    pubs = (await fay.get("/api/authoring/scenarios/ward_wait")).json()["publications"]
    assert [(p["cohort_id"], p["version"]) for p in pubs] == [(course, 2)]
    r = await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait"})
    assert r.json()["scenario_version"] == 2

    # A broken save leaves the published version playable.
    assert (await fay.post("/api/authoring/scenarios/ward_wait/versions", json={"data": broken()})).status_code == 422
    assert (await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait"})).status_code == 201

    # The engine reads both versions beside the built-in library.
    library = load_library(DEFAULT_SCENARIO_DIR, authored_dir=authored_dir)
    assert {"ward_wait__v1", "ward_wait__v2", BUILTIN} <= set(library)
    assert library["ward_wait__v2"].title == "Waiting on the ward, again"

    assert (await fay.delete(f"/api/authoring/scenarios/ward_wait/publications/{other}")).status_code == 404
    assert (await fay.delete(f"/api/authoring/scenarios/ward_wait/publications/{course}")).status_code == 204
    assert (await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait"})).status_code == 404
    assert "ward_wait" not in [s["id"] for s in (await world.lena.get("/api/scenarios")).json()["items"]]


async def test_the_author_previews_any_version_and_no_one_else_can(world, fay, authored_dir: Path) -> None:
    r = await fay.post("/api/sessions", json={"scenario_id": "ward_wait", "version": 1})
    assert r.status_code == 201, r.text
    assert r.json()["scenario_version"] == 1
    assert (authored_dir / "ward_wait__v1.yml").is_file()  # written for the preview
    assert (await fay.post("/api/sessions", json={"scenario_id": "ward_wait", "version": 3})).status_code == 404
    assert (await world.lena.post("/api/sessions", json={"scenario_id": "ward_wait", "version": 1})).status_code == 404
    assert (await world.fred.post("/api/sessions", json={"scenario_id": "ward_wait", "version": 1})).status_code == 404
    # Built-in scenarios have no versions to preview.
    assert (await fay.post("/api/sessions", json={"scenario_id": "front_desk", "version": 1})).status_code == 404
