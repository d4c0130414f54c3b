"""`practice scenarios check`: every shipped scenario passes; authors' gaps are named."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import pytest

from actions.patient import TERMINAL_OUTCOMES
from actions.scenarios import THEME_LABELS, load_library
from actions.vocabulary import LEVELS
from practice.commands.scenarios_cmd import run_check
from practice.dialogue import load_behaviour
from practice.scenario_check import RESOLVED, check_paths, required_outcomes
from tests.test_scenarios import minimal, write

SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios"


def test_terminal_acts_agree_with_the_behaviour_table() -> None:
    assert set(TERMINAL_OUTCOMES) == set(load_behaviour().terminal)


def test_every_shipped_scenario_passes_with_every_outcome_reachable() -> None:
    reports = check_paths([SCENARIOS])
    assert {r.scenario.id for r in reports if r.scenario} == set(load_library(SCENARIOS))
    for report in reports:
        assert report.ok, "\n".join(report.problems)
        assert report.scenario is not None
        assert set(required_outcomes(report.scenario)) <= set(report.fewest_turns)
        assert report.fewest_turns[RESOLVED] <= report.scenario.turn_budget


def test_a_minimal_scenario_passes(tmp_path: Path) -> None:
    [report] = check_paths([write(tmp_path, minimal())])
    assert report.ok, report.problems


def test_missing_empathic_opportunities_are_named(tmp_path: Path) -> None:
    data = minimal()
    data["opening"] = ["Hello.", "Where is everyone?"]
    data["lines"]["vent"]["angry"] = ["one", "two"]
    [report] = check_paths([write(tmp_path, data)])
    path = tmp_path / "tiny.yml"
    assert f"{path}: opening: no line marks an empathic opportunity (add `opportunity: feeling`)" in report.problems
    assert f"{path}: lines.vent.angry: no line marks an empathic opportunity" in report.problems


def test_a_budget_too_small_for_the_calm_ending_is_named(tmp_path: Path) -> None:
    data = minimal()
    data.update(start_level="hostile", difficulty=3, turn_budget=2)
    [report] = check_paths([write(tmp_path, data)])
    [problem] = report.problems
    assert problem.startswith(f"{tmp_path / 'tiny.yml'}: turn_budget: the calm ending")
    assert "the budget is 2" in problem


def test_harder_scenarios_take_more_turns_to_calm(tmp_path: Path) -> None:
    turns = []
    for level in (1, 3):
        data = copy.deepcopy(minimal())
        data.update(id=f"d{level}", difficulty=level, start_level="angry", turn_budget=20)
        [report] = check_paths([write(tmp_path, data, stem=f"d{level}")])
        turns.append(report.fewest_turns[RESOLVED])
    assert turns[0] < turns[1]


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, minimal())
    broken = minimal()
    broken["id"] = "broken"
    del broken["lines"]["thank"][LEVELS[0]]
    write(tmp_path, broken, stem="broken")
    assert run_check(argparse.Namespace(paths=[tmp_path])) == 1
    out = capsys.readouterr().out
    assert f"FAIL {tmp_path / 'broken.yml'}" in out
    assert "lines.thank.calm: missing" in out
    assert "ok   tiny:" in out and "1 of 2 scenario files ok." in out


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_check(argparse.Namespace(paths=[SCENARIOS])) == 0
    assert run_check(argparse.Namespace(paths=[tmp_path / "nope.yml"])) == 2
    assert "nope.yml: no such file or folder" in capsys.readouterr().err
    assert run_check(argparse.Namespace(paths=[tmp_path])) == 1


def test_the_readme_table_lists_every_scenario() -> None:
    readme = (SCENARIOS.parent.parent / "README.md").read_text(encoding="utf-8")
    for scenario in load_library(SCENARIOS).values():
        row = next((line for line in readme.splitlines() if line.endswith(f"| `{scenario.id}` |")), None)
        assert row is not None, f"README's scenario table has no row for {scenario.id}"
        situation = ", ".join(THEME_LABELS[theme] for theme in scenario.themes)
        assert row.startswith(f"| {scenario.staff_role} | {scenario.setting} | {situation} |"), row


def test_typical_cues_read_as_their_own_move() -> None:
    """The checker's typical reply for each move is read by the scorer's move rules as that move."""
    from actions.scoring.moves import load_moves
    from actions.scoring.result import CueHit
    from practice.scenario_check import MOVE_CUES

    moves = load_moves()
    assert set(MOVE_CUES) == set(moves.move_ids)
    for move, cues in MOVE_CUES.items():
        if cues:
            assert moves.read("", [CueHit(c, 0, 1, 0.9) for c in cues]).id == move


def test_the_variety_of_lines_is_counted_per_act_and_level(tmp_path: Path) -> None:
    from actions.vocabulary import ACTS
    from practice.scenario_check import LINES_WANTED, LineCoverage

    data = minimal()
    data["lines"]["vent"]["calm"] = ["one", "two", "three", "four", "five", "six"]
    [report] = check_paths([write(tmp_path, data)])
    coverage = report.coverage
    assert coverage is not None and len(coverage.counts) == len(ACTS) * len(LEVELS)
    assert coverage.counts[("tiny", "vent", "calm")] == 6
    assert ("tiny", "vent", "calm") not in coverage.thin() and ("tiny", "thank", "calm") in coverage.thin()
    expected_mean = sum(coverage.counts.values()) / len(coverage.counts)
    assert coverage.mean == pytest.approx(expected_mean)
    assert f"below {LINES_WANTED}" in report.summary() and "lines per act and level: mean" in report.summary()
    assert report.scenario is not None
    library = LineCoverage.of([report.scenario, report.scenario.model_copy(update={"id": "twin"})])
    assert len(library.counts) == 2 * len(coverage.counts) and library.mean == pytest.approx(coverage.mean)


def _fact(id: str, topic: str, keywords: list[str], asks: list[str]) -> dict[str, object]:
    return {
        "id": id,
        "topic": topic,
        "about": id,
        "keywords": keywords,
        "gist": id,
        "asks": asks,
        "answers": {level: [f"{id}."] for level in LEVELS},
    }


def _templates() -> dict[str, object]:
    return {
        kind: {level: ["Well, {gist}." if kind == "recall" else "Hm."] for level in LEVELS}
        for kind in ("recall", "deflect")
    }


def test_topics_covered_and_unreachable_facts_are_reported(tmp_path: Path) -> None:
    data = minimal()
    data["facts"] = [
        _fact("waiting", "how_long", ["queue"], ["How long have you been in the queue?"]),
        # Its only example question is about the queue: it reaches the other fact.
        _fact("parking", "practical", ["car"], ["Were you in the queue long?"]),
    ]
    data["templates"] = _templates()
    [report] = check_paths([write(tmp_path, data)])
    assert report.facts is not None and report.facts.topics == ("how_long", "practical")
    [problem] = report.problems
    assert problem.startswith(f"{tmp_path / 'tiny.yml'}: facts.parking: none of its example questions reaches it")
    assert "reaches fact 'waiting'" in problem
    assert "2 facts on 2 of 8 topics (none on what_happened, who, symptoms, home, want, afraid)" in report.summary()
    assert "1 of 2 example questions reach their own fact" in report.summary()
    data["facts"][1]["asks"] = ["Where did you leave the car?"]
    [report] = check_paths([write(tmp_path, data)])
    assert report.ok, report.problems
    assert "2 of 2 example questions reach their own fact" in report.summary()


def test_a_keyword_that_is_a_question_word_is_named(tmp_path: Path) -> None:
    # "when" says what kind of answer is wanted: as a keyword it pulls every "when" question here.
    data = minimal()
    data["facts"] = [_fact("slot", "practical", ["slot", "When"], ["What time is your slot?"])]
    data["templates"] = _templates()
    [report] = check_paths([write(tmp_path, data)])
    [problem] = report.problems
    assert problem.startswith(f"{tmp_path / 'tiny.yml'}: facts.slot.keywords: 'When' is a question word")
