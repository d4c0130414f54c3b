"""The pages for writing scenarios in the browser (api/web/authoring.py): who reaches them, a
refused save keeping what was typed with every problem beside its field, versions, publishing,
and the form's round trip (api/web/scenario_form.py) on every built-in scenario."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from actions.scenarios import load_library, parse_scenario
from actions.settings import DEFAULT_SCENARIO_DIR
from api.web.scenario_form import data_from_form, form_from_data, lines_from_text, place_problems
from tests.api.conftest import csrf
from tests.api.test_api_authoring import BUILTIN, app, authored_dir, grant  # noqa: F401 - fixtures

LIBRARY = load_library(DEFAULT_SCENARIO_DIR, authored_dir=DEFAULT_SCENARIO_DIR)


@pytest.mark.parametrize("scenario_id", sorted(LIBRARY))
def test_the_form_shows_every_built_in_scenario_and_reads_it_back_unchanged(scenario_id: str) -> None:
    data = LIBRARY[scenario_id].model_dump(mode="json", exclude_none=True)
    data.pop("id")
    assert data_from_form(form_from_data(data)) == data
    parse_scenario({**data_from_form(form_from_data(data)), "id": scenario_id}, scenario_id)


def test_a_line_voicing_a_feeling_starts_with_the_feeling_and_a_colon() -> None:
    assert lines_from_text("worried: I don't know what's happening\n\n  Look: it's late.  \n") == [
        {"text": "I don't know what's happening", "opportunity": "worried"},
        {"text": "Look: it's late."},
    ]


def test_problems_point_at_the_field_that_holds_them() -> None:
    data: dict[str, Any] = {"facts": [{"id": "parking"}]}
    placed = place_problems(
        [
            "x: lines.vent.calm[0].text: too long",
            "x: persona.age: input should be a valid integer",
            "x: facts.parking: none of its example questions reaches it",
            "x: facts.parking.keywords: 'when' is a question word",
            "x: templates.recall: required when the scenario has facts",
            "x: lines: the outcome 'escalated' cannot be reached",
        ],
        scenario_id="x",
        data=data,
    )
    assert [p["field"] for p in placed] == [
        "lines.vent.calm",
        "persona.age",
        "facts[0].asks",
        "facts[0].keywords",
        "templates.recall.calm",
        None,
    ]
    assert placed[0]["text"] == "lines.vent.calm[0].text: too long" and placed[0]["anchor"] == "f-lines-vent-calm"


def _fields(page: str) -> list[tuple[str, str]]:
    """The edit form's fields as a browser would send them (inputs, selects, textareas, ticked boxes)."""
    form = page[page.index('class="stack author-form"') :]
    pairs: list[tuple[str, str]] = []
    for tag in re.finditer(r"<input ([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        if "name" not in attrs or (attrs.get("type") == "checkbox" and " checked" not in tag.group(1)):
            continue
        pairs.append((attrs["name"], html.unescape(attrs.get("value", "on"))))
    for area in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        pairs.append((area.group(1), html.unescape(area.group(2))))
    for select in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(2))
        first = re.search(r'<option value="([^"]*)"', select.group(2))
        pairs.append((select.group(1), (chosen or first).group(1)))  # type: ignore[union-attr]
    return pairs


def _with(pairs: list[tuple[str, str]], **changes: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    for k, v in changes.items():
        out[k.replace("__", ".")] = [v]
    return out


@pytest.fixture
async def fay_web(world, browser_for):
    assert (await grant(world, "fay")).status_code == 200
    return browser_for(world.users["fay"])


async def _copy(b, new_id: str = "ward_wait") -> str:
    page = await b.get("/author")
    r = await b.post("/author/copy", data={"csrf_token": csrf(page.text), "new_id": new_id, "copy_of": BUILTIN})
    assert r.status_code == 303 and r.headers["location"] == f"/author/scenarios/{new_id}?saved=1", r.text
    return r.headers["location"]


async def test_pages_are_for_authors_only(world, browser_for) -> None:
    for name in ("lena", "fay"):  # a learner; a facilitator without the permission
        b = browser_for(world.users[name])
        for path in ("/author", "/author/new"):
            r = await b.get(path)
            assert r.status_code == 403, (name, path)
        assert 'href="/author"' not in (await b.get("/practise")).text
    assert (await grant(world, "fay")).status_code == 200
    fay = browser_for(world.users["fay"])
    page = await fay.get("/author")
    assert page.status_code == 200 and "Start from a copy of a built-in scenario" in page.text
    assert 'href="/author"' in page.text and "New scenario" in page.text
    assert (await fay.get("/author/new")).status_code == 200
    anon = await browser_for().get("/author")
    assert anon.status_code == 303 and anon.headers["location"].startswith("/sign-in")


async def test_copy_edit_save_creates_version_two_and_history_says_what_changed(fay_web) -> None:
    page = await fay_web.get(await _copy(fay_web))
    assert page.status_code == 200 and "Showing version 1" in page.text and "Saved as a new version" in page.text
    lines = dict(_fields(page.text))["lines.vent.calm"]
    sent = _with(
        _fields(page.text),
        csrf_token=csrf(page.text),
        action="save",
        title="Waiting on the ward",
        lines__vent__calm=lines + "\nworried: Nobody has told me anything since this morning.",
    )
    r = await fay_web.post("/author/scenarios/ward_wait", data=sent)
    assert r.status_code == 303 and "version=2" in r.headers["location"], r.text[:3000]
    page = await fay_web.get(r.headers["location"])
    assert "Waiting on the ward" in page.text and "Showing version 2" in page.text
    assert "lines.vent.calm (+1 line)" in page.text and "title" in page.text
    assert "Open version 1" in page.text
    old = await fay_web.get("/author/scenarios/ward_wait?version=1")
    assert "Showing version 1 of 2" in old.text
    listing = await fay_web.get("/author")
    assert "Waiting on the ward" in listing.text and "Version 2" in listing.text and "Not published" in listing.text


async def test_a_refused_save_keeps_what_was_typed_and_lists_every_problem(fay_web) -> None:
    page = await fay_web.get(await _copy(fay_web))
    sent = _with(
        _fields(page.text),
        csrf_token=csrf(page.text),
        action="save",
        title="My typed title",
        persona__age="ninety",
        lines__accuse__angry="Only one line here.",
    )
    r = await fay_web.post("/author/scenarios/ward_wait", data=sent)
    assert r.status_code == 422
    assert "This was not saved" in r.text and 'value="My typed title"' in r.text and 'value="ninety"' in r.text
    assert '<a href="#f-persona-age">persona.age:' in r.text
    assert '<a href="#f-lines-accuse-angry">lines.accuse.angry:' in r.text
    assert 'id="f-lines-accuse-angry-error"' in r.text and 'aria-invalid="true"' in r.text
    assert "Only one line here." in r.text
    assert "Showing version 1" in (await fay_web.get("/author/scenarios/ward_wait")).text  # nothing saved
    checked = await fay_web.post("/author/scenarios/ward_wait", data={**sent, "action": "check"})
    assert checked.status_code == 200 and "The check found" in checked.text
    good = _with(_fields(page.text), csrf_token=csrf(page.text), action="check")
    assert "No problems found" in (await fay_web.post("/author/scenarios/ward_wait", data=good)).text


async def test_a_new_scenario_shows_its_problems_and_a_taken_id(fay_web) -> None:
    page = await fay_web.get("/author/new")
    r = await fay_web.post(
        "/author/new", data={"csrf_token": csrf(page.text), "id": "brand_new", "title": "Kept", "action": "save"}
    )
    assert r.status_code == 422 and 'value="Kept"' in r.text and 'href="#f-opening"' in r.text
    r = await fay_web.post("/author/new", data={"csrf_token": csrf(page.text), "id": BUILTIN, "action": "save"})
    assert r.status_code == 409 and 'href="#f-id"' in r.text


async def test_publish_form_publishes_to_my_cohort_and_learners_see_it(world, fay_web, browser_for) -> None:
    page = await fay_web.get(await _copy(fay_web))
    course, other = world.course["id"], world.other["id"]
    assert f'id="pub-{course}"' in page.text and f'id="pub-{other}"' not in page.text  # only cohorts fay facilitates
    token = csrf(page.text)
    r = await fay_web.post(
        "/author/scenarios/ward_wait/publish", data={"csrf_token": token, "version": "1", "cohort_ids": str(course)}
    )
    assert r.status_code == 303 and "published=1" in r.headers["location"]
    page = await fay_web.get(r.headers["location"])
    assert "Published now" in page.text and "version 1" in page.text
    lena = browser_for(world.users["lena"])
    assert 'value="ward_wait"' in (await lena.get("/practise")).text
    olga = browser_for(world.users["olga"])
    assert 'value="ward_wait"' not in (await olga.get("/practise")).text
    refused = await fay_web.post(
        "/author/scenarios/ward_wait/publish", data={"csrf_token": token, "version": "1", "cohort_ids": str(other)}
    )
    assert refused.status_code == 404
    r = await fay_web.post(
        "/author/scenarios/ward_wait/unpublish", data={"csrf_token": token, "cohort_id": str(course)}
    )
    assert r.status_code == 303
    assert 'value="ward_wait"' not in (await lena.get("/practise")).text


async def test_preview_and_a_learner_start_play_the_authored_version(world, fay_web, browser_for, engine) -> None:
    page = await fay_web.get(await _copy(fay_web))
    token = csrf(page.text)
    r = await fay_web.post("/author/scenarios/ward_wait/preview", data={"csrf_token": token, "version": "1"})
    assert r.status_code == 303 and r.headers["location"].startswith("/practise/sessions/"), r.text[:2000]
    chat = await fay_web.get(r.headers["location"])
    assert chat.status_code == 200 and LIBRARY[BUILTIN].title in chat.text
    await fay_web.post(
        "/author/scenarios/ward_wait/publish",
        data={"csrf_token": token, "version": "1", "cohort_ids": str(world.course["id"])},
    )
    lena = browser_for(world.users["lena"])
    catalogue = await lena.get("/practise")
    r = await lena.post("/practise/start", data={"csrf_token": csrf(catalogue.text), "scenario_id": "ward_wait"})
    assert r.status_code == 303 and r.headers["location"].startswith("/practise/sessions/"), r.text[:2000]
