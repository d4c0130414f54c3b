"""A learner's journeys through the real stack (trained Rasa model, action server, API):
sign in, choose a scenario with a filter, practise it to the end, read the report, find it in
history; step away for safety; and the chat on a phone-sized screen."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from practice.demo import WELL_HANDLED
from tests.browser.conftest import Site, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e


def test_practise_a_whole_scenario_read_the_report_and_find_it_in_history(page: Page, site: Site) -> None:
    username, _ = site.account("learner")
    sign_in(page, site.base_url, username)
    assert page.url.endswith("/practise")
    page.get_by_label("Staff role").select_option("receptionist")
    page.get_by_label("Setting").select_option("GP surgery reception")
    page.get_by_role("button", name="Show scenarios").click()
    cards = page.locator("li.card")
    assert cards.count() == 1
    assert "Cancelled appointment" in cards.first.inner_text()
    cards.first.get_by_role("button", name="Start practising").click()
    page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))
    assert page.locator("#meter meter").count() == 1
    opening_level = page.locator("#meter .level").inner_text()

    box = page.locator("#reply-text")
    for n, reply in enumerate(WELL_HANDLED, start=1):
        box.fill(reply)
        page.get_by_role("button", name="Send").click()
        page.locator(f"#turn-{n} .line.patient").first.wait_for(timeout=90_000)
        assert page.locator(f"#turn-{n} .chip").count() >= 1, "feedback chips for every reply"
        assert page.locator(f"#turn-{n} mark").count() >= 1, "the learner's own words are highlighted"
        if page.locator("#ended-panel").is_visible():
            break
    assert page.locator("#meter .level").inner_text() != "" and opening_level
    if page.locator("#ended-panel").is_visible():
        page.get_by_role("link", name="See your report").click()
    else:
        page.get_by_role("button", name="Finish and see my report").click()
    page.wait_for_url("**/report")
    assert page.get_by_role("heading", name=re.compile("^Outcome:")).is_visible()
    assert page.locator("svg.chart[role=img]").count() == 1
    assert page.get_by_role("heading", name="What to try next time").is_visible()
    assert page.get_by_role("heading", name="Looking after yourself").is_visible()
    assert "Samaritans" in page.locator(".support").inner_text()
    report_url = page.url

    page.get_by_role("link", name="History", exact=True).click()
    page.wait_for_url("**/practise/history")
    assert page.locator("svg#progress, svg.chart").count() >= 1
    page.locator("table.sessions a", has_text="Report").first.click()
    assert page.url == report_url


def test_stepping_away_ends_the_session_for_safety_and_shows_support(page: Page, site: Site) -> None:
    username, _ = site.account("learner")
    sign_in(page, site.base_url, username)
    page.get_by_label("Setting").select_option(index=1)
    page.get_by_role("button", name="Show scenarios").click()
    page.get_by_role("button", name="Start practising").first.click()
    page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))
    page.get_by_role("button", name="Step away and get support").click()
    page.wait_for_url("**/step-away")
    assert page.get_by_role("heading", name="You stepped away").is_visible()
    assert "to keep yourself safe" in page.locator(".notice-done").inner_text()
    assert "116 123" in page.locator(".support").inner_text()
    page.get_by_role("link", name="See your report").click()
    assert "You stepped away to stay safe" in page.get_by_role("heading", name=re.compile("^Outcome:")).inner_text()


def test_the_chat_works_on_a_phone_sized_screen(browser: Browser, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    try:
        username, _ = site.account("learner")
        sign_in(page, site.base_url, username)
        page.get_by_role("button", name="Start practising").first.click()
        page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))
        no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth + 1"
        assert page.evaluate(no_sideways_scroll)
        page.locator("#reply-text").fill("I'm sorry you've had such a difficult time. What would help most right now?")
        page.get_by_role("button", name="Send").click()
        page.locator("#turn-1 .line.patient").first.wait_for(timeout=90_000)
        assert page.evaluate(no_sideways_scroll)
        for button in (
            page.locator("#send-button"),
            page.locator("#step-away"),
            page.locator("#turn-form").get_by_role("button", name="Step away and get support"),
        ):
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 36
    finally:
        context.close()
