"""Scenario files and their loader: the shipped library loads, and authors' mistakes are
reported with the file, the field path and the problem."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.scenarios import Line, Scenario, ScenarioError, cue_ids, load_library, load_scenario
from actions.settings import get_settings
from actions.vocabulary import ACTS, LEVELS

SHIPPED = {
    "gp_reception_appointment": (2, "angry"),
    "ward_relative_news": (1, "upset"),
    "phone_line_abusive_caller": (3, "hostile"),
}


def minimal() -> dict[str, Any]:
    """A small valid scenario, mutated by each malformed-file test."""
    level_lines = {lvl: [f"{lvl} one", {"text": f"{lvl} two", "opportunity": "worried"}] for lvl in LEVELS}
    return {
        "id": "tiny",
        "title": "Tiny",
        "staff_role": "porter",
        "setting": "Corridor",
        "difficulty": 1,
        "skills": ["open_question"],
        "themes": ["distress"],
        "persona": {"name": "Ms Test", "age": 40, "description": "Fictional."},
        "situation": "You meet someone.",
        "hidden_need": "SECRET NEED",
        "start_level": "uneasy",
        "turn_budget": 6,
        "opening": ["Hello.", {"text": "Where is everyone?", "opportunity": "lost"}],
        "lines": {act: copy.deepcopy(level_lines) for act in ACTS},
        "sensitivity": {"command": 1.5},
    }


def write(directory: Path, data: dict[str, Any], stem: str = "tiny") -> Path:
    path = directory / f"{stem}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Settings are read once per process: each test reads them afresh, and leaves no trace;
    the authored directory is an empty one of the test's (never a developer's var/scenarios)."""
    monkeypatch.delenv("PRACTICE_SCENARIO_DIR", raising=False)
    monkeypatch.setenv("PRACTICE_AUTHORED_SCENARIO_DIR", str(tmp_path_factory.mktemp("authored")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_shipped_library_loads() -> None:
    library = load_library()
    assert set(SHIPPED) <= set(library)
    for sid, (difficulty, start) in SHIPPED.items():
        s = library[sid]
        assert (s.id, s.difficulty, s.start_level) == (sid, difficulty, start)
        assert len(s.opening) >= 2
        all_lines = [line for act in ACTS for lvl in LEVELS for line in s.lines_for(act, lvl)]
        assert all(len(s.lines_for(act, lvl)) >= 2 for act in ACTS for lvl in LEVELS)
        offered = sum(1 for line in all_lines if line.opportunity)
        assert offered * 3 >= len(all_lines), f"{sid}: too few empathic opportunities"
        assert all(line.opportunity for line in s.lines_for("disclose_need", "calm"))
        assert set(s.skills) | set(s.sensitivity) <= cue_ids()


def test_minimal_loads_and_accepts_both_line_forms(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, minimal()))
    lines = s.lines_for("vent", "calm")
    assert lines == [Line(text="calm one"), Line(text="calm two", opportunity="worried")]
    assert isinstance(s.lines, dict) and isinstance(s.lines["vent"], dict)
    assert s.sensitivity_for("command") == 1.5
    assert s.sensitivity_for("open_question") == 1.0


def test_lines_for_rejects_unknown_act_and_level(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, minimal()))
    with pytest.raises(ValueError, match="unknown act 'sulk'"):
        s.lines_for("sulk", "calm")
    with pytest.raises(ValueError, match="unknown level 'livid'"):
        s.lines_for("vent", "livid")


def test_brief_hides_hidden_need_and_lines() -> None:
    for s in load_library().values():
        brief = s.brief()
        assert "hidden_need" not in brief and "lines" not in brief and "opening" not in brief
        assert s.hidden_need not in repr(brief)
        assert brief["id"] == s.id and brief["persona"]["name"] == s.persona.name


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.pop(key)


def _del_level(d: dict[str, Any]) -> None:
    del d["lines"]["vent"]["hostile"]


def _unknown_act(d: dict[str, Any]) -> None:
    d["lines"]["sulk"] = d["lines"]["vent"]


def _unknown_level(d: dict[str, Any]) -> None:
    d["lines"]["accept"]["livid"] = ["a", "b"]


def _one_line(d: dict[str, Any]) -> None:
    d["lines"]["thank"]["calm"] = ["only one"]


def _bad_cue(d: dict[str, Any]) -> None:
    d["sensitivity"]["shouting_back"] = 2.0


def _zero_sensitivity(d: dict[str, Any]) -> None:
    d["sensitivity"]["command"] = 0


def _bad_skill(d: dict[str, Any]) -> None:
    d["skills"] = ["open_question", "mind_reading"]


def _bad_level(d: dict[str, Any]) -> None:
    d["start_level"] = "livid"


def _bad_opportunity(d: dict[str, Any]) -> None:
    d["lines"]["vent"]["upset"][1]["opportunity"] = "Very Sad!"


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (_drop("hidden_need"), "hidden_need", "required field is missing"),
        (_del_level, "lines.vent.hostile", "missing"),
        (_unknown_act, "lines.sulk", "unknown act 'sulk'"),
        (_unknown_level, "lines.accept.livid", "unknown level 'livid'"),
        (_one_line, "lines.thank.calm", "at least 2"),
        (_bad_cue, "sensitivity.shouting_back", "unknown cue id 'shouting_back'"),
        (_zero_sensitivity, "sensitivity.command", "greater than 0"),
        (_bad_skill, "skills[1]", "unknown cue id 'mind_reading'"),
        (_bad_level, "start_level", "'livid' is not allowed"),
        (_bad_opportunity, "lines.vent.upset[1].opportunity", "lowercase feeling word"),
    ],
)
def test_malformed_file_names_file_field_and_problem(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], field: str, problem: str
) -> None:
    data = minimal()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert any(str(path) in ln and f": {field}: " in ln and problem in ln for ln in lines), lines


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    data = minimal()
    _del_level(data)
    _bad_cue(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    assert len(str(info.value).splitlines()) == 2


def test_bad_yaml_reports_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("id: broken\ntitle: [unclosed\nsetting: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.yml: YAML syntax error at line \d+"):
        load_scenario(path)


def test_empty_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="empty.yml.*expected a mapping"):
        load_scenario(path)


def test_id_must_match_file_stem(tmp_path: Path) -> None:
    path = write(tmp_path, minimal(), stem="other_name")
    with pytest.raises(ScenarioError, match=r"other_name\.yml: id: 'tiny' must equal"):
        load_scenario(path)


def test_library_env_override_and_edits_are_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, minimal())
    monkeypatch.setenv("PRACTICE_SCENARIO_DIR", str(tmp_path))
    get_settings.cache_clear()
    library = load_library()
    assert list(library) == ["tiny"] and isinstance(library["tiny"], Scenario)

    data = minimal()
    data["title"] = "Edited"
    write(tmp_path, data)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_library()["tiny"].title == "Edited"

    write(tmp_path, {**minimal(), "id": "second"}, stem="second")
    assert sorted(load_library()) == ["second", "tiny"]
    assert sorted(load_library(tmp_path)) == ["second", "tiny"]


def test_library_reports_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario directory not found"):
        load_library(tmp_path / "nowhere")
