"""Starting a scenario and summarising a finished session."""

from __future__ import annotations

import random
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.patient import choose_line_index, level_for, outcome_for, start_tension
from actions.scenarios import ScenarioError, load_library
from actions.sdk.conversation import current_scenario, custom_messages, entity_value, latest_intent, send_error
from actions.summary import summarise
from actions.vocabulary import END_REASONS


class ActionStartScenario(Action):
    """Set the patient up from the scenario file and say the opening line."""

    def name(self) -> str:
        return "action_start_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario_id = entity_value(tracker, "scenario_id")
        seed = entity_value(tracker, "seed") or str(random.randrange(1_000_000))
        try:
            scenario = load_library().get(scenario_id or "")
        except ScenarioError as error:
            send_error(dispatcher, "scenario_invalid", str(error))
            return []
        if scenario is None:
            send_error(dispatcher, "unknown_scenario", f"There is no scenario with id {scenario_id!r}.")
            return []
        tension = start_tension(scenario.start_level)
        line = scenario.opening[choose_line_index(len(scenario.opening), seed=seed, turn=0, act="opening")]
        dispatcher.utter_message(
            json_message={
                "type": "patient_line",
                "act": "opening",
                "text": line.text,
                "escalation": scenario.start_level,
                "tension": tension,
                "opportunity": line.opportunity,
                "terminal": False,
            }
        )
        return [
            SlotSet("scenario_id", scenario.id),
            SlotSet("seed", seed),
            SlotSet("escalation", scenario.start_level),
            SlotSet("tension", tension),
            SlotSet("need_disclosed", False),
            SlotSet("turn_count", 0.0),
            SlotSet("outcome", None),
            SlotSet("end_reason", None),
        ]


class ActionSessionSummary(Action):
    """Decide the outcome and send the end-of-session report."""

    def name(self) -> str:
        return "action_session_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario = current_scenario(tracker, dispatcher)
        if scenario is None:
            return []
        reason = entity_value(tracker, "reason") if latest_intent(tracker) == "end_session" else None
        start = start_tension(scenario.start_level)
        slot = tracker.get_slot("tension")
        tension = start if slot is None else float(slot)  # 0.0 is a real tension: fully calm
        outcome = outcome_for(
            terminal_outcome=tracker.get_slot("outcome"),
            end_reason=reason if reason in END_REASONS else None,
            start=start,
            tension=tension,
        )
        cards = custom_messages(tracker.events, "score_card")
        summary = summarise(cards, outcome=outcome, skills=scenario.skills)
        summary["final_escalation"] = level_for(tension)
        summary["need_disclosed"] = bool(tracker.get_slot("need_disclosed"))
        dispatcher.utter_message(json_message=summary)
        return [SlotSet("outcome", outcome), SlotSet("end_reason", reason or "finished")]
