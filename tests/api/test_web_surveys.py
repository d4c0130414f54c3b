"""The confidence and satisfaction pages, without a browser: the questionnaire offered before
the first practice and after the course (never in the way), a refused form keeping what was
chosen, the satisfaction line under the report, and the facilitator's aggregates (a chart, a
table, a CSV), hidden below three learners and never anyone's answers."""

from __future__ import annotations

import re

import pytest

from actions.confidence import load_scale
from tests.api.conftest import csrf
from tests.api.test_api_reviews import practise
from tests.api.test_api_surveys import every, join

ITEMS = [i.id for i in load_scale().items]


@pytest.fixture
def world(world, make_user, client_for, running):
    world.make_user, world.client_for, world.running = make_user, client_for, running
    return world


def checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="item-([a-z_]+)" value="(\d)" checked', html))


async def test_the_learner_is_offered_the_questionnaire_and_a_refused_form_keeps_the_answers(world, browser_for):
    course = world.course["id"]
    lena = browser_for(world.users["lena"])
    for path in ("/practise", "/practise/assignments"):
        page = await lena.get(path)
        assert f'href="/practise/confidence/{course}/pre"' in page.text, path
    form = await lena.get(f"/practise/confidence/{course}/pre")
    assert form.status_code == 200 and "Before the course: how confident do you feel?" in form.text
    assert "Skip this and practise" in form.text and form.text.count('type="radio"') == 5 * len(ITEMS)
    token = csrf(form.text)
    sent = {f"item-{item}": "4" for item in ITEMS[1:]}  # the first left out
    assert (await lena.post(f"/practise/confidence/{course}/pre", data=sent)).status_code == 403  # no CSRF token
    refused = await lena.post(f"/practise/confidence/{course}/pre", data={**sent, "csrf_token": token})
    assert refused.status_code == 422 and "Please check the form" in refused.text
    assert f'aria-describedby="q-{ITEMS[0]}-error"' in refused.text and "Choose an answer for" in refused.text
    assert checked(refused.text) == {item: "4" for item in ITEMS[1:]}  # what was chosen stays chosen
    saved = await lena.post(
        f"/practise/confidence/{course}/pre", data={**sent, f"item-{ITEMS[0]}": "2", "csrf_token": token}
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/practise/confidence?saved=pre"
    mine = await lena.get(saved.headers["location"])
    assert "Thank you: your answers are saved." in mine.text and "Your answers" in mine.text
    assert "2 Slightly confident" in mine.text and "mean 3.71" in mine.text  # (2 + 6 x 4) / 7 = 26/7
    again = await lena.get(f"/practise/confidence/{course}/pre")
    assert checked(again.text) == {ITEMS[0]: "2", **{item: "4" for item in ITEMS[1:]}}
    assert f'href="/practise/confidence/{course}/pre"' not in (await lena.get("/practise")).text  # answered


async def test_the_after_course_questionnaire_opens_from_the_cohort_page(world, browser_for):
    course = world.course["id"]
    lena, fay = browser_for(world.users["lena"]), browser_for(world.users["fay"])
    assert (await lena.get(f"/practise/confidence/{course}/post")).status_code == 409
    page = await fay.get(f"/facilitate/cohorts/{course}")
    assert "Open the after-course questionnaire" in page.text
    opened = await fay.post(
        f"/facilitate/cohorts/{course}/post-questionnaire", data={"open": "1", "csrf_token": csrf(page.text)}
    )
    assert opened.status_code == 303
    page = await fay.get(opened.headers["location"])
    assert "The after-course questionnaire is open" in page.text and "Close the after-course questionnaire" in page.text
    offers = await lena.get("/practise/assignments")
    assert f'href="/practise/confidence/{course}/post"' in offers.text
    assert (await lena.get(f"/practise/confidence/{course}/pre")).status_code == 409
    rae = browser_for(world.users["rae"])  # reviewers do not run the cohort
    r = await rae.post(f"/facilitate/cohorts/{course}/post-questionnaire", data={"open": "0", "csrf_token": "x"})
    assert r.status_code == 403


async def test_the_satisfaction_line_under_the_report(world, engine, browser_for):
    sid = await practise(world, engine)
    lena = browser_for(world.users["lena"])
    report = await lena.get(f"/practise/sessions/{sid}/report")
    assert "How satisfied are you with this practice session?" in report.text and "Save my rating" in report.text
    token = csrf(report.text)
    refused = await lena.post(
        f"/practise/sessions/{sid}/satisfaction", data={"comment": "Felt real.", "csrf_token": token}
    )
    assert refused.status_code == 422 and "Choose a rating from 1 to 5" in refused.text and "Felt real." in refused.text
    too_long = await lena.post(
        f"/practise/sessions/{sid}/satisfaction", data={"rating": "4", "comment": "x" * 300, "csrf_token": token}
    )
    assert too_long.status_code == 422 and "at most 280 characters" in too_long.text
    assert 'value="4" checked' in too_long.text and "x" * 300 in too_long.text
    ok = await lena.post(
        f"/practise/sessions/{sid}/satisfaction", data={"rating": "4", "comment": "Felt real.", "csrf_token": token}
    )
    assert ok.status_code == 303
    report = await lena.get(ok.headers["location"])
    assert "your rating is saved" in report.text and 'value="4" checked' in report.text
    assert "Change my rating" in report.text
    staff = await browser_for(world.users["fay"]).get(f"/practise/sessions/{sid}/report")
    assert staff.status_code == 200 and "Felt real." not in staff.text and "How was this practice?" not in staff.text


async def test_the_cohort_page_shows_the_change_by_hand_and_hides_small_groups(world, engine, browser_for):
    course = world.course["id"]
    fay = browser_for(world.users["fay"])
    await world.lena.put(f"/api/me/confidence/{course}/pre", json=every(2))
    page = await fay.get(f"/facilitate/cohorts/{course}")
    assert "hidden (fewer than 3)" in page.text and 'id="confidence-change-t"' not in page.text
    await join(world, "pia")
    await world.omar.put(f"/api/me/confidence/{course}/pre", json=every(3))
    await world.clients["pia"].put(f"/api/me/confidence/{course}/pre", json=every(2))
    await world.fay.put(f"/api/cohorts/{course}/post-questionnaire", json={"open": True})
    for name, after in (("lena", 3), ("omar", 4), ("pia", 4)):
        await world.clients[name].put(f"/api/me/confidence/{course}/post", json=every(after))
    page = await fay.get(f"/facilitate/cohorts/{course}")
    # before (2 + 3 + 2) / 3 = 2.33, after (3 + 4 + 4) / 3 = 3.67, +1.33, (4/3) / (7/3) = +57.1%
    text = re.sub(r"\s+", " ", page.text)
    assert 'role="img"' in page.text and 'id="confidence-change-t"' in page.text
    assert "Before the course (n=3): 2.33; After the course (n=3): 3.67" in text
    assert "<td>+1.33</td>" in text and "<td>+57.1%</td>" in text
    csv = await fay.get(f"/facilitate/cohorts/{course}/measures.csv")
    assert csv.status_code == 200 and "confidence of learners who answered both: % change,3,57.1," in csv.text
    for name, path in (
        ("fred", f"/facilitate/cohorts/{course}/measures.csv"),
        ("lena", f"/facilitate/cohorts/{course}"),
    ):
        r = await browser_for(world.users[name]).get(path)
        assert r.status_code in (403, 404), name
