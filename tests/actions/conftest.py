"""Trackers built from data, as Rasa's reference assistants test their actions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

SCENARIO = "gp_reception_appointment"


def bot_event(custom: dict[str, Any]) -> dict[str, Any]:
    """A patient message as it appears in the tracker after the action server sent it."""
    return {"event": "bot", "text": None, "data": {"custom": custom}}


def make_tracker(
    *,
    text: str = "",
    intent: str = "learner_reply",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    base_slots = {
        "scenario_id": SCENARIO,
        "seed": "7",
        "escalation": "angry",
        "tension": 70.0,
        "need_disclosed": False,
        "turn_count": 0.0,
        "outcome": None,
        "end_reason": None,
    }
    entities = list(entities or [])
    message = text
    if intent == "learner_reply":  # as the API sends it: the words ride as entity `said`
        message = "/learner_reply" + json.dumps({"said": text})
        entities.append({"entity": "said", "value": text})
    return Tracker(
        sender_id="test-session",
        slots={**base_slots, **(slots or {})},
        latest_message={"text": message, "intent": {"name": intent, "confidence": 1.0}, "entities": entities},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def custom(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]
