"""What-if from any turn through the real stack: for every scenario in the library, a branch of
a short finished conversation replays the replies before the branching point byte for byte
(the opening, each patient line, each score card), then takes a different reply."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from actions.scenarios import load_library
from tests.e2e.conftest import Converse

pytestmark = pytest.mark.e2e

LIBRARY = sorted(key for key in load_library() if "__" not in key)  # built-in scenarios
REPLIES = [
    "Hello, my name is Sam, I'm here to help.",
    "Can you tell me what has happened?",
    "That sounds really worrying.",
]
DIFFERENT = "I understand. What would help most right now?"


def exact(value: Any) -> str:
    """The bytes a client reads for ``value`` (key order as the API sends it)."""
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("scenario_id", LIBRARY)
def test_a_branch_replays_the_turns_before_it_byte_identical(scenario_id: str, converse: Converse, api: httpx.Client):
    chat = converse(scenario_id)
    for reply in REPLIES:
        chat.say(reply)
        if chat.ended:
            break
    chat.end()
    original = api.get(f"/api/sessions/{chat.session['id']}").json()
    k = len(original["turns"])
    assert k >= 2, f"{scenario_id}: ended after {k} reply, nothing to replay"

    response = api.post(f"/api/sessions/{original['id']}/branches", json={"turn": k})
    assert response.status_code == 201, response.text
    branch = api.get(f"/api/sessions/{response.json()['id']}").json()
    assert (branch["branch_of"], branch["branch_turn"], branch["seed"]) == (original["id"], k, original["seed"])
    assert exact(branch["opening"]) == exact(original["opening"])
    assert len(branch["turns"]) == k - 1
    for then, now in zip(original["turns"][: k - 1], branch["turns"], strict=True):
        assert now["learner_text"] == then["learner_text"]
        assert exact(now["patient_lines"]) == exact(then["patient_lines"]), (scenario_id, then["index"])
        assert exact(now["score_card"]) == exact(then["score_card"]), (scenario_id, then["index"])

    # ... and from reply k on, it is the learner's new conversation.
    response = api.post(f"/api/sessions/{branch['id']}/turns", json={"text": DIFFERENT})
    assert response.status_code == 200, response.text
    assert response.json()["turn"]["index"] == k
    assert response.json()["turn"]["learner_text"] == DIFFERENT
    api.post(f"/api/sessions/{branch['id']}/end", json={"reason": "finished"})
