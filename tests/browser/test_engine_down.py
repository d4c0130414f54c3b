"""When the practice patient cannot answer, the learner is told so and keeps what they typed;
sending it again once the engine is back carries on the conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.exceptions import EngineTimeout, EngineUnavailable
from tests.browser.conftest import FakeSite, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, Page

REPLY = "I can hear how long you have waited. What happened this morning?"


def start_chat(page: Page, fake_site: FakeSite) -> None:
    username, _ = fake_site.account("learner")
    sign_in(page, fake_site.base_url, username)
    page.get_by_role("button", name="Start practising").first.click()
    page.wait_for_url("**/practise/sessions/*")


def test_engine_down_shows_the_error_and_keeps_the_typed_words(page: Page, fake_site: FakeSite) -> None:
    start_chat(page, fake_site)
    fake_site.engine.turn_failures.append(EngineUnavailable("connection refused"))
    box = page.get_by_label("Your reply to Mr Test Patient")
    box.fill(REPLY)
    page.get_by_role("button", name="Send").click()
    alert = page.locator("#chat-error")
    alert.wait_for(state="visible")
    assert "not available just now" in alert.inner_text()
    assert box.input_value() == REPLY, "what the learner typed is kept"
    assert page.get_by_role("button", name="Send").is_enabled()

    page.get_by_role("button", name="Send").click()  # the engine is back: the kept reply is retried
    page.locator("#turn-1 .chip").first.wait_for()
    assert page.locator("#turn-1 .learner .words").inner_text() == REPLY
    assert "Patient reply 1." in page.locator("#turn-1").inner_text()
    assert box.input_value() == ""
    assert fake_site.engine.learner_messages() == [REPLY, REPLY]  # delivered again, stored once
    page.reload()
    assert page.locator("li.turn[id^=turn-]").count() == 1


def test_without_javascript_a_timeout_is_shown_on_the_page_with_the_words_kept(
    browser: Browser, fake_site: FakeSite
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        start_chat(page, fake_site)
        fake_site.engine.turn_failures.append(EngineTimeout("slow"))
        page.get_by_label("Your reply to Mr Test Patient").fill(REPLY)
        page.get_by_role("button", name="Send").click()
        assert "took too long" in page.locator("#chat-error").inner_text()
        assert page.get_by_label("Your reply to Mr Test Patient").input_value() == REPLY
        assert "Not answered yet" in page.locator("#turn-1").inner_text()
        page.get_by_role("button", name="Send").click()
        assert "Patient reply 1." in page.locator("#turn-1").inner_text()
        assert "Not answered yet" not in page.content()
    finally:
        context.close()


def test_stepping_away_shows_support_even_when_the_engine_is_down(page: Page, fake_site: FakeSite) -> None:
    start_chat(page, fake_site)
    fake_site.engine.fail_with(EngineUnavailable("connection refused"))
    page.get_by_role("button", name="Step away and get support").click()
    page.get_by_role("heading", name="You stepped away").wait_for()
    assert "Samaritans" in page.content()
    assert "not available just now" in page.locator(".notice-error").inner_text()
