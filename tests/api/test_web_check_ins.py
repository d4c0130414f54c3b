"""The check-in pages without a browser: offered after a session that broke down or ended for
safety, asked for from the report and history; the form keeps what was typed when refused; what
it says back fits the answers; and no staff page shows a check-in or offers one."""

from __future__ import annotations

import re

from tests.api.conftest import csrf
from tests.api.test_api_check_ins import SECRET_AFFECTED, SECRET_FEELING, escalated, lenas_check_in
from tests.api.test_api_reviews import practise
from tests.api.test_security_headers import assert_no_inline_code, assert_secured

OFFER = "How are you feeling now?"


async def test_the_offer_follows_a_session_that_broke_down_or_ended_for_safety(world, engine, browser_for):
    lena = browser_for(world.users["lena"])
    broke_down = await escalated(world.lena, engine)
    report = await lena.get(f"/practise/sessions/{broke_down}/report")
    assert OFFER in report.text and f'href="/practise/check-in?session={broke_down}"' in report.text
    safety = (await world.lena.post("/api/sessions", json={"scenario_id": "front_desk"})).json()["id"]
    await world.lena.post(f"/api/sessions/{safety}/end", json={"reason": "safety"})
    for path in (f"/practise/sessions/{safety}/step-away", f"/practise/sessions/{safety}/report"):
        page = await lena.get(path)
        assert OFFER in page.text and f"/practise/check-in?session={safety}" in page.text, path
    finished = await practise(world, engine)  # ended by the learner, unresolved: asked for, not offered
    quiet = await lena.get(f"/practise/sessions/{finished}/report")
    assert (
        OFFER not in quiet.text and f'href="/practise/check-in?session={finished}">Check in with yourself' in quiet.text
    )
    history = await lena.get("/practise/history")
    assert 'href="/practise/check-in"' in history.text and 'href="/practise/check-ins"' in history.text
    # staff reading the same reports get no offer and no link
    for name in ("fay", "rae"):
        staff = browser_for(world.users[name])
        for sid in (broke_down, safety, finished):
            page = await staff.get(f"/practise/sessions/{sid}/report")
            assert page.status_code == 200 and "check-in" not in page.text.lower(), (name, sid)


async def test_checking_in_through_the_form_says_back_what_fits(world, engine, browser_for):
    lena = browser_for(world.users["lena"])
    sid = await escalated(world.lena, engine)
    form = await lena.get("/practise/check-in", params={"session": sid})
    assert form.status_code == 200 and "Only you can see your check-ins" in form.text
    assert f'name="session_id" value="{sid}"' in form.text and "That was a hard conversation" in form.text
    assert f'href="/practise/sessions/{sid}/report">Skip for now' in form.text
    r = await lena.post(
        "/practise/check-in",
        data={
            "csrf_token": csrf(form.text),
            "session_id": sid,
            "feeling": "shaken",
            "feeling_note": SECRET_FEELING,
            "affected": "yes",
            "affected_note": SECRET_AFFECTED,
        },
    )
    assert r.status_code == 303 and re.fullmatch(r"/practise/check-ins/\d+\?saved=1", r.headers["location"])
    page = await lena.get(r.headers["location"])
    assert "Thank you for checking in" in page.text and "Talk to someone today" in page.text
    assert "116 123" in page.text and "A moment for yourself" in page.text
    assert "A bit shaken" in page.text and SECRET_AFFECTED in page.text
    okay = await lena.post("/practise/check-in", data={"csrf_token": csrf(form.text), "feeling": "okay"})
    okay_page = await lena.get(okay.headers["location"])
    assert "Notice how you feel later" in okay_page.text and "999" not in okay_page.text
    listing = await lena.get("/practise/check-ins")
    assert SECRET_FEELING in listing.text and listing.text.count('action="/practise/check-ins/') == 2
    check_in_id = r.headers["location"].split("/")[-1].split("?")[0]
    gone = await lena.post(f"/practise/check-ins/{check_in_id}/delete", data={"csrf_token": csrf(listing.text)})
    assert gone.status_code == 303 and gone.headers["location"] == "/practise/check-ins?deleted=1"
    after = await lena.get(gone.headers["location"])
    assert "has been deleted" in after.text and SECRET_FEELING not in after.text
    assert (await lena.get(f"/practise/check-ins/{check_in_id}")).status_code == 404
    skipped = await lena.get("/practise/check-in")
    assert 'href="/practise/history">Skip for now' in skipped.text


async def test_a_refused_check_in_keeps_what_was_typed(world, engine, browser_for):
    lena = browser_for(world.users["lena"])
    token = csrf((await lena.get("/practise/check-in")).text)
    omars = await escalated(world.omar, engine)
    long_note = "I keep thinking about it. " * 100  # 2,600 characters
    for data, problem in [
        ({"feeling_note": long_note, "feeling": "upset"}, "2,599 characters, and the most it keeps is 2,000"),
        (
            {"session_id": omars, "affected_note": SECRET_AFFECTED},
            f"you have no practice conversation with id {omars!r}",
        ),
        ({"session_id": "no-such-session", "feeling": "okay"}, "you have no practice conversation"),
        ({"affected": "maybe", "feeling_note": SECRET_FEELING}, "choose yes or no"),
        ({}, "Answer at least one question, or skip the check-in"),
    ]:
        r = await lena.post("/practise/check-in", data={"csrf_token": token, **data})
        assert r.status_code == 422 and "Please check the form" in r.text, data
        assert problem.replace("'", "&#39;") in r.text, (problem, r.text[:3000])
        for field in ("feeling_note", "affected_note"):
            if field in data:
                assert f">{data[field].strip()}</textarea>" in r.text or f">{data[field]}</textarea>" in r.text
        if data.get("feeling"):
            assert f'value="{data["feeling"]}" checked' in r.text
        if "session_id" in data:  # no link to that conversation; saving again keeps it on its own
            assert data["session_id"] not in r.text.replace(f"id &#39;{data['session_id']}&#39;", "")
            assert "Save again to keep your check-in on its own" in r.text
    assert (await world.lena.get("/api/me/check-ins")).json()["items"] == []
    refused = await lena.post("/practise/check-in", data={"feeling": "okay"})
    assert refused.status_code == 403
    assert (await lena.get("/practise/check-in", params={"session": omars})).status_code == 404


async def test_no_staff_page_shows_or_reaches_a_check_in(world, engine, browser_for):
    sid, made = await lenas_check_in(world, engine)
    await world.rae.post(f"/api/sessions/{sid}/comments", json={"turn_index": 1, "body": "Hard one."})
    a = (
        await world.fay.post(
            f"/api/cohorts/{world.course['id']}/assignments",
            json={"scenario_ids": ["front_desk"], "due_at": "2999-01-01T00:00:00Z"},
        )
    ).json()
    staff_pages = [
        "/facilitate",
        f"/facilitate/cohorts/{world.course['id']}",
        f"/facilitate/assignments/{a['id']}",
        f"/facilitate/assignments/{a['id']}/progress.csv",
        "/review",
        f"/review/sessions/{sid}",
        f"/practise/sessions/{sid}/report",
    ]
    for name in ("fay", "rae", "ada"):
        staff = browser_for(world.users[name])
        for path in staff_pages:
            page = await staff.get(path)
            for words in (SECRET_FEELING, SECRET_AFFECTED, "check-in", "Check in", "Talk to someone today"):
                assert words not in page.text, (name, path, words)
        for path in (
            f"/practise/check-ins/{made['id']}",
            f"/practise/check-in?session={sid}",
        ):
            assert (await staff.get(path)).status_code == 404, (name, path)
        theirs = await staff.get("/practise/check-ins")
        assert SECRET_FEELING not in theirs.text and "You have not checked in yet" in theirs.text
        token = csrf(theirs.text)
        gone = await staff.post(f"/practise/check-ins/{made['id']}/delete", data={"csrf_token": token})
        assert gone.status_code == 404
    assert (await world.lena.get(f"/api/me/check-ins/{made['id']}")).status_code == 200


async def test_the_check_in_pages_carry_the_headers_and_no_inline_code(world, engine, browser_for):
    """As every page does (tests/api/test_security_headers.py walks practice/demo.py's pages)."""
    sid, made = await lenas_check_in(world, engine)
    lena = browser_for(world.users["lena"])
    for path in (
        "/practise/check-in",
        f"/practise/check-in?session={sid}",
        "/practise/check-ins",
        f"/practise/check-ins/{made['id']}",
        f"/practise/sessions/{sid}/report",
    ):
        r = await lena.get(path)
        assert r.status_code == 200, path
        assert_secured(r)
        assert_no_inline_code(r.text, path)
