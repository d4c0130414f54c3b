"""What the patient says: answers to questions, recall, holding back, deflection, the learner's
words taken up, the hidden need acknowledged, and no line said twice (actions/patient_reply.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from actions.facts import load_topics
from actions.patient_reply import PatientReply, patient_reply, quote_of
from actions.scenarios import Scenario
from actions.vocabulary import LEVELS, REPO_ROOT


def _levels(*lines: str) -> dict[str, list[str]]:
    return {level: [f"{line} ({level})" for line in lines] for level in LEVELS}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    data = yaml.safe_load((REPO_ROOT / "data/scenarios/gp_reception_appointment.yml").read_text(encoding="utf-8"))
    data["facts"] = [
        {
            "id": "waiting",
            "topic": "how_long",
            "about": "booked a month ago",
            "keywords": ["book", "month"],
            "gist": "a month ago",
            "asks": ["How long have you waited?"],
            "answers": _levels("A month", "Nearly a month"),
        },
        {
            "id": "chest",
            "topic": "symptoms",
            "about": "his chest",
            "keywords": ["chest", "stairs"],
            "gist": "my chest",
            "asks": ["Any pain?"],
            "guarded": True,
            "answers": _levels("It's my chest"),
        },
    ]
    data["templates"] = {
        "recall": _levels("I've told you: {gist}", "As I said, {gist}"),
        "holding_back": _levels("That's private"),
        "deflect": _levels("No idea", "Does it matter"),
        "need_heard": _levels("Yes. That's it."),
        "reactions": {"command": {"angry": ["'{quote}'? Don't you tell me that."]}},
    }
    return Scenario.model_validate(data)


def card(move: str, *cues: tuple[str, str], move_cue: str | None = None) -> dict[str, Any]:
    return {
        "move": move,
        "move_cue": move_cue,
        "cues": [{"cue": cue, "quote": quote, "start": n} for n, (cue, quote) in enumerate(cues)],
    }


def say(
    scenario: Scenario,
    act: str,
    the_card: dict[str, Any] | None,
    history: list[dict[str, Any]] | None = None,
    *,
    level: str = "upset",
    need_open: bool = False,
    turn: int = 1,
) -> PatientReply:
    return patient_reply(
        scenario,
        act=act,
        level=level,
        card=the_card,
        history=history or [],
        need_open=need_open,
        seed="7",
        turn=turn,
        lexicon=load_topics(),
    )


def message(reply: PatientReply) -> dict[str, Any]:
    return {"text": reply.text, "key": reply.key, "fact": reply.fact, "kind": reply.kind}


ASKED_WAIT = card("closed_question", ("closed_question", "How long have you been waiting since you booked?"))
ASKED_CHEST = card("open_question", ("open_question", "What's going on with your chest?"))


def test_a_question_is_answered_from_the_facts_at_the_level(scenario: Scenario) -> None:
    reply = say(scenario, "answer", ASKED_WAIT, level="angry")
    assert reply.kind == "fact" and reply.fact == "waiting" and reply.topic == "how_long"
    assert reply.text.endswith("(angry)") and "month" in reply.text.lower()


def test_a_fact_told_before_is_recalled_with_its_gist(scenario: Scenario) -> None:
    first = say(scenario, "answer", ASKED_WAIT)
    again = say(scenario, "vent", ASKED_WAIT, [message(first)], turn=2)
    assert again.kind == "recall" and "a month ago" in again.text and "{gist}" not in again.text


def test_a_guarded_fact_waits_until_the_learner_has_listened(scenario: Scenario) -> None:
    held = say(scenario, "answer", ASKED_CHEST)
    assert held.kind == "holding_back" and held.text.startswith("That's private")
    told = say(scenario, "answer", ASKED_CHEST, [message(held)], need_open=True, turn=2)
    assert told.kind == "fact" and told.text.startswith("It's my chest")


def test_an_unmatched_question_gets_a_deflection_where_the_patient_would_answer(scenario: Scenario) -> None:
    asked = card("closed_question", ("closed_question", "Did you see the match last night?"))
    reply = say(scenario, "answer", asked)
    assert reply.kind == "deflect" and reply.fact is None
    # In another act (an open invitation gets venting), the act's own line is natural.
    assert say(scenario, "vent", asked).kind == "act"


def test_no_answer_while_the_patient_reacts_to_an_attack_or_discloses(scenario: Scenario) -> None:
    attacked = card(
        "command", ("command", "Calm down"), ("closed_question", "How long have you waited?"), move_cue="command"
    )
    assert say(scenario, "accuse", attacked).kind in ("act", "reaction")
    assert say(scenario, "disclose_need", ASKED_WAIT).kind == "act"
    assert say(scenario, "walk_out", ASKED_WAIT).kind == "act"


def test_an_anti_pattern_can_be_taken_up_in_the_learners_words(scenario: Scenario) -> None:
    told_off = card("command", ("command", "calm down, please."), move_cue="command")
    history: list[dict[str, Any]] = []
    texts = []
    for turn in range(1, 5):  # the reaction is one of the pool: it comes within a few turns
        reply = say(scenario, "escalate", told_off, history, level="angry", turn=turn)
        history.append(message(reply))
        texts.append(reply.text)
    assert "'Calm down, please'? Don't you tell me that." in texts
    assert not any("{quote}" in text for text in texts)


def test_quotes_are_tidied_and_long_ones_left_out() -> None:
    assert quote_of(card("command", ("command", "  calm   down!! "), move_cue="command")) == "Calm   down".replace(
        "   ", " "
    )
    assert quote_of(card("command", ("command", "x" * 200), move_cue="command")) is None
    assert quote_of(card("command", ("blame", "your fault"), move_cue="command")) is None


def test_a_reflection_of_the_hidden_need_is_acknowledged(scenario: Scenario) -> None:
    heard = card("reflect", ("reflection_simple", "it's your chest on the stairs that's frightening you"))
    reply = say(scenario, "disclose_need", heard)
    assert reply.text.startswith("Yes. That's it. (upset) ")
    assert "+templates.need_heard" in reply.key
    plain = card("reflect", ("reflection_simple", "you've had a long day"))
    assert not say(scenario, "disclose_need", plain).text.startswith("Yes. That's it.")


def test_no_line_repeats_while_an_unused_one_remains(scenario: Scenario) -> None:
    history: list[dict[str, Any]] = []
    pool = len(scenario.lines_for("vent", "upset"))
    for turn in range(1, pool + 1):
        history.append(message(say(scenario, "vent", card("listen"), history, turn=turn)))
    assert len({m["text"] for m in history}) == pool
    # Deflections and recalls too.
    asked = card("closed_question", ("closed_question", "Is it raining?"))
    seen = [message(say(scenario, "answer", asked, turn=1))]
    seen.append(message(say(scenario, "answer", asked, seen, turn=2)))
    assert seen[0]["text"] != seen[1]["text"]
