"""The patient's acts: each says this scenario's line for the act at the current level.

The dialogue model chooses the act; the scenario file supplies the words. One class per act
keeps the action names explicit for the domain, while the behaviour lives in `PatientAct`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.difficulty import difficulty, listening_replies, performed_act
from actions.facts import load_topics
from actions.patient import TERMINAL_OUTCOMES
from actions.patient_reply import patient_reply
from actions.sdk.conversation import current_scenario, custom_messages


def act_events(act: str) -> list[EventType]:
    """The slots the patient's performed act sets."""
    if act in TERMINAL_OUTCOMES:
        return [SlotSet("outcome", TERMINAL_OUTCOMES[act])]
    if act == "disclose_need":
        return [SlotSet("need_disclosed", True)]
    return []


class PatientAct:
    """Say a line for `act` at the patient's escalation level, varied across the session, or
    answer what the learner asked (`actions.patient_reply`).

    The scenario's difficulty profile may hold a chosen act back (`actions.difficulty`): the
    need stays hidden until the learner has listened enough, and a boundary may be pushed
    against. The line, the message's `act` and the slots then follow the act performed,
    `chosen` records what the dialogue model picked, and the patient then waits for the
    learner (an explicit follow-up, since the model would expect the chosen act's slots).

    A mixin, not an `Action`: the SDK registers every concrete `Action` subclass it finds,
    and this base has no act of its own.
    """

    act: ClassVar[str]

    def name(self) -> str:
        return f"action_patient_{self.act}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        scenario = current_scenario(tracker, dispatcher)
        if scenario is None:
            return []
        level = tracker.get_slot("escalation") or scenario.start_level
        cards = custom_messages(tracker.events, "score_card")
        profile = difficulty(scenario.difficulty)
        act = performed_act(self.act, level=level, cards=cards, profile=profile)
        reply = patient_reply(
            scenario,
            act=act,
            level=level,
            card=cards[-1] if cards else None,
            history=custom_messages(tracker.events, "patient_line"),
            need_open=bool(tracker.get_slot("need_disclosed"))
            or listening_replies(cards) >= profile.listening_before_need,
            seed=str(tracker.get_slot("seed") or "0"),
            turn=int(tracker.get_slot("turn_count") or 0),
            lexicon=load_topics(),
        )
        dispatcher.utter_message(
            json_message={
                "type": "patient_line",
                "act": act,
                "chosen": self.act,
                "text": reply.text,
                "escalation": level,
                "tension": tracker.get_slot("tension"),
                "opportunity": reply.opportunity,
                "terminal": act in TERMINAL_OUTCOMES,
                "kind": reply.kind,
                "key": reply.key,
                "fact": reply.fact,
                "topic": reply.topic,
            }
        )
        if act != self.act:
            # The dialogue model expects what follows the act it chose (a disclosure sets
            # need_disclosed); after a held-back act the patient simply waits for the learner.
            return [*act_events(act), FollowupAction("action_listen")]
        return act_events(act)


class Vent(PatientAct, Action):
    act = "vent"


class Accuse(PatientAct, Action):
    act = "accuse"


class Demand(PatientAct, Action):
    act = "demand"


class DiscloseNeed(PatientAct, Action):
    act = "disclose_need"


class Soften(PatientAct, Action):
    act = "soften"


class Accept(PatientAct, Action):
    act = "accept"


class Escalate(PatientAct, Action):
    act = "escalate"


class WalkOut(PatientAct, Action):
    act = "walk_out"


class Thank(PatientAct, Action):
    act = "thank"


class Answer(PatientAct, Action):
    act = "answer"


class Confused(PatientAct, Action):
    act = "confused"


class Handover(PatientAct, Action):
    act = "handover"
