"""Keyboard alone: sign in and send a reply with Tab, typing and Enter; the skip link works."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import PASSWORD, Site

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def tab_to(page: Page, matches: str, limit: int = 40) -> None:
    """Press Tab until the focused element satisfies ``matches`` (a JS predicate on it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {matches})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


def test_sign_in_and_send_a_reply_with_the_keyboard_only(page: Page, site: Site) -> None:
    username, _ = site.account("learner")
    page.goto(f"{site.base_url}/sign-in")
    tab_to(page, "el.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/practise")

    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Start practising'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))

    tab_to(page, "el.id === 'reply-text'")
    page.keyboard.type("I can see this has really upset you. Can you tell me what happened?")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "send-button"
    page.keyboard.press("Enter")
    page.locator("#turn-1 .line.patient").first.wait_for(timeout=90_000)
    assert page.locator("#turn-1 .chip").count() >= 1
    assert page.evaluate("document.activeElement.id") == "reply-text", "focus returns to the reply box"
