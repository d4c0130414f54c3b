"""Facilitators and reviewers in the browser, against the real stack: a facilitator assigns a
scenario and the learner sees it; a reviewer comments on a turn and corrects a cue, and the
learner reads the comment with their transcript."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from practice.demo import WELL_HANDLED
from tests.browser.conftest import Site, sign_in

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e


def test_a_facilitator_assigns_a_scenario_and_the_learner_sees_it(browser: Browser, site: Site) -> None:
    learner, learner_id = site.account("learner")
    facilitator, facilitator_id = site.account("facilitator")
    cohort = site.cohort({learner: (learner_id, "learner"), facilitator: (facilitator_id, "facilitator")})
    due = (datetime.now(UTC) + timedelta(days=5)).date()

    fac = browser.new_context(locale="en-GB").new_page()
    sign_in(fac, site.base_url, facilitator)
    assert fac.url.endswith("/facilitate")
    fac.locator(f"a[href='/facilitate/cohorts/{cohort}']").click()
    fac.get_by_role("link", name="New assignment").click()
    fac.get_by_role("button", name="Save assignment").click()  # nothing chosen: the form says what is missing
    assert "choose at least one scenario" in fac.get_by_role("alert").inner_text().lower()
    fac.get_by_label(re.compile("^Cancelled appointment")).check()
    fac.get_by_label("Due date").fill(due.isoformat())
    fac.get_by_label("Finished attempts needed per scenario").fill("2")
    fac.get_by_label("Note for learners (optional)").fill("Practise this before Thursday, please.")
    fac.get_by_role("button", name="Save assignment").click()
    fac.wait_for_url(re.compile(r"/facilitate/assignments/\d+\?created=1$"))
    assert "Assignment set" in fac.get_by_role("status").first.inner_text()
    row = fac.locator("table.completion tbody tr", has_text=learner)
    assert "Not started" in row.inner_text()
    fac.get_by_label("Status").select_option("done")
    fac.get_by_role("button", name="Filter").click()
    assert "No learner matches" in fac.locator("table.completion").inner_text()
    with fac.expect_download() as download:
        fac.get_by_role("link", name="Download CSV").click()
    assert learner in download.value.path().read_text()
    fac.get_by_role("link", name="Change the assignment").click()
    fac.get_by_label("Finished attempts needed per scenario").fill("1")
    fac.get_by_role("button", name="Save assignment").click()
    assert "Changes saved" in fac.get_by_role("status").first.inner_text()
    fac.context.close()

    page = browser.new_context(locale="en-GB").new_page()
    sign_in(page, site.base_url, learner)
    page.get_by_role("link", name="My assignments").click()
    card = page.locator("li.assignment")
    assert card.count() == 1
    text = card.inner_text()
    assert "Not started" in text and "Practise this before Thursday, please." in text
    assert "0 of 1 done" in text
    page.context.close()


def test_a_reviewer_comments_and_corrects_and_the_learner_sees_the_comment(browser: Browser, site: Site) -> None:
    learner, learner_id = site.account("learner")
    reviewer, reviewer_id = site.account("reviewer")
    site.cohort({learner: (learner_id, "learner"), reviewer: (reviewer_id, "reviewer")})
    with site.api(learner) as api:
        session = api.post("/api/sessions", json={"scenario_id": "gp_reception_appointment"}).json()
        for text in WELL_HANDLED[:2]:
            assert api.post(f"/api/sessions/{session['id']}/turns", json={"text": text}).status_code == 200
        api.post(f"/api/sessions/{session['id']}/end", json={"reason": "finished"})

    rev = browser.new_context(locale="en-GB").new_page()
    sign_in(rev, site.base_url, reviewer)
    assert rev.url.endswith("/review")
    rev.locator("table tbody tr", has_text=learner).get_by_role("link", name=re.compile("^Review")).click()
    rev.wait_for_url(f"**/review/sessions/{session['id']}")
    assert rev.locator("#turn-1 mark").count() >= 1, "cues are highlighted per turn"
    comment = "You named the frustration straight away. Next time, pause after it."
    rev.get_by_label("Comment on reply 1").fill(comment)
    rev.get_by_role("button", name="Save comment on reply 1").click()
    assert "Comment saved" in rev.get_by_role("status").first.inner_text()
    wrong = rev.locator(".review-tools").first.get_by_role("button", name=re.compile("^Mark .* wrong"))
    wrong.first.click()
    assert "Correction saved" in rev.get_by_role("status").first.inner_text()
    assert "marked wrong" in rev.locator(".corrections").first.inner_text()
    rev.get_by_label("Cue the scorer missed").first.select_option("summarise")
    rev.locator(".review-tools").first.get_by_role("button", name=re.compile("^Add missed cue")).click()
    assert (
        "Summary: marked missed" in rev.locator(".corrections").first.inner_text()
        or "missed (it is there)" in rev.locator(".corrections").first.inner_text()
    )
    rev.context.close()

    page = browser.new_context(locale="en-GB").new_page()
    sign_in(page, site.base_url, learner)
    page.get_by_role("link", name="History", exact=True).click()
    assert comment in page.locator(".comment-list").inner_text()
    page.get_by_role("link", name="Read it with your conversation").click()
    page.wait_for_url(f"**/practise/sessions/{session['id']}/report*")
    assert comment in page.locator("li.comments").inner_text()
    page.context.close()
