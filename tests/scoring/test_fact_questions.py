"""Issue 20's bar for answering what was asked, on questions written apart from the facts
(tests/fixtures/fact_questions.yml, read through the cue scorer as a turn is): per scenario,
>= 85% of on-topic questions get the right topic (or a deflection where the scenario has no
fact on it), the rest a deflection and never a wrong fact; >= 90% of off-topic questions get a
deflection. `bench/fact_questions.py --misses` prints the figures and every miss."""

from __future__ import annotations

import pytest

from actions.scoring import Scorer
from bench.fact_questions import OFF_TOPIC_WANTED, RIGHT_WANTED, Tally, evaluate_library, scorer_reader


@pytest.fixture(scope="module")
def tallies(scorer: Scorer) -> dict[str, Tally]:
    return {t.scenario: t for t in evaluate_library(scorer_reader())}


def test_the_fixture_covers_every_scenario(tallies: dict[str, Tally]) -> None:
    from actions.scenarios import load_library

    assert set(tallies) == set(load_library())
    assert all(t.on_topic >= 20 and t.off_topic >= 10 for t in tallies.values())


def test_questions_get_their_topic(tallies: dict[str, Tally]) -> None:
    low = {sid: f"{t.right_rate:.0%}" for sid, t in tallies.items() if t.right_rate < RIGHT_WANTED}
    assert not low, f"below {RIGHT_WANTED:.0%} right: {low}"


def test_a_missed_question_is_deflected_not_answered_with_another_fact(tallies: dict[str, Tally]) -> None:
    wrong = {
        sid: [m for m in t.misses if not m.startswith("off topic") and not m.endswith("-> deflect")]
        for sid, t in tallies.items()
    }
    assert not any(wrong.values()), {sid: misses for sid, misses in wrong.items() if misses}


def test_off_topic_questions_are_deflected(tallies: dict[str, Tally]) -> None:
    low = {sid: f"{t.deflected_rate:.0%}" for sid, t in tallies.items() if t.deflected_rate < OFF_TOPIC_WANTED}
    assert not low, f"below {OFF_TOPIC_WANTED:.0%} deflected: {low}"
