"""The patient's acts: each says this scenario's line for the act at the current level.

The dialogue model chooses the act; the scenario file supplies the words. One class per act
keeps the action names explicit for the domain, while the behaviour lives in `PatientAct`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.patient import choose_line_index
from actions.sdk.conversation import current_scenario, custom_messages


class PatientAct:
    """Say a line for `act` at the patient's escalation level, varied across the session.

    A mixin, not an `Action`: the SDK registers every concrete `Action` subclass it finds,
    and this base has no act of its own.
    """

    act: ClassVar[str]
    terminal_outcome: ClassVar[str | None] = None

    def name(self) -> str:
        return f"action_patient_{self.act}"

    def extra_events(self) -> list[EventType]:
        if self.terminal_outcome:
            return [SlotSet("outcome", self.terminal_outcome)]
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario = current_scenario(tracker, dispatcher)
        if scenario is None:
            return []
        level = tracker.get_slot("escalation") or scenario.start_level
        lines = scenario.lines_for(self.act, level)
        said_before = {m["text"] for m in custom_messages(tracker.events, "patient_line")}
        used = [i for i, line in enumerate(lines) if line.text in said_before]
        index = choose_line_index(
            len(lines),
            seed=str(tracker.get_slot("seed") or "0"),
            turn=int(tracker.get_slot("turn_count") or 0),
            act=self.act,
            used=used,
        )
        line = lines[index]
        dispatcher.utter_message(json_message={
            "type": "patient_line",
            "act": self.act,
            "text": line.text,
            "escalation": level,
            "tension": tracker.get_slot("tension"),
            "opportunity": line.opportunity,
            "terminal": self.terminal_outcome is not None,
        })
        return self.extra_events()


class Vent(PatientAct, Action):
    act = "vent"


class Accuse(PatientAct, Action):
    act = "accuse"


class Demand(PatientAct, Action):
    act = "demand"


class DiscloseNeed(PatientAct, Action):
    act = "disclose_need"

    def extra_events(self) -> list[EventType]:
        return [SlotSet("need_disclosed", True)]


class Soften(PatientAct, Action):
    act = "soften"


class Accept(PatientAct, Action):
    act = "accept"


class Escalate(PatientAct, Action):
    act = "escalate"


class WalkOut(PatientAct, Action):
    act = "walk_out"
    terminal_outcome = "escalated"


class Thank(PatientAct, Action):
    act = "thank"
    terminal_outcome = "de_escalated"


class Answer(PatientAct, Action):
    act = "answer"


class Confused(PatientAct, Action):
    act = "confused"


class Handover(PatientAct, Action):
    act = "handover"
    terminal_outcome = "ended_for_safety"
