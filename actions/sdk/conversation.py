"""Reading a conversation back out of a Rasa tracker: scenario, patient lines, score cards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.scenarios import Scenario, ScenarioError, load_library


def custom_messages(events: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The custom JSON messages of one `type` the patient side has sent so far, in order."""
    found = []
    for event in events:
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom")
        if isinstance(custom, dict) and custom.get("type") == kind:
            found.append(custom)
    return found


def last_patient_line(tracker: Tracker) -> dict[str, Any] | None:
    lines = custom_messages(tracker.events, "patient_line")
    return lines[-1] if lines else None


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the learner's latest message, as classified (or sent as `/intent`)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def learner_words(tracker: Tracker) -> str:
    """What the learner said this turn. The API sends it as the `said` entity of the
    `learner_reply` intent (DESIGN.md), so the words are never classified by Rasa and can
    never be read as an intent; the move comes from the cue scorer's reading."""
    return entity_value(tracker, "said") or ""


def entity_value(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"])
    return None


def current_scenario(tracker: Tracker, dispatcher: CollectingDispatcher) -> Scenario | None:
    """The session's scenario; if the engine has lost it, tell the client instead of guessing."""
    scenario_id = tracker.get_slot("scenario_id")
    try:
        scenario = load_library().get(scenario_id) if scenario_id else None
    except ScenarioError as error:
        send_error(dispatcher, "scenario_invalid", str(error))
        return None
    if scenario is None:
        send_error(
            dispatcher,
            "no_scenario",
            "This practice session has no scenario on the engine (it may have been restarted or the "
            f"scenario {scenario_id!r} removed). Start a new session.",
        )
    return scenario


def send_error(dispatcher: CollectingDispatcher, code: str, message: str) -> None:
    dispatcher.utter_message(json_message={"type": "error", "code": code, "message": message})
