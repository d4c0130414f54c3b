"""The tension model, line choice and outcomes (actions/patient.py)."""

from actions.patient import (
    MAX_STEP,
    choose_line_index,
    level_for,
    next_tension,
    outcome_for,
    start_tension,
)
from actions.vocabulary import LEVELS

WEIGHTS = {"name_emotion": 3.0, "open_question": 2.0, "command": -3.0, "blame": -4.0, "closed_question": 0.5}


def test_levels_are_bands_of_twenty() -> None:
    assert [level_for(t) for t in (0, 19.9, 20, 45, 79.9, 80, 100)] == [
        "calm",
        "calm",
        "uneasy",
        "upset",
        "angry",
        "hostile",
        "hostile",
    ]
    assert all(level_for(start_tension(level)) == level for level in LEVELS)


def test_helpful_cues_calm_the_patient() -> None:
    change = next_tension(
        70, ["name_emotion", "open_question"], weights=WEIGHTS, sensitivity={}, opportunity_offered=True
    )
    assert change.after < 70 and change.level_after == "upset"
    assert not change.opportunity_missed


def test_anti_patterns_and_being_unheard_escalate() -> None:
    change = next_tension(70, ["command"], weights=WEIGHTS, sensitivity={}, opportunity_offered=False)
    assert change.after > 70 + 15  # the command itself plus the drift of not being heard
    assert change.level_after == "hostile"


def test_sensitivity_scales_a_cue_and_steps_are_capped() -> None:
    plain = next_tension(50, ["command"], weights=WEIGHTS, sensitivity={}, opportunity_offered=False)
    touchy = next_tension(50, ["command"], weights=WEIGHTS, sensitivity={"command": 1.5}, opportunity_offered=False)
    assert touchy.after > plain.after
    worst = next_tension(50, ["command", "blame"], weights=WEIGHTS, sensitivity={"blame": 3}, opportunity_offered=True)
    assert worst.after == 50 + MAX_STEP


def test_a_missed_empathic_opportunity_costs_something() -> None:
    taken = next_tension(50, ["closed_question"], weights=WEIGHTS, sensitivity={}, opportunity_offered=False)
    missed = next_tension(50, ["closed_question"], weights=WEIGHTS, sensitivity={}, opportunity_offered=True)
    assert missed.opportunity_missed and missed.after > taken.after


def test_tension_stays_in_range() -> None:
    assert next_tension(5, ["name_emotion"] * 3, weights=WEIGHTS, sensitivity={}, opportunity_offered=False).after == 0
    assert next_tension(99, ["blame"], weights=WEIGHTS, sensitivity={}, opportunity_offered=False).after == 100


def test_line_choice_is_deterministic_and_avoids_repeats() -> None:
    first = choose_line_index(3, seed="42", turn=1, act="vent")
    assert first == choose_line_index(3, seed="42", turn=1, act="vent")
    assert choose_line_index(3, seed="42", turn=1, act="vent", used=[first]) != first
    assert choose_line_index(2, seed="1", turn=1, act="vent", used=[0, 1]) in (0, 1)
    chosen = {choose_line_index(3, seed=str(s), turn=1, act="vent") for s in range(30)}
    assert chosen == {0, 1, 2}


def test_outcomes() -> None:
    assert outcome_for(terminal_outcome="escalated", end_reason=None, start=70, tension=10) == "escalated"
    assert outcome_for(terminal_outcome=None, end_reason="safety", start=70, tension=90) == "ended_for_safety"
    assert outcome_for(terminal_outcome=None, end_reason="finished", start=70, tension=25) == "de_escalated"
    assert outcome_for(terminal_outcome=None, end_reason="finished", start=50, tension=65) == "escalated"
    assert outcome_for(terminal_outcome=None, end_reason="finished", start=70, tension=55) == "abandoned"
    assert outcome_for(terminal_outcome=None, end_reason="finished", start=90, tension=85) == "escalated"
