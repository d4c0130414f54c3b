"""With the Content-Security-Policy on (api/security_headers.py), Chromium refuses nothing on
any page (the list is practice/demo.py's, as each page's role sees it), nor while the chat's
script sends a reply and inserts the answer, nor on the Swagger UI's page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from practice.commands.screenshots import signed_in
from tests.browser.conftest import Site, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, Page

    from practice.demo import Demo

pytestmark = pytest.mark.e2e

# Every violation the page itself sees, from its first script on (init scripts run before the page's).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    """CSP violations on a page: its own ``securitypolicyviolation`` events and Chromium's console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(text)

    def violations(self) -> list[str]:
        return [*self.page.evaluate("window.__cspViolations || []"), *self.console]


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, Watch]]:
    yield page, Watch(page)


def test_no_page_breaks_the_policy(browser: Browser, demo: Demo) -> None:
    roles = {page.who for page in demo.pages()}
    contexts = {role: signed_in(browser, demo, role, viewport={"width": 1280, "height": 900}) for role in roles}
    problems: dict[str, list[str]] = {}
    try:
        for page_info in demo.pages():
            page = contexts[page_info.who].new_page()
            watch = Watch(page)
            response = page.goto(f"{demo.api_url}{page_info.path}", wait_until="load")
            assert response is not None
            assert "default-src 'self'" in response.headers["content-security-policy"], page_info
            page.wait_for_timeout(200)  # let deferred scripts and late reports arrive
            if found := watch.violations():
                problems[page_info.name] = found
            page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()
    assert not problems, problems


def test_the_chat_script_inserts_replies_within_the_policy(watched: tuple[Page, Watch], site: Site) -> None:
    page, watch = watched
    username, _ = site.account("learner")
    sign_in(page, site.base_url, username)
    page.get_by_role("button", name="Start practising").first.click()
    page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))
    page.locator("#reply-text").fill("I'm sorry, that sounds really frustrating. Can you tell me what happened?")
    page.get_by_role("button", name="Send").click()
    page.locator("#turn-1 .line.patient").first.wait_for(timeout=90_000)
    page.get_by_role("button", name="Send").click()  # empty: the script shows its own error message
    assert page.locator("#chat-error").is_visible()
    assert watch.violations() == []


def test_the_api_docs_run_their_own_inline_script_by_hash(watched: tuple[Page, Watch], site: Site) -> None:
    """Swagger UI's start-up script is allowed by its hash (its bundle comes from a CDN, which
    may be unreachable here: a failed download is not a policy violation)."""
    page, watch = watched
    page.goto(f"{site.base_url}/docs", wait_until="load")
    page.wait_for_timeout(500)
    assert [v for v in watch.violations() if "script" in v.lower() and "inline" in v.lower()] == []
