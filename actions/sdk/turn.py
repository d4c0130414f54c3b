"""Scoring one learner reply and moving the patient by it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.difficulty import difficulty
from actions.feedback import turn_feedback
from actions.patient import EMPATHIC_CUES, next_tension, start_tension
from actions.scoring import get_scorer
from actions.scoring.taxonomy import load_taxonomy
from actions.sdk.conversation import current_scenario, last_patient_line, latest_intent


class ActionScoreTurn(Action):
    """Find the cues in the learner's reply, send the score card, set the patient's new state.

    It always sets `escalation`, even when unchanged, because the dialogue rules read the
    level right after this action to choose the patient's act.
    """

    def name(self) -> str:
        return "action_score_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario = current_scenario(tracker, dispatcher)
        if scenario is None:
            return []
        said = tracker.latest_message.get("text") or ""
        move = latest_intent(tracker)
        previous = last_patient_line(tracker)
        result = get_scorer().score(said, context=previous["text"] if previous else "")
        taxonomy = load_taxonomy()
        cues = [
            {
                "cue": hit.cue,
                "label": taxonomy[hit.cue].label,
                "family": taxonomy[hit.cue].family,
                "weight": taxonomy[hit.cue].weight,
                "start": hit.start,
                "end": hit.end,
                "confidence": round(hit.confidence, 2),
                "quote": result.quote(hit),
            }
            for hit in result.cues
        ]
        found = {cue["cue"] for cue in cues}
        emotion = previous.get("opportunity") if previous else None
        opportunity = {"emotion": emotion, "taken": bool(found & EMPATHIC_CUES)} if emotion else None
        start = start_tension(scenario.start_level)
        tension = tracker.get_slot("tension")
        change = next_tension(
            float(start if tension is None else tension),
            found,
            weights={cue.id: cue.weight for cue in taxonomy},
            sensitivity={cue: scenario.sensitivity_for(cue) for cue in found},
            opportunity_offered=opportunity is not None,
            escalation_rate=difficulty(scenario.difficulty).escalation_rate,
        )
        turn = int(tracker.get_slot("turn_count") or 0) + 1
        dispatcher.utter_message(json_message={
            "type": "score_card",
            "turn": turn,
            "move": move,
            "said": result.text,
            "cues": cues,
            "score": result.score,
            "escalation_before": change.level_before,
            "escalation": change.level_after,
            "tension": change.after,
            "opportunity": opportunity,
            "feedback": turn_feedback(cues, opportunity=opportunity, reply=result.text),
            "flags": list(result.flags),
        })
        return [
            SlotSet("tension", change.after),
            SlotSet("escalation", change.level_after),
            SlotSet("turn_count", float(turn)),
        ]
