"""The web pages' rules, without a browser: sign-in cookie, CSRF, and the same access rules as
the JSON API (a learner never reaches staff pages or another learner's practice)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from api.web.session import COOKIE
from tests.api.conftest import PASSWORD, csrf

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


async def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_clears_it(browser_for, learner):
    b = browser_for()
    r = await b.get("/practise")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=%2Fpractise"
    wrong = await b.post("/sign-in", data={"username": "lena", "password": "nope-nope-nope"})
    assert (
        wrong.status_code == 401 and "do not match" in wrong.text and COOKIE not in wrong.headers.get("set-cookie", "")
    )
    r = await b.post("/sign-in", data={"username": "lena", "password": PASSWORD, "next": "/practise/history"})
    assert r.status_code == 303 and r.headers["location"] == "/practise/history"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    page = await b.get("/practise/history")
    assert page.status_code == 200 and "Your practice history" in page.text
    out = await b.post("/sign-out", data={"csrf_token": csrf(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in?signed_out=1"
    assert (await b.get("/practise")).status_code == 303


async def test_sign_in_never_redirects_to_another_site(browser_for, learner):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = await browser_for().post("/sign-in", data={"username": "lena", "password": PASSWORD, "next": target})
        assert r.headers["location"] == "/practise", target


async def test_an_expired_sign_in_goes_back_to_sign_in_with_a_message(browser_for, learner):
    b = browser_for(learner, minutes=1, now=datetime.now(UTC) - timedelta(minutes=5))
    r = await b.get("/practise/history")
    assert r.status_code == 303 and r.headers["location"].endswith("&expired=1")
    page = await b.get(r.headers["location"])
    assert "Your sign-in has expired" in page.text


async def test_forms_need_the_csrf_token_and_this_site_as_origin(browser_for, learner, engine):
    b = browser_for(learner)
    page = await b.get("/practise")
    token = csrf(page.text)
    assert (await b.post("/practise/start", data={"scenario_id": "front_desk"})).status_code == 403
    assert (
        await b.post("/practise/start", data={"scenario_id": "front_desk", "csrf_token": "x" * 40})
    ).status_code == 403
    elsewhere = await b.post(
        "/practise/start",
        data={"scenario_id": "front_desk", "csrf_token": token},
        headers={"origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    assert not [m for _, m in engine.calls if m.startswith("/start_scenario")], "nothing was started"
    ok = await b.post(
        "/practise/start",
        data={"scenario_id": "front_desk", "csrf_token": token},
        headers={"origin": "http://testserver"},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/practise/sessions/")


async def test_learners_are_told_staff_pages_are_not_for_them(world, browser_for):
    lena = browser_for(world.users["lena"])
    for path in ("/facilitate", f"/facilitate/cohorts/{world.course['id']}", "/review"):
        r = await lena.get(path)
        assert r.status_code == 403 and "Not for you" in r.text, path


async def test_pages_keep_the_apis_access_rules(world, browser_for, start):
    omar_session = await start(as_client=world.omar)
    lena = browser_for(world.users["lena"])
    for path in (f"/practise/sessions/{omar_session['id']}", f"/practise/sessions/{omar_session['id']}/report"):
        r = await lena.get(path)
        assert r.status_code == 404 and "Page not found" in r.text, path
    a = (
        await world.fay.post(
            f"/api/cohorts/{world.course['id']}/assignments", json={"scenario_ids": ["front_desk"], "due_at": TOMORROW}
        )
    ).json()
    fred = browser_for(world.users["fred"])  # facilitates the other cohort
    for path in (
        f"/facilitate/assignments/{a['id']}",
        f"/facilitate/assignments/{a['id']}/progress.csv",
        f"/facilitate/cohorts/{world.course['id']}",
    ):
        assert (await fred.get(path)).status_code == 404, path
    rita = browser_for(world.users["rita"])  # reviews the other cohort
    assert (await rita.get(f"/review/sessions/{omar_session['id']}")).status_code == 404
    assert omar_session["id"] not in (await rita.get("/review")).text
    rae = browser_for(world.users["rae"])
    assert (await rae.get(f"/review/sessions/{omar_session['id']}")).status_code == 200


async def test_a_facilitator_assigns_through_the_form_and_gets_the_csv(world, browser_for):
    fay = browser_for(world.users["fay"])
    form = await fay.get(f"/facilitate/cohorts/{world.course['id']}/assignments/new")
    data = {
        "csrf_token": csrf(form.text),
        "scenario_ids": ["front_desk", "ward_visit"],
        "due": TOMORROW,
        "min_attempts": "2",
        "note": "Before Thursday",
        "learner_ids": [str(world.users["omar"].id)],
    }
    r = await fay.post(f"/facilitate/cohorts/{world.course['id']}/assignments/new", data=data)
    assert r.status_code == 303, r.text
    mine = (await world.omar.get("/api/me/assignments")).json()["items"]
    assert [(m["scenario_ids"], m["min_attempts"], m["note"]) for m in mine] == [
        (["front_desk", "ward_visit"], 2, "Before Thursday")
    ]
    assert (await world.lena.get("/api/me/assignments")).json()["items"] == []
    csv = await fay.get(r.headers["location"].split("?")[0] + "/progress.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv") and "omar" in csv.text
    bad = await fay.post(
        f"/facilitate/cohorts/{world.course['id']}/assignments/new",
        data={"csrf_token": csrf(form.text), "due": "", "min_attempts": "0"},
    )
    assert bad.status_code == 422
    for problem in ("Due date:", "Scenarios: choose at least one scenario.", "Attempts needed:"):
        assert problem in bad.text


async def test_the_chat_keeps_the_learners_words_out_of_the_logs(browser_for, learner, caplog):
    b = browser_for(learner)
    token = csrf((await b.get("/practise")).text)
    session = (await b.post("/practise/start", data={"scenario_id": "front_desk", "csrf_token": token})).headers[
        "location"
    ]
    secret_words = "my very private words about the patient"
    with caplog.at_level(logging.DEBUG):
        r = await b.post(
            f"{session}/turns", data={"text": secret_words, "csrf_token": token}, headers={"accept": "application/json"}
        )
    assert r.status_code == 200 and "<mark" in r.json()["turn_html"]
    assert secret_words not in caplog.text


async def test_the_catalogue_filters_by_situation(browser_for, learner):
    b = browser_for(learner)
    page = await b.get("/practise")
    assert page.status_code == 200 and 'id="f-theme"' in page.text and "Uncivil behaviour" in page.text
    assert "Showing 2 of 2 scenarios." in page.text
    none = await b.get("/practise", params={"theme": "bad_news"})
    assert "Showing 0 of 2 scenarios." in none.text
    some = await b.get("/practise", params={"theme": "uncivil"})
    assert "Showing 2 of 2 scenarios." in some.text
