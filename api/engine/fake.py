"""An in-memory engine for tests: answers like the Rasa REST channel would, in DESIGN.md's messages.

``FakeEngine`` satisfies ``DialogueEngine``, the interface of ``EngineClient``, so the API runs
on it unchanged; it reads what the API sends with the same formats the client uses to write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from actions.vocabulary import LEVELS
from api.engine.replies import END_SESSION, LEARNER_REPLY, START_SCENARIO, read_intent_message
from api.exceptions import EngineFailure


def patient_line(text: str, *, act: str = "vent", escalation: str = "angry", terminal: bool = False) -> dict[str, Any]:
    return {
        "type": "patient_line",
        "act": act,
        "text": text,
        "escalation": escalation,
        "tension": 20.0 * LEVELS.index(escalation) + 10,
        "opportunity": "frustrated",
        "terminal": terminal,
    }


def score_card(turn: int, quote: str) -> dict[str, Any]:
    return {
        "type": "score_card",
        "turn": turn,
        "move": "open_question",
        "cues": [
            {
                "cue": "open_question",
                "label": "Open question",
                "family": "active_listening",
                "start": 0,
                "end": len(quote),
                "confidence": 0.9,
                "quote": quote,
            }
        ],
        "score": 2.0,
        "escalation_before": "angry",
        "escalation": "upset",
        "tension": 58.0,
        "opportunity": {"emotion": "frustrated", "taken": True},
        "feedback": [f'You asked an open question: "{quote}".'],
        "flags": [],
    }


OUTCOME_TEXT = {
    "de_escalated": "The patient calmed down and felt heard.",
    "escalated": "The conversation broke down.",
    "ended_for_safety": "You ended the conversation to keep yourself safe. That is a skill, and it counts.",
    "abandoned": "The conversation ended before the patient felt settled.",
}


def summary(outcome: str, turns: int) -> dict[str, Any]:
    return {
        "type": "summary",
        "outcome": outcome,
        "outcome_text": OUTCOME_TEXT[outcome],
        "turns": turns,
        "cue_counts": {"open_question": turns},
        "family_counts": {"active_listening": turns},
        "reflection_to_question": None,
        "open_question_share": 1.0,
        "empathic_opportunities": {"offered": 2, "taken": 1, "missed": 1},
        "anti_patterns_per_10_turns": 0.0,
        "done_well": [
            {
                "cue": "open_question",
                "quote": "what happened",
                "text": "You asked an open question: \u201cwhat happened\u201d.",
            },
            {"cue": "name_emotion", "quote": "that sounds hard", "text": "You named the feeling."},
        ],
        "to_try": [{"cue": "name_emotion", "quote": None, "text": "Try naming the feeling you hear."}],
        "support": {
            "heading": "Looking after yourself",
            "text": "Difficult conversations take something out of you.",
            "options": ["Talk to your line manager.", "Samaritans: call 116 123, free, any time, day or night."],
        },
    }


class FakeEngine:
    """Answers like the Rasa REST channel would, from DESIGN.md's message shapes.

    ``fail_with`` queues exceptions raised by the next ``send`` calls (``turn_failures``: by
    the next learner messages only); ``terminal_next`` makes
    the next learner turn end the conversation; ``replies`` overrides the next replies verbatim.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures: list[EngineFailure] = []
        self.turn_failures: list[EngineFailure] = []  # raised only for learner messages
        self.replies: list[list[dict[str, Any]]] = []
        self.turns: dict[str, int] = {}
        self.up = True
        self.terminal_next = False
        self.forgotten: list[str] = []

    def fail_with(self, *errors: EngineFailure) -> None:
        self.failures.extend(errors)

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        self.calls.append((sender, message))
        if self.failures:
            raise self.failures.pop(0)
        if self.replies:
            return self.replies.pop(0)
        intent, entities = read_intent_message(message)  # the API never sends bare text
        if intent == START_SCENARIO:
            self.turns[sender] = 0
            return [patient_line("I've been waiting two hours!")]
        if intent == END_SESSION:
            if entities["reason"] == "safety":
                return [
                    patient_line("Fine, get someone else.", act="handover", terminal=True),
                    summary("ended_for_safety", self.turns.get(sender, 0)),
                ]
            return [summary("abandoned", self.turns.get(sender, 0))]
        if intent != LEARNER_REPLY:
            raise ValueError(f"the fake engine does not know the intent {intent!r}")
        said = str(entities["said"])
        if self.turn_failures:
            raise self.turn_failures.pop(0)
        self.turns[sender] = self.turns.get(sender, 0) + 1
        n = self.turns[sender]
        if self.terminal_next:
            self.terminal_next = False
            return [
                score_card(n, said),
                patient_line("Thank you, really.", act="thank", escalation="calm", terminal=True),
                summary("de_escalated", n),
            ]
        return [score_card(n, said), patient_line(f"Patient reply {n}.", escalation="upset")]

    def forget(self, sender_ids: Sequence[str]) -> int:
        self.forgotten.extend(sender_ids)
        return len(sender_ids)

    async def status(self) -> bool:
        return self.up

    async def aclose(self) -> None:
        pass

    def learner_messages(self) -> list[str]:
        """What the learner said, unwrapped from the API's `/learner_reply{"said": ...}`."""
        said = []
        for _, message in self.calls:
            with suppress(ValueError):  # not an intent message: nothing the learner said
                intent, entities = read_intent_message(message)
                if intent == LEARNER_REPLY:
                    said.append(str(entities["said"]))
        return said
