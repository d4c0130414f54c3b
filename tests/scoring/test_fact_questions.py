"""Answering what was asked, on questions written apart from the facts
(tests/fixtures/fact_questions.yml, read through the cue scorer as a turn is).

Issue 20's bar is per scenario: >= 85% of on-topic questions get the right topic (or a
deflection where the scenario has no fact on it), the rest a deflection and never a wrong
fact; >= 90% of off-topic questions get a deflection. It is not met yet (measured at 93%
right, 7 wrong of 309, 98% off-topic deflected over the library; all twelve scenarios reach
85% and 90% deflected, six have no wrong fact),
so these tests hold the library-wide figures as a floor, and `bench/fact_questions.py
--misses` prints the per-scenario figures and every miss. The matcher was tuned on
bench/fact_questions_dev.yml only (and checked on bench/fact_questions_dev2.yml, by another
hand); this fixture must stay unseen by tuning.
"""

from __future__ import annotations

import pytest

from actions.scoring import Scorer
from bench.fact_questions import OFF_TOPIC_WANTED, RIGHT_WANTED, Tally, evaluate_library, scorer_reader

# Floors a little under the measurement (93% right, 2.3% wrong, 98% deflected): a change
# that reads questions worse fails here.
RIGHT_FLOOR = 0.91
WRONG_CEILING = 0.03
OFF_TOPIC_FLOOR = 0.96


@pytest.fixture(scope="module")
def library(scorer: Scorer) -> Tally:
    tallies = evaluate_library(scorer_reader())
    total = Tally("all")
    for tally in tallies:
        total.add(tally)
    return total


def test_the_fixture_covers_every_scenario(scorer: Scorer) -> None:
    from actions.scenarios import load_library

    tallies = evaluate_library(scorer_reader())
    assert {t.scenario for t in tallies} == set(load_library())
    assert all(t.on_topic >= 20 and t.off_topic >= 10 for t in tallies)


def test_questions_get_their_topic(library: Tally) -> None:
    assert library.right_rate >= RIGHT_FLOOR, f"{library.right_rate:.0%} right (issue 20 wants {RIGHT_WANTED:.0%})"


def test_a_missed_question_is_mostly_deflected_not_answered_with_another_fact(library: Tally) -> None:
    assert library.wrong <= WRONG_CEILING * library.on_topic, f"{library.wrong} of {library.on_topic} got another fact"


def test_off_topic_questions_are_deflected(library: Tally) -> None:
    rate = library.deflected_rate
    assert rate >= OFF_TOPIC_FLOOR, f"{rate:.0%} deflected (issue 20 wants {OFF_TOPIC_WANTED:.0%})"


def test_the_bench_tries_a_stricter_matcher_without_editing_the_data(scorer: Scorer, capsys) -> None:
    """`--margin` replaces data/topics.yml's margin for one run: one out of reach deflects every
    question, so no fact is wrong and every off-topic question is deflected."""
    from bench.fact_questions import main

    assert main(["--dev", "--margin", "1000"]) == 1  # nothing right where a fact was asked for
    total = capsys.readouterr().out.splitlines()[-1].split()
    assert total[0] == "all" and total[-2:] == ["0", "100%"], total
