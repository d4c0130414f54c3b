"""The web side of "Try a different reply here": the report's buttons, the branch's chat and its
then-and-now report with the two-line tension chart and its table."""

from __future__ import annotations

import re

from tests.api.conftest import csrf
from tests.api.test_api_branches import REPLIES, finished

ORIGIN = {"origin": "http://testserver"}


async def test_from_the_report_a_learner_tries_a_different_reply_and_sees_then_and_now(
    client, start, browser_for, learner
):
    original = await finished(client, start)
    b = browser_for(learner)
    report = await b.get(f"/practise/sessions/{original['id']}/report")
    assert report.status_code == 200
    assert report.text.count("Try a different reply here</button>") == 3
    assert 'name="turn" value="2"' in report.text

    r = await b.post(
        f"/practise/sessions/{original['id']}/branches",
        data={"turn": "2", "csrf_token": csrf(report.text)},
        headers=ORIGIN,
    )
    assert r.status_code == 303, r.text
    branch_id = r.headers["location"].removeprefix("/practise/sessions/")
    chat = await b.get(r.headers["location"])
    assert chat.status_code == 200
    assert "trying a different reply from reply 2" in chat.text
    assert f'href="/practise/sessions/{original["id"]}/report"' in chat.text
    assert REPLIES[0] in chat.text and REPLIES[1] not in chat.text

    r = await b.post(
        f"/practise/sessions/{branch_id}/turns",
        data={"text": "Tell me what you need today.", "csrf_token": csrf(chat.text)},
        headers=ORIGIN,
    )
    assert r.status_code == 303
    chat = await b.get(f"/practise/sessions/{branch_id}")
    r = await b.post(
        f"/practise/sessions/{branch_id}/end",
        data={"reason": "finished", "csrf_token": csrf(chat.text)},
        headers=ORIGIN,
    )
    assert r.status_code == 303
    page = await b.get(f"/practise/sessions/{branch_id}/report")
    assert page.status_code == 200
    text = page.text
    assert "Then and now, from reply 2" in text
    assert f'href="/practise/sessions/{original["id"]}/report"' in text
    assert 'role="img"' in text and 'id="then-now-t"' in text and "<polyline" in text and "stroke-dasharray" in text
    desc = re.search(r'<desc id="then-now-d">([^<]*)</desc>', text)
    assert desc is not None  # the chart's numbers in words: both lines start from the same tension
    assert desc.group(1) == "Then: before 2 58, reply 2 58, reply 3 58; Now: before 2 58, reply 2 58, reply 3 none"
    table = text[text.index("<table>", text.index("then-now-heading")) :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row">(\d+)</th>', table)
    assert rows == ["2", "3"]  # the branch's reply 2, and the original's reply 3 (the branch had ended)
    assert REPLIES[1] in table and "Tell me what you need today." in table and REPLIES[2] in table
    assert "Open question" in table and "Tension after:" in table and "The conversation had ended." in table

    again = await b.get(f"/practise/sessions/{original['id']}/report")
    assert "Tried differently" in again.text and f"/practise/sessions/{branch_id}/report" in again.text


async def test_staff_reading_a_report_get_no_try_again_button_and_cannot_branch(world, browser_for, start):
    original = await finished(world.lena, start)
    fay = browser_for(world.users["fay"])
    page = await fay.get(f"/practise/sessions/{original['id']}/report")
    assert page.status_code == 200
    assert "Try a different reply here" not in page.text
    r = await fay.post(
        f"/practise/sessions/{original['id']}/branches",
        data={"turn": "1", "csrf_token": csrf(page.text)},
        headers=ORIGIN,
    )
    assert r.status_code == 404


async def test_a_bad_turn_from_the_page_is_a_clear_error(client, start, browser_for, learner):
    original = await finished(client, start)
    b = browser_for(learner)
    report = await b.get(f"/practise/sessions/{original['id']}/report")
    r = await b.post(
        f"/practise/sessions/{original['id']}/branches",
        data={"turn": "9", "csrf_token": csrf(report.text)},
        headers=ORIGIN,
    )
    assert r.status_code == 422
    assert "choose 1 to 3" in r.text
