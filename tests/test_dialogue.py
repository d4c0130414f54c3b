"""The behaviour table (data/behaviour.yml) and the Rasa files generated from it.

The rules, training stories and test stories are generated, so they must never drift from
their source; and the table must speak the domain's language: the same learner moves,
levels and patient acts, with every session-ending act followed by the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.scoring.moves import load_moves
from actions.vocabulary import ACTS, LEVELS
from practice import dialogue
from practice.cli import main as practice

DOMAIN = dialogue.REPO_ROOT / "domain.yml"


@pytest.fixture(scope="module")
def behaviour() -> dialogue.Behaviour:
    return dialogue.load_behaviour()


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [dialogue.RULES, dialogue.STORIES, dialogue.TEST_STORIES], ids=lambda p: p.name)
def test_generated_file_matches_committed(path: Path) -> None:
    assert dialogue.generate()[path] == path.read_text(encoding="utf-8"), (
        f"{path.relative_to(dialogue.REPO_ROOT)} is out of date: run `practice engine generate`"
    )


def test_every_move_level_and_need_gives_one_of_the_twelve_acts(
    behaviour: dialogue.Behaviour, domain: dict[str, Any]
) -> None:
    prefix = "action_patient_"
    domain_acts = {a.removeprefix(prefix) for a in domain["actions"] if a.startswith(prefix)}
    assert len(domain_acts) == 12
    assert set(behaviour.acts) == domain_acts == set(ACTS)
    for intent in behaviour.table:
        for level in behaviour.levels:
            for need in (False, True):
                assert behaviour.act(intent, level, need) in domain_acts, (intent, level, need)


def test_table_moves_are_the_move_slot_values_and_the_scorer_moves(
    behaviour: dialogue.Behaviour, domain: dict[str, Any]
) -> None:
    """One vocabulary of moves: what the scorer reads (moves.yml), what the `move` slot holds,
    and what the behaviour table answers, and only the API's intents in the domain."""
    assert set(behaviour.table) == set(domain["slots"]["move"]["values"]) == set(load_moves().move_ids)
    assert set(domain["intents"]) == {dialogue.LEARNER_REPLY, *dialogue.SYSTEM_INTENTS}


def test_table_levels_are_the_escalation_slot_values(behaviour: dialogue.Behaviour, domain: dict[str, Any]) -> None:
    assert behaviour.levels == tuple(domain["slots"]["escalation"]["values"]) == LEVELS


def test_terminal_acts_are_followed_by_the_summary_in_the_rules(behaviour: dialogue.Behaviour) -> None:
    rules = yaml.safe_load(dialogue.rules_text(behaviour))["rules"]
    seen = set()
    for rule in rules:
        steps = [step.get("action") for step in rule["steps"]]
        for k, action in enumerate(steps):
            if action and action.startswith("action_patient_"):
                act = action.removeprefix("action_patient_")
                ends = act in behaviour.terminal
                follows = steps[k + 1] if k + 1 < len(steps) else None
                assert (follows == "action_session_summary") == ends, rule["rule"]
                if ends:
                    seen.add(act)
    assert seen == set(behaviour.terminal) == {"walk_out", "thank", "handover"}


def test_every_combination_has_exactly_one_rule(behaviour: dialogue.Behaviour) -> None:
    """RulePolicy must decide every turn, so no (move, level, need) may be ambiguous."""
    covered: dict[tuple[str, str, bool], int] = {}
    for rule in yaml.safe_load(dialogue.rules_text(behaviour))["rules"]:
        steps = rule["steps"]
        slots = next((s["slot_was_set"] for s in steps if "slot_was_set" in s), None)
        if slots is None:
            continue
        assert steps[0] == {"intent": dialogue.LEARNER_REPLY}, rule["rule"]
        level = next(s["escalation"] for s in slots if "escalation" in s)
        move = next(s["move"] for s in slots if "move" in s)
        needs = [c["slot_was_set"][0]["need_disclosed"] for c in rule.get("condition", [])] or [False, True]
        for need in needs:
            covered[(move, level, need)] = covered.get((move, level, need), 0) + 1
    expected = {(m, lv, n) for m in behaviour.table for lv in behaviour.levels for n in (False, True)}
    assert set(covered) == expected
    assert all(count == 1 for count in covered.values())


def test_a_level_missing_from_the_table_is_reported(tmp_path: Path) -> None:
    data = yaml.safe_load(dialogue.BEHAVIOUR.read_text(encoding="utf-8"))
    del data["groups"][0]["acts"]["hostile"]
    broken = tmp_path / "behaviour.yml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(dialogue.BehaviourError, match="greet"):
        dialogue.load_behaviour(broken)


def test_generate_check_names_a_drifted_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("RULES", "STORIES", "TEST_STORIES"):
        monkeypatch.setattr(dialogue, name, tmp_path / getattr(dialogue, name).relative_to(dialogue.REPO_ROOT))
    monkeypatch.setattr(dialogue, "REPO_ROOT", tmp_path)
    assert practice(["engine", "generate"]) == 0
    assert practice(["engine", "generate", "--check"]) == 0
    stories = tmp_path / "data" / "stories" / "conversations.yml"
    stories.write_text(stories.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    capsys.readouterr()
    assert practice(["engine", "generate", "--check"]) == 1
    err = capsys.readouterr().err
    assert "data/stories/conversations.yml" in err and "patient.yml" not in err
