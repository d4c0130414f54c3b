"""The end-of-session report and per-turn feedback (actions/summary.py, actions/feedback.py)."""

from typing import Any

from actions.feedback import support_info, turn_feedback
from actions.summary import summarise


def cue(cue_id: str, family: str, weight: float, quote: str) -> dict:
    return {"cue": cue_id, "family": family, "weight": weight, "quote": quote, "label": cue_id}


GOOD = {
    "said": "I can see how worried you are. What's happened today?",
    "cues": [
        cue("name_emotion", "active_listening", 3.0, "I can see how worried you are"),
        cue("open_question", "active_listening", 2.0, "What's happened today?"),
    ],
    "score": 5.0,
    "opportunity": {"emotion": "worried", "taken": True},
}
BAD: dict[str, Any] = {
    "said": "Calm down, it's not that bad.",
    "cues": [
        cue("command", "anti_pattern", -3.0, "Calm down"),
        cue("dismiss", "anti_pattern", -3.0, "it's not that bad"),
    ],
    "score": -6.0,
    "opportunity": {"emotion": "frightened", "taken": False},
}
QUESTION = {
    "said": "Are you registered here?",
    "cues": [cue("closed_question", "active_listening", 0.5, "Are you registered here?")],
    "score": 0.5,
    "opportunity": None,
}


def test_summary_measures() -> None:
    summary = summarise([GOOD, BAD, QUESTION], outcome="abandoned", skills=["reflection_simple"])
    assert summary["type"] == "summary" and summary["turns"] == 3
    assert summary["cue_counts"]["open_question"] == 1 and summary["cue_counts"]["command"] == 1
    assert summary["reflection_to_question"] == 0.0
    assert summary["open_question_share"] == 0.5
    assert summary["empathic_opportunities"] == {"offered": 2, "taken": 1, "missed": 1}
    assert summary["anti_patterns_per_10_turns"] == round(10 * 2 / 3, 1)
    assert summary["support"]["options"], "support signposting is always there"


def test_done_well_and_to_try_quote_the_learner() -> None:
    summary = summarise([GOOD, BAD], outcome="abandoned", skills=["reflection_simple"])
    assert [item["cue"] for item in summary["done_well"]] == ["name_emotion", "open_question"]
    assert "I can see how worried you are" in summary["done_well"][0]["text"]
    to_try = summary["to_try"]
    assert len(to_try) == 2
    assert to_try[0]["quote"] in ("Calm down", "it's not that bad")
    assert all(item["text"] for item in to_try)


def test_ending_for_safety_is_credited_first() -> None:
    support = {
        "said": "I'm going to ask my manager to join us.",
        "score": 2.0,
        "opportunity": None,
        "cues": [cue("seek_support", "de_escalation", 2.0, "I'm going to ask my manager to join us")],
    }
    summary = summarise([GOOD, support], outcome="ended_for_safety")
    assert summary["done_well"][0]["cue"] == "seek_support"
    assert "skill" in summary["outcome_text"]


def test_a_session_with_nothing_good_is_encouraged_without_praising_a_misstep() -> None:
    summary = summarise([BAD], outcome="escalated")
    assert summary["done_well"][0]["quote"] is None
    assert "Calm down" not in summary["done_well"][0]["text"]
    assert summary["to_try"][0]["quote"] in ("Calm down", "it's not that bad")
    assert summarise([], outcome="abandoned")["reflection_to_question"] is None


def test_turn_feedback_quotes_and_suggests() -> None:
    lines = turn_feedback(BAD["cues"], opportunity=BAD["opportunity"], reply=BAD["said"])
    assert any("\u201cCalm down\u201d" in line and "Try next" in line for line in lines)
    assert any("frightened" in line and "You sound really frightened" in line for line in lines)
    assert turn_feedback([], opportunity=None, reply="Okay.")[0].startswith("No listening")
    assert support_info()["heading"]
