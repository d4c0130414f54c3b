"""Every page (the list is practice/demo.py's, the same the screenshots walk) passes axe-core with
no serious or critical violation, loads nothing from another host, and has one h1; the chat
and the report are also checked on a phone-sized screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from actions.vocabulary import COHORT_ROLES
from practice.commands.screenshots import signed_in
from tests.browser.conftest import Site, axe_violations, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, BrowserContext, Page

    from practice.demo import Demo

pytestmark = pytest.mark.e2e


def signed_in_contexts(browser: Browser, demo: Demo, **options: Any) -> dict[str, BrowserContext]:
    return {role: signed_in(browser, demo, role, **options) for role in (*COHORT_ROLES, "admin", "")}


def requested_urls(page: Page) -> list[str]:
    """The URLs ``page`` requests from now on, filled in as it asks for them."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def test_every_page_passes_axe_and_loads_only_local_assets(browser: Browser, demo: Demo, axe_script: Path) -> None:
    contexts = signed_in_contexts(browser, demo, viewport={"width": 1280, "height": 900})
    problems: dict[str, list] = {}
    try:
        for page_info in demo.pages():
            page = contexts[page_info.who].new_page()
            requested = requested_urls(page)
            response = page.goto(f"{demo.api_url}{page_info.path}")
            assert response is not None and response.status in (200, 403, 404), (
                page_info,
                response and response.status,
            )
            assert page.locator("h1").count() == 1, page_info
            assert page.locator("html").get_attribute("lang") == "en-GB"
            outside = [url for url in requested if not url.startswith(demo.api_url)]
            assert not outside, f"{page_info.name} loaded {outside}"
            found = axe_violations(page, axe_script)
            if found:
                problems[page_info.name] = found
            page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()
    assert not problems, problems


def test_the_chat_and_reports_pass_axe_on_a_phone(browser: Browser, demo: Demo, axe_script: Path) -> None:
    contexts = signed_in_contexts(browser, demo, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        for path in (
            f"/practise/sessions/{demo.active_id}",
            f"/practise/sessions/{demo.finished_id}/report",
            f"/practise/sessions/{demo.branch_id}/report",
        ):
            page = contexts["learner"].new_page()
            page.goto(f"{demo.api_url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
            assert axe_violations(page, axe_script) == [], path
            page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()


def test_the_authoring_pages_pass_axe_on_a_desktop_and_a_phone(browser: Browser, site: Site, axe_script: Path) -> None:
    """The list, a new scenario, the edit form (with its sections open and a refused save's
    problems showing) and the version history: no serious or critical violation."""
    author, author_id = site.account("facilitator")
    site.cohort({author: (author_id, "facilitator")})
    admin, _ = site.account("admin")
    with site.api(admin) as api:
        assert api.patch(f"/api/users/{author_id}", json={"can_author": True}).status_code == 200
    with site.api(author) as api:
        copy = {"id": f"axe_{author_id}", "copy_of": "gp_reception_appointment"}
        assert api.post("/api/authoring/scenarios", json=copy).status_code == 201
    for options in (
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ):
        context = browser.new_context(locale="en-GB", **options)
        page = context.new_page()
        sign_in(page, site.base_url, author)
        for path in ("/author", "/author/new", f"/author/scenarios/axe_{author_id}"):
            page.goto(f"{site.base_url}{path}")
            assert page.locator("h1").count() == 1, path
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert axe_violations(page, axe_script) == [], (path, options)
        page.get_by_label("Title", exact=True).fill("")
        page.get_by_role("button", name="Save as version 2").click()
        assert page.get_by_role("alert").count() == 1
        assert axe_violations(page, axe_script) == [], ("refused save", options)
        context.close()


def test_the_confidence_and_satisfaction_pages_pass_axe_on_a_desktop_and_a_phone(
    browser: Browser, demo: Demo, axe_script: Path
) -> None:
    """The learner's questionnaires and own answers, the questionnaire offered on the catalogue,
    the report's satisfaction line, the facilitator's figures with their chart, and a refused
    questionnaire and rating (their problems showing): no serious or critical violation, and
    nothing wider than a phone's screen."""
    pages = [
        ("learner", "/practise"),
        ("learner", "/practise/confidence"),
        ("learner", f"/practise/confidence/{demo.cohort_id}/post"),
        ("learner", f"/practise/sessions/{demo.finished_id}/report"),
        ("facilitator", f"/facilitate/cohorts/{demo.cohort_id}"),
    ]
    for options in (
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ):
        contexts = signed_in_contexts(browser, demo, **options)
        try:
            for who, path in pages:
                page = contexts[who].new_page()
                response = page.goto(f"{demo.api_url}{path}")
                assert response is not None and response.status == 200, (path, response and response.status)
                assert page.locator("h1").count() == 1, path
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (path, options)
                assert axe_violations(page, axe_script) == [], (path, options)
                page.close()
            page = contexts["facilitator"].new_page()
            page.goto(f"{demo.api_url}/facilitate/cohorts/{demo.cohort_id}")
            assert page.get_by_role("img", name="Mean confidence").count() == 1  # the chart, named
            page.close()
            page = contexts["learner"].new_page()
            page.goto(f"{demo.api_url}/practise/confidence/{demo.cohort_id}/post")
            page.get_by_role("button", name="Save my answers").click()
            assert page.get_by_role("alert").count() == 1
            assert axe_violations(page, axe_script) == [], ("refused questionnaire", options)
            page.goto(f"{demo.api_url}/practise/sessions/{demo.finished_id}/report")
            page.get_by_label("Anything to add? (optional)").fill("x" * 300)
            page.get_by_role("button", name="Change my rating").click()
            assert page.get_by_role("alert").count() == 1
            assert axe_violations(page, axe_script) == [], ("refused rating", options)
            page.close()
        finally:
            for ctx in contexts.values():
                ctx.close()


def test_the_check_in_pages_pass_axe_on_a_desktop_and_a_phone(browser: Browser, site: Site, axe_script: Path) -> None:
    """A learner's private check-in after stepping away: the report and step-away page offering
    it, the form (also refused, its problems showing), what it says back, and the list of their
    check-ins: no serious or critical violation, and nothing wider than a phone's screen."""
    learner, _ = site.account("learner")
    with site.api(learner) as api:
        session = api.post("/api/sessions", json={"scenario_id": "gp_reception_appointment", "seed": 3})
        assert session.status_code == 201, session.text
        sid = session.json()["id"]
        assert api.post(f"/api/sessions/{sid}/end", json={"reason": "safety"}).status_code == 200
        made = api.post(
            "/api/me/check-ins",
            json={"session_id": sid, "feeling": "shaken", "affected": True, "affected_note": "The shouting."},
        )
        assert made.status_code == 201, made.text
    paths = (
        f"/practise/sessions/{sid}/step-away",
        f"/practise/sessions/{sid}/report",
        f"/practise/check-in?session={sid}",
        f"/practise/check-ins/{made.json()['id']}",
        "/practise/check-ins",
        "/practise/history",
    )
    for options in (
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ):
        context = browser.new_context(locale="en-GB", **options)
        page = context.new_page()
        sign_in(page, site.base_url, learner)
        for path in paths:
            page.goto(f"{site.base_url}{path}")
            assert page.locator("h1").count() == 1, path
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (path, options)
            assert axe_violations(page, axe_script) == [], (path, options)
        page.goto(f"{site.base_url}/practise/check-in?session={sid}")
        page.get_by_label("Anything you want to add (optional)").fill("Still thinking about it. " * 100)
        page.get_by_role("button", name="Save my check-in").click()
        assert page.get_by_role("alert").count() == 1
        assert page.get_by_label("Anything you want to add (optional)").input_value().startswith("Still thinking")
        assert axe_violations(page, axe_script) == [], ("refused check-in", options)
        page.get_by_label("Anything you want to add (optional)").fill("Still thinking about it.")
        page.get_by_label("Upset").check()
        page.get_by_role("button", name="Save my check-in").click()
        assert page.get_by_role("heading", name="Talk to someone today").count() == 1
        assert axe_violations(page, axe_script) == [], ("saved check-in", options)
        context.close()


def test_the_group_practice_pages_pass_axe_on_a_desktop_and_a_phone(
    browser: Browser, site: Site, axe_script: Path
) -> None:
    """The join page (and a wrong code's message), a member's page while voting, the facilitator's
    controls, the shared screen and an ended run, after a turn with alternatives: no serious or
    critical violation, and no sideways scrolling on a phone."""
    facilitator, facilitator_id = site.account("facilitator")
    (one, one_id), (two, two_id) = site.account("learner"), site.account("learner")
    cohort = site.cohort(
        {facilitator: (facilitator_id, "facilitator"), one: (one_id, "learner"), two: (two_id, "learner")}
    )
    with site.api(facilitator) as lead, site.api(one) as first, site.api(two) as second:
        run = lead.post("/api/group-runs", json={"cohort_id": cohort, "scenario_id": "gp_reception_appointment"})
        assert run.status_code == 201, run.text
        run_id, code = run.json()["id"], run.json()["code"]
        for member in (first, second):
            assert member.post("/api/group-runs/join", json={"code": code}).status_code == 200
        first.post(
            f"/api/group-runs/{run_id}/proposals", json={"text": "That sounds really frustrating. What happened?"}
        )
        second.post(f"/api/group-runs/{run_id}/proposals", json={"text": "Calm down, please."})
        proposals = lead.get(f"/api/group-runs/{run_id}").json()["proposals"]
        assert lead.post(f"/api/group-runs/{run_id}/pick", json={"proposal_id": proposals[0]["id"]}).status_code == 200
        first.post(f"/api/group-runs/{run_id}/proposals", json={"text": "I'm sorry you've had to wait so long."})
        second.post(f"/api/group-runs/{run_id}/proposals", json={"text": "What would help most right now?"})
        assert lead.post(f"/api/group-runs/{run_id}/vote", json={"seconds": 600}).status_code == 200
        ended = lead.post("/api/group-runs", json={"cohort_id": cohort, "scenario_id": "gp_reception_appointment"})
        first.post("/api/group-runs/join", json={"code": ended.json()["code"]})
        assert lead.post(f"/api/group-runs/{ended.json()['id']}/end").status_code == 200
    pages = [
        (one, "/group"),
        (one, f"/group/{run_id}"),
        (one, f"/group/{ended.json()['id']}"),
        (facilitator, f"/group/{run_id}"),
        (facilitator, f"/group/{run_id}/screen"),
        (facilitator, f"/facilitate/cohorts/{cohort}"),
    ]
    for options in (
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ):
        contexts = {}
        for who in (one, facilitator):
            contexts[who] = browser.new_context(locale="en-GB", **options)
            sign_in(contexts[who].new_page(), site.base_url, who)
        for who, path in pages:
            page = contexts[who].new_page()
            page.goto(f"{site.base_url}{path}")
            assert page.locator("h1").count() == 1, path
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (path, options)
            assert axe_violations(page, axe_script) == [], (path, options)
            page.close()
        page = contexts[one].new_page()
        page.goto(f"{site.base_url}/group")
        page.get_by_label("Code").fill("NOPE22")
        page.get_by_role("button", name="Join").click()
        assert page.get_by_role("alert").count() == 1
        assert axe_violations(page, axe_script) == [], ("wrong code", options)
        for context in contexts.values():
            context.close()
