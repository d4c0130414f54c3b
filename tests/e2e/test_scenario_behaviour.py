"""Behavioural validity of every scenario, through the real trained model and action server.

Scripted learners play each scenario in the library the way a person would judge it:
a skilled learner (takes up each feeling voiced, asks, then offers and commits) calms the
patient within the scenario's turn budget; an unskilled one (commands, blame, arguing,
brushing off) makes it worse; one who sets a respectful boundary and then brings in support
ends "ended for safety" and is credited for it; and a seed replays a conversation exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from actions.scenarios import Scenario, load_library
from tests.e2e.conftest import Conversation, Converse
from tests.test_patient_variety import repeats_with_fresh_lines_left

pytestmark = pytest.mark.e2e

LIBRARY = load_library()
SEED = 5

ASK = [
    "Can you tell me a bit more about what's worrying you most?",
    "What would make the biggest difference for you right now?",
    "How has all of this been for you?",
]
REFLECT = "So this has been weighing on you, and you need someone to take it seriously today."
OFFER = (
    "I can ask the person in charge to come and talk with you now, or I can find out what's happening "
    "and come back to you in ten minutes. Which would you prefer?"
)
COMMIT = "I'll go and do that for you right now, and I'll come back to you within ten minutes."
CLOSE = "Thank you for talking it through with me. Take care, goodbye."
UNSKILLED = [
    "Calm down. There's no need to shout at me.",
    "That's not my department, you'll have to take it up with someone else.",
    "Well, if you'd listened properly in the first place this wouldn't have happened.",
    "That's just not true, and you know it.",
    "It's really not a big deal, everyone has to wait.",
]
BOUNDARY = "I do want to help you, but I'm not able to carry on if you shout at me or swear at me."
SUPPORT = "I'm going to ask my supervisor to come and help us with this now."


@dataclass
class SkilledLearner:
    """Listens first, then offers and commits: the course's model of a good conversation."""

    need_out: bool = False
    offered: bool = False
    committed: bool = False
    asked: int = 0
    log: list[str] = field(default_factory=list)

    def reply(self, feeling: str | None, level: str) -> str:
        if feeling and not (self.need_out and level == "calm"):
            return f"It sounds like you're feeling really {feeling}, and that's completely understandable."
        if not self.need_out or level not in ("calm", "uneasy"):
            self.asked += 1
            return ASK[(self.asked - 1) % len(ASK)] if self.asked % 3 else REFLECT
        if not self.offered:
            self.offered = True
            return OFFER
        if not self.committed:
            self.committed = True
            return COMMIT
        return CLOSE


def last_line(body_or_session: dict[str, Any]) -> dict[str, Any]:
    lines = body_or_session.get("opening") or body_or_session["turn"]["patient_lines"]
    return lines[-1]


def acts(chat: Conversation) -> list[str]:
    return [line["act"] for turn in chat.turns for line in turn["turn"]["patient_lines"]]


def trail(chat: Conversation) -> list[tuple[Any, ...]]:
    """Each turn as (what the learner said, move, cues, level after, patient act): for failures."""
    out = []
    for body in chat.turns:
        turn, card = body["turn"], body["turn"]["score_card"] or {}
        out.append(
            (
                turn["learner_text"][:40],
                card.get("move"),
                [c["cue"] for c in card.get("cues", [])],
                card.get("escalation"),
                [line["act"] for line in turn["patient_lines"]],
            )
        )
    return out


def patient_lines(chat: Conversation) -> list[dict[str, Any]]:
    return [line for turn in chat.turns for line in turn["turn"]["patient_lines"]]


def play_skilled(chat: Conversation, scenario: Scenario) -> None:
    learner = SkilledLearner()
    line, level = last_line(chat.session), scenario.start_level
    for _ in range(scenario.turn_budget):
        body = chat.say(learner.reply(line.get("opportunity"), level))
        if chat.ended:
            break
        level = body["turn"]["score_card"]["escalation"]
        line = last_line(body)
        learner.need_out = learner.need_out or line["act"] == "disclose_need"


@pytest.fixture(params=sorted(LIBRARY), ids=str)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return LIBRARY[request.param]


def test_a_skilled_learner_calms_the_patient_within_the_budget(converse: Converse, scenario: Scenario) -> None:
    chat: Conversation = converse(scenario.id, seed=SEED)
    play_skilled(chat, scenario)
    summary = chat.end()
    assert summary["outcome"] == "de_escalated", trail(chat)
    assert len(chat.turns) <= scenario.turn_budget
    assert "disclose_need" in acts(chat), trail(chat)  # they heard what was really behind it
    assert summary["empathic_opportunities"]["taken"] >= 1
    assert not repeats_with_fresh_lines_left(scenario, patient_lines(chat))


def test_an_unskilled_learner_escalates_the_patient(converse: Converse, scenario: Scenario) -> None:
    chat: Conversation = converse(scenario.id, seed=SEED)
    for text in (UNSKILLED * 3)[: scenario.turn_budget]:
        chat.say(text)
        if chat.ended:
            break
    summary = chat.end()
    assert summary["outcome"] == "escalated", trail(chat)
    assert "disclose_need" not in acts(chat)
    assert not repeats_with_fresh_lines_left(scenario, patient_lines(chat))


def test_a_boundary_then_support_ends_for_safety_and_is_credited(converse: Converse, scenario: Scenario) -> None:
    chat: Conversation = converse(scenario.id, seed=SEED)
    after_boundary = last_line(chat.say(BOUNDARY))
    assert not chat.ended
    if scenario.difficulty == 3 and scenario.start_level == "hostile":
        # An advanced patient pushes back against the first boundary: the abuse continues.
        assert (after_boundary["chosen"], after_boundary["act"]) == ("soften", "escalate")
    chat.say(SUPPORT)
    summary = chat.end()
    assert acts(chat)[-1] == "handover"
    assert summary["outcome"] == "ended_for_safety"
    assert summary["done_well"][0]["cue"] == "seek_support"
    assert summary["cue_counts"].get("set_boundary", 0) >= 1


def test_the_same_seed_gives_the_same_conversation(converse: Converse, scenario: Scenario) -> None:
    transcripts = []
    for _ in range(2):
        chat: Conversation = converse(scenario.id, seed=SEED + 1)
        play_skilled(chat, scenario)
        chat.end()
        transcripts.append(
            [chat.session["opening"][0]["text"]]
            + [(line["act"], line["text"]) for turn in chat.turns for line in turn["turn"]["patient_lines"]]
        )
    assert transcripts[0] == transcripts[1]


def test_the_patient_answers_what_was_asked_remembers_it_and_holds_back_the_need(converse: Converse) -> None:
    """Through the real engine: a question on a fact gets it, asked again it is recalled, and a
    guarded fact waits until the learner has listened."""
    chat: Conversation = converse("gp_reception_appointment", seed=SEED)
    first = last_line(chat.say("How long have you been waiting for this appointment?"))
    assert (first["kind"], first["fact"], first["topic"]) == ("fact", "waiting", "how_long"), trail(chat)
    early = last_line(chat.say("Have you been having any pain?"))
    assert (early["kind"], early["fact"]) == ("holding_back", "chest"), trail(chat)
    again = last_line(chat.say("Sorry, when did you book it?"))
    assert again["kind"] == "recall" and "I booked it nearly a month ago" in again["text"], trail(chat)


def test_the_patient_answers_the_question_that_asks_something_in_a_turn_of_two(converse: Converse) -> None:
    """Through the real engine: the score card lists every question a turn asks, so a second
    question of the same kind ("Are you alright there? Have you been waiting long...?") is the
    one answered when it is the one that asks about something the patient knows."""
    chat: Conversation = converse("gp_reception_appointment", seed=SEED)
    line = last_line(chat.say("Are you alright there? Have you been waiting long for this appointment?"))
    assert (line["kind"], line["fact"]) == ("fact", "waiting"), trail(chat)
    card = chat.turns[-1]["turn"]["score_card"]
    assert [q["quote"] for q in card["questions"]] == [
        "Are you alright there?",
        "Have you been waiting long for this appointment?",
    ]
