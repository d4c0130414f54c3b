"""Difficulty profiles: faster escalation, a more hidden need, boundaries pushed against."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.difficulty import Difficulty, DifficultyError, difficulty, load_difficulties, performed_act
from actions.patient import next_tension

WEIGHTS = {"dismiss": -3.0, "name_emotion": 3.0}


def card(move: str, *cues: str) -> dict:
    return {"move": move, "cues": [{"cue": cue} for cue in cues]}


def test_the_three_levels_get_harder() -> None:
    easy, middle, hard = (difficulty(level) for level in (1, 2, 3))
    assert easy.escalation_rate < middle.escalation_rate < hard.escalation_rate
    assert easy.listening_before_need < middle.listening_before_need < hard.listening_before_need
    assert easy.boundary_pushback <= middle.boundary_pushback < hard.boundary_pushback


def test_escalation_rate_scales_rises_but_not_calming() -> None:
    def after(cue: str, rate: float) -> float:
        return next_tension(
            50.0, [cue], weights=WEIGHTS, sensitivity={}, opportunity_offered=False, escalation_rate=rate
        ).after

    assert after("dismiss", 1.3) - 50 == pytest.approx(1.3 * (after("dismiss", 1.0) - 50))
    assert after("name_emotion", 1.3) == after("name_emotion", 0.75)


def test_need_is_held_back_until_enough_listening_replies() -> None:
    profile = difficulty(3)
    cards = [card("open_question", "open_question"), card("reflect", "reflection_simple")]
    assert performed_act("disclose_need", level="upset", cards=cards, profile=profile) == "soften"
    cards.append(card("acknowledge_emotion", "name_emotion"))
    assert performed_act("disclose_need", level="upset", cards=cards, profile=profile) == "disclose_need"
    # Replies that are not listening do not count, whatever the move was called.
    assert (
        performed_act("disclose_need", level="calm", cards=[card("explain", "explain")] * 5, profile=difficulty(1))
        == "soften"
    )


def test_boundaries_are_pushed_against_only_when_angry_or_hostile() -> None:
    profile = difficulty(3)
    first = [card("set_boundary", "set_boundary")]
    assert performed_act("soften", level="hostile", cards=first, profile=profile) == "escalate"
    assert performed_act("soften", level="upset", cards=first, profile=profile) == "soften"
    assert performed_act("soften", level="hostile", cards=first * 2, profile=profile) == "soften"
    assert performed_act("soften", level="hostile", cards=first, profile=difficulty(1)) == "soften"
    # Softening for another reason (a reflection) is never turned into pushback.
    assert (
        performed_act("soften", level="angry", cards=[*first, card("reflect", "reflection_simple")], profile=profile)
        == "soften"
    )


def test_other_acts_pass_through() -> None:
    for act in ("vent", "walk_out", "thank", "handover"):
        assert performed_act(act, level="hostile", cards=[], profile=difficulty(3)) == act


def test_malformed_profiles_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "difficulty.yml"
    path.write_text("profiles:\n  1: {name: a, escalation_rate: 1, listening_before_need: 1}\n")
    with pytest.raises(DifficultyError, match=r"profiles\.1\.boundary_pushback: required"):
        load_difficulties(path)
    path.write_text("profiles:\n  1: {name: a, escalation_rate: 1, listening_before_need: 1, boundary_pushback: 0}\n")
    with pytest.raises(DifficultyError, match="needs exactly levels 1, 2 and 3"):
        load_difficulties(path)
    assert isinstance(difficulty(2), Difficulty)
