"""Group practice pages without a browser: start from the cohort page, join with the code, propose,
send, the shared screen, the live events as HTML, and who may open what (tests/browser drives
the same pages in Chromium, live)."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from api.main import create_app
from tests.api.conftest import csrf
from tests.api.fakes import SCENARIOS
from tests.api.test_api_group_runs import fake_scorer


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS, reply_scorer=fake_scorer)


async def start_from_cohort_page(world, browser_for) -> tuple[httpx.AsyncClient, int, str]:
    fay = browser_for(world.users["fay"])
    page = await fay.get(f"/facilitate/cohorts/{world.course['id']}")
    assert page.status_code == 200 and "Start group practice" in page.text
    r = await fay.post(
        f"/facilitate/cohorts/{world.course['id']}/group-runs",
        data={"csrf_token": csrf(page.text), "scenario_id": "front_desk"},
    )
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    lead = await fay.get(r.headers["location"])
    code = re.search(r'id="join-code">([A-Z0-9]{6})<', lead.text)
    assert code is not None and f'href="/group/{run_id}/screen"' in lead.text
    return fay, run_id, code.group(1)


async def test_a_whole_round_through_the_pages(world, browser_for, engine):
    fay, run_id, code = await start_from_cohort_page(world, browser_for)
    lena = browser_for(world.users["lena"])
    join = await lena.get("/group")
    assert join.status_code == 200 and 'name="code"' in join.text
    r = await lena.post("/group/join", data={"csrf_token": csrf(join.text), "code": code.lower()})
    assert r.status_code == 303 and r.headers["location"] == f"/group/{run_id}"
    page = await lena.get(f"/group/{run_id}")
    assert 'id="proposal-form"' in page.text and "I&#39;ve been waiting two hours!" in page.text
    assert "join-code" not in page.text  # the code is on the facilitator's screen, not needed here
    r = await lena.post(
        f"/group/{run_id}/proposals", data={"csrf_token": csrf(page.text), "text": "What happened this morning?"}
    )
    assert r.status_code == 303
    page = await lena.get(f"/group/{run_id}")
    assert "Reply A</strong> (yours)" in page.text and "from lena" not in page.text
    lead = await fay.get(f"/group/{run_id}")
    assert "Reply A</strong>, from lena" in lead.text
    screen = await fay.get(f"/group/{run_id}/screen")
    assert screen.status_code == 200 and code in screen.text and "What happened this morning?" in screen.text
    assert "lena" not in screen.text.split("Signed in as")[1].split("</form>", 1)[1]
    assert "<form" not in screen.text.split('id="group-live"')[1]  # no controls on the shared screen
    proposal_id = re.search(r'id="send-(\d+)"', lead.text)
    assert proposal_id is not None
    r = await fay.post(
        f"/group/{run_id}/pick", data={"csrf_token": csrf(lead.text), "proposal_id": proposal_id.group(1)}
    )
    assert r.status_code == 303
    assert engine.learner_messages() == ["What happened this morning?"]
    page = await lena.get(f"/group/{run_id}")
    assert 'id="group-turn-1"' in page.text and "Patient reply 1." in page.text and "Open question" in page.text
    lead = await fay.get(f"/group/{run_id}")
    r = await fay.post(f"/group/{run_id}/end", data={"csrf_token": csrf(lead.text)})
    assert r.status_code == 303
    events = await lena.get(f"/group/{run_id}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    (block,) = [b for b in events.text.split("\n\n") if b.startswith("event: state")]
    data = json.loads(block.split("data: ", 1)[1])
    assert data["status"] == "ended" and data["turns"] == 1 and not data["can_propose"]
    assert "This group practice has ended" in data["html"] and "lena" not in data["html"]
    cohort = await fay.get(f"/facilitate/cohorts/{world.course['id']}")
    assert f'href="/group/{run_id}"' in cohort.text
    session_id = (await world.fay.get(f"/api/group-runs/{run_id}")).json()["session_id"]
    chat = await fay.get(f"/practise/sessions/{session_id}")  # from the facilitator's own history
    assert chat.status_code == 303 and chat.headers["location"] == f"/group/{run_id}"
    rae = browser_for(world.users["rae"])
    listed = await rae.get("/review")
    session_id = re.search(r'href="/review/sessions/([0-9a-f]{32})"', listed.text)
    assert session_id is not None
    transcript = await rae.get(f"/review/sessions/{session_id.group(1)}")
    assert transcript.status_code == 200 and "The group" in transcript.text
    assert "What happened this morning?" in transcript.text and f'href="/group/{run_id}"' in transcript.text


async def test_who_may_open_the_group_pages(world, browser_for):
    fay, run_id, code = await start_from_cohort_page(world, browser_for)
    olga = browser_for(world.users["olga"])
    join = await olga.get("/group")
    r = await olga.post("/group/join", data={"csrf_token": csrf(join.text), "code": code})
    assert r.status_code == 404 and "No group practice is open with that code" in r.text
    assert (await olga.get(f"/group/{run_id}")).status_code == 404
    assert (await olga.get(f"/group/{run_id}/events")).status_code == 404
    omar = browser_for(world.users["omar"])
    assert (await omar.get(f"/group/{run_id}")).status_code == 404  # not joined yet
    join = await omar.get("/group")
    await omar.post("/group/join", data={"csrf_token": csrf(join.text), "code": code})
    assert (await omar.get(f"/group/{run_id}/screen")).status_code == 403
    page = await omar.get(f"/group/{run_id}")
    r = await omar.post(f"/group/{run_id}/pause", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 403
    rae = browser_for(world.users["rae"])
    staff = await rae.get(f"/group/{run_id}")
    assert staff.status_code == 200 and 'id="pause-button"' not in staff.text
    assert (await rae.get(f"/group/{run_id}/screen")).status_code == 200
    anon = browser_for(None)
    r = await anon.get(f"/group/{run_id}")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
