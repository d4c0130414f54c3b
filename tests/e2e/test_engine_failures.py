"""A server going down loses nothing: the learner's words are kept and can be retried."""

from __future__ import annotations

import httpx
import pytest

from practice.supervisor import Stack
from tests.e2e.conftest import Conversation, Converse

pytestmark = pytest.mark.e2e

REPLY = "I can see how upset you are. Can you tell me what happened?"


def pending_turns(api: httpx.Client, session_id: str) -> list[dict]:
    transcript = api.get(f"/api/sessions/{session_id}").json()
    return [turn for turn in transcript["turns"] if turn["status"] == "pending"]


@pytest.mark.parametrize(("server", "statuses"), [("action server", (502, 503, 504)), ("Rasa server", (503,))])
def test_a_turn_survives_a_server_going_down(
    stack: Stack,
    converse: Converse,
    api: httpx.Client,
    server: str,
    statuses: tuple[int, ...],
) -> None:
    chat: Conversation = converse("ward_relative_news")
    session_id = chat.session["id"]
    stack.stop_service(server)
    try:
        failed = api.post(f"/api/sessions/{session_id}/turns", json={"text": REPLY})
        assert failed.status_code in statuses, failed.text
        error = failed.json()["error"]
        assert error["message"] and "retry" in error["message"].lower()
        [kept] = pending_turns(api, session_id)
        assert kept["learner_text"] == REPLY
        blocked = api.post(f"/api/sessions/{session_id}/turns", json={"text": "Something else"})
        assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "turn_pending"
    finally:
        stack.start_service(server)
    retried = api.post(f"/api/sessions/{session_id}/turns/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["turn"]["patient_lines"]
    transcript = api.get(f"/api/sessions/{session_id}").json()
    assert [turn["learner_text"] for turn in transcript["turns"]] == [REPLY]
    assert not pending_turns(api, session_id)
