"""Writing a scenario in the browser, against the real stack: a facilitator with the author
permission copies a built-in scenario, changes its title and a line, saves version 2 and
publishes it to their cohort; a learner of that cohort, in another browser context, finds it
in the catalogue and plays a turn against the real engine, with nothing restarted."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import Site, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e


def grant_author(site: Site, user_id: int) -> None:
    admin, _ = site.account("admin")
    with site.api(admin) as api:
        r = api.patch(f"/api/users/{user_id}", json={"can_author": True})
        assert r.status_code == 200, r.text


def test_an_author_copies_edits_publishes_and_a_learner_plays_it(browser: Browser, site: Site) -> None:
    learner, learner_id = site.account("learner")
    author, author_id = site.account("facilitator")
    site.cohort({learner: (learner_id, "learner"), author: (author_id, "facilitator")})
    grant_author(site, author_id)
    new_id = f"night_wait_{int(time.time() * 1000) % 10_000_000}"
    title = f"Waiting through the night {new_id[-7:]}"

    fac = browser.new_context(locale="en-GB").new_page()
    sign_in(fac, site.base_url, author)
    fac.get_by_role("link", name="Write scenarios").click()
    fac.wait_for_url("**/author")
    fac.get_by_label("Scenario to copy").select_option("gp_reception_appointment")
    fac.get_by_label("Short name for your copy").fill(new_id)
    fac.get_by_role("button", name="Copy and edit").click()
    fac.wait_for_url(re.compile(rf"/author/scenarios/{new_id}\?saved=1$"))
    fac.get_by_label("Title", exact=True).fill(title)
    fac.locator("summary", has_text="Venting").click()
    calm = fac.get_by_label("Venting, calm", exact=True)
    calm.fill(calm.input_value() + "\nworried: I have been sat here since eight this morning.")
    fac.get_by_role("button", name="Save as version 2").click()
    fac.wait_for_url(re.compile(r"version=2&saved=1$"))
    assert "Showing version 2" in fac.locator("main").inner_text()
    fac.locator("#history summary").click()
    assert "lines.vent.calm (+1 line)" in fac.locator("#history").inner_text()
    fac.locator("#publish input[type=checkbox]").first.check()
    fac.get_by_role("button", name="Publish version 2").click()
    fac.wait_for_url(re.compile(r"published=1$"))
    assert "Published" in fac.get_by_role("status").first.inner_text()
    fac.context.close()

    page = browser.new_context(locale="en-GB").new_page()
    sign_in(page, site.base_url, learner)
    card = page.locator("li.card", has_text=title)
    assert card.count() == 1
    card.get_by_role("button", name="Start practising").click()
    page.wait_for_url(re.compile(r"/practise/sessions/[0-9a-f]+$"))
    assert title in page.locator("main").inner_text()
    page.locator("#reply-text").fill("I'm sorry you've been waiting so long. What's worrying you most?")
    page.get_by_role("button", name="Send").click()
    page.locator("#turn-1 .line.patient").first.wait_for(timeout=90_000)
    page.context.close()
