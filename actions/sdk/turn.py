"""Scoring one learner reply and moving the patient by it.

One reading: the cue scorer's result gives the feedback (the score card), the change in
tension, and the move the patient reacts to (the `move` slot the dialogue rules read).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.difficulty import difficulty
from actions.patient import next_tension, start_tension
from actions.reply_card import read_reply
from actions.scoring import get_scorer
from actions.scoring.moves import OUT_OF_SCOPE
from actions.scoring.taxonomy import load_taxonomy
from actions.sdk.conversation import current_scenario, last_patient_line, learner_words


class ActionScoreTurn(Action):
    """Find the cues in the learner's reply, send the score card, set the patient's new state.

    It always sets `move` and `escalation`, even when unchanged, because the dialogue rules
    read both right after this action to choose the patient's act. Cues below the confidence
    floor are tentative: shown as "possibly", they move the tension by a fraction of their
    weight (data/cues/moves.yml).
    """

    def name(self) -> str:
        return "action_score_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario = current_scenario(tracker, dispatcher)
        if scenario is None:
            return []
        said = learner_words(tracker)
        reading = read_reply(said, last_patient_line(tracker))
        result, cues, tentative, opportunity = reading.result, reading.cues, reading.tentative, reading.opportunity
        scorer = get_scorer()
        move = result.move
        found = reading.found
        taxonomy = load_taxonomy()
        start = start_tension(scenario.start_level)
        tension = tracker.get_slot("tension")
        change = next_tension(
            float(start if tension is None else tension),
            found,
            weights={
                cue.id: cue.weight * (scorer.moves.tentative_weight if cue.id in tentative else 1.0) for cue in taxonomy
            },
            sensitivity={cue: scenario.sensitivity_for(cue) for cue in found},
            opportunity_offered=opportunity is not None,
            escalation_rate=difficulty(scenario.difficulty).escalation_rate,
        )
        turn = int(tracker.get_slot("turn_count") or 0) + 1
        dispatcher.utter_message(
            json_message={
                "type": "score_card",
                "turn": turn,
                "move": move.id if move else OUT_OF_SCOPE,
                "move_tentative": bool(move and move.tentative),
                "move_cue": move.cue if move else None,
                "said": result.text,
                "cues": cues,
                "questions": reading.questions,
                "score": result.score,
                "escalation_before": change.level_before,
                "escalation": change.level_after,
                "tension": change.after,
                "opportunity": opportunity,
                "feedback": reading.feedback,
                "flags": list(result.flags),
                "scorer": reading.scorer,
            }
        )
        return [
            SlotSet("move", move.id if move else OUT_OF_SCOPE),
            SlotSet("tension", change.after),
            SlotSet("escalation", change.level_after),
            SlotSet("turn_count", float(turn)),
        ]
