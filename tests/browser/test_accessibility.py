"""Every page (the list is practice/demo.py's, the same the screenshots walk) passes axe-core with
no serious or critical violation, loads nothing from another host, and has one h1; the chat
and the report are also checked on a phone-sized screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from actions.vocabulary import COHORT_ROLES
from practice.commands.screenshots import signed_in
from tests.browser.conftest import axe_violations

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, BrowserContext, Page

    from practice.demo import Demo

pytestmark = pytest.mark.e2e


def signed_in_contexts(browser: Browser, demo: Demo, **options: Any) -> dict[str, BrowserContext]:
    return {role: signed_in(browser, demo, role, **options) for role in (*COHORT_ROLES, "")}


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


def test_the_chat_and_report_pass_axe_on_a_phone(browser: Browser, demo: Demo, axe_script: Path) -> None:
    contexts = signed_in_contexts(browser, demo, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        for path in (f"/practise/sessions/{demo.active_id}", f"/practise/sessions/{demo.finished_id}/report"):
            page = contexts["learner"].new_page()
            page.goto(f"{demo.api_url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
            assert axe_violations(page, axe_script) == [], path
            page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()
