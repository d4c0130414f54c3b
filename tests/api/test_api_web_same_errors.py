"""The same failure answers with the same status and code on the JSON API and on the web chat
(its script asking for JSON, or a plain form post asking for a page): both read them from the
exception (``api.exceptions``); the web chooses only the words."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from actions.settings import Settings
from api.auth.tokens import issue_access_token
from api.db import utcnow
from api.exceptions import (
    EngineBusy,
    EngineError,
    EngineFailure,
    EngineReportedError,
    EngineTimeout,
    EngineUnavailable,
    TurnInProgress,
)
from api.models import PracticeSession
from api.web.session import COOKIE

ENGINE_FAILURES = [
    EngineFailure("the Rasa engine could not answer"),
    EngineUnavailable("the Rasa engine is not reachable"),
    EngineBusy(),
    EngineTimeout("the Rasa engine did not answer within 5 s"),
    EngineError("the Rasa engine answered HTTP 500"),
    EngineReportedError("the Rasa engine reported 'no_scenario': no scenario", engine_code="no_scenario"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short wait for another request's turn, so ``turn_in_progress`` comes quickly."""
    return settings.model_copy(update={"turn_lock_wait": 0.2})


def _page_code(page: str) -> str:
    """The code the chat page shows its error under (``data-code`` on the error's paragraph)."""
    found = re.search(r'<div id="chat-error"[^>]*><p data-code="([^"]*)">', page)
    assert found, "the chat page shows no error"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("failure", ENGINE_FAILURES, ids=lambda e: type(e).__name__)
async def test_an_engine_failure_answers_alike_on_the_api_and_the_web_chat(
    client, start, engine, running, learner, failure
):
    answers: dict[str, tuple[int, str, str | None]] = {}

    sid = (await start())["id"]
    engine.turn_failures.append(failure)
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    answers["api"] = (r.status_code, r.json()["error"]["code"], r.headers.get("retry-after"))

    token, _ = issue_access_token(
        user_id=learner.id, token_version=learner.token_version, secret=running.state.secret_key, minutes=30
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running), base_url="http://testserver", cookies={COOKIE: token}
    ) as browser:
        for accept in ("application/json", "text/html"):
            sid = (await start())["id"]
            chat = await browser.get(f"/practise/sessions/{sid}", headers={"accept": "text/html"})
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', chat.text)
            assert csrf, chat.text
            engine.turn_failures.append(failure)
            r = await browser.post(
                f"/practise/sessions/{sid}/turns",
                data={"text": "Hello", "csrf_token": csrf.group(1)},
                headers={"accept": accept},
            )
            code = r.json()["error"]["code"] if accept == "application/json" else _page_code(r.text)
            answers[accept] = (r.status_code, code, r.headers.get("retry-after"))

    expected = (failure.status_code, failure.code, (failure.headers or {}).get("Retry-After"))
    assert answers == {"api": expected, "application/json": expected, "text/html": expected}


async def test_a_refused_reply_is_shown_set_aside_on_the_chat_page(start, engine, running, learner):
    """The page says the reply was set aside (not "try again"), keeps the typed words in the
    box, marks the turn "Not delivered" and takes the next reply."""
    token, _ = issue_access_token(
        user_id=learner.id, token_version=learner.token_version, secret=running.state.secret_key, minutes=30
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running), base_url="http://testserver", cookies={COOKIE: token}
    ) as browser:
        sid = (await start())["id"]
        chat = await browser.get(f"/practise/sessions/{sid}", headers={"accept": "text/html"})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', chat.text)
        assert csrf, chat.text
        engine.turn_failures.append(EngineError("the Rasa engine answered HTTP 500"))
        form = {"text": "/end_session", "csrf_token": csrf.group(1)}
        page = await browser.post(f"/practise/sessions/{sid}/turns", data=form, headers={"accept": "text/html"})
        assert page.status_code == 502
        assert "set aside" in page.text and "Not delivered" in page.text
        assert ">/end_session</textarea>" in page.text  # the words typed stay in the box
        form["text"] = "What happened?"
        page = await browser.post(f"/practise/sessions/{sid}/turns", data=form, headers={"accept": "text/html"})
        assert page.status_code == 303, page.text


async def test_a_turn_in_progress_answers_alike_on_the_api_and_the_web_chat(client, start, running, learner):
    """Another worker holds the session's turn: 409 ``turn_in_progress`` with Retry-After
    everywhere, and the chat page says so and keeps the typed words in the box."""
    sid = (await start())["id"]
    with running.state.sessionmaker() as db:  # what another worker's turn leaves in the row
        db.execute(
            update(PracticeSession)
            .where(PracticeSession.id == sid)
            .values(turn_lease_owner="d3" * 16, turn_lease_until=utcnow() + timedelta(seconds=60))
        )
        db.commit()
    answers: dict[str, tuple[int, str, str | None]] = {}
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    answers["api"] = (r.status_code, r.json()["error"]["code"], r.headers.get("retry-after"))

    token, _ = issue_access_token(
        user_id=learner.id, token_version=learner.token_version, secret=running.state.secret_key, minutes=30
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running), base_url="http://testserver", cookies={COOKIE: token}
    ) as browser:
        chat = await browser.get(f"/practise/sessions/{sid}", headers={"accept": "text/html"})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', chat.text)
        assert csrf, chat.text
        form = {"text": "Hello, I'm the receptionist", "csrf_token": csrf.group(1)}
        for accept in ("application/json", "text/html"):
            r = await browser.post(f"/practise/sessions/{sid}/turns", data=form, headers={"accept": accept})
            code = r.json()["error"]["code"] if accept == "application/json" else _page_code(r.text)
            answers[accept] = (r.status_code, code, r.headers.get("retry-after"))
        assert "still being answered" in html.unescape(r.text)
        assert ">Hello, I&#39;m the receptionist</textarea>" in r.text  # the words typed stay in the box

    expected = (409, "turn_in_progress", (TurnInProgress.headers or {}).get("Retry-After"))
    assert answers == {"api": expected, "application/json": expected, "text/html": expected}
