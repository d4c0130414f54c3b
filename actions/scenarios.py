"""Scenario scripts: what a simulated patient says, and how they react to each cue.

A scenario is a YAML file in ``data/scenarios/`` (format in ``docs/DESIGN.md``). Authors
are trainers, not programmers, so every problem is reported as one plain line naming the
file, the field path (``lines.vent.hostile``) and what is wrong. This module is plain
Python (pydantic + PyYAML) so the actions, the API and the CLI can all share it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
    with_config,
)
from pydantic_core import ErrorDetails
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from actions.settings import TAXONOMY_PATH, get_settings
from actions.vocabulary import ACTS, LEVELS, Level, Theme

__all__ = [
    "THEME_LABELS",
    "Line",
    "Persona",
    "Scenario",
    "ScenarioError",
    "cue_ids",
    "cue_weights",
    "load_scenario",
    "load_library",
    "scenario_dir",
]


# How each theme (actions.vocabulary.THEMES) reads in the catalogue and the README's scenario table.
THEME_LABELS: dict[Theme, str] = {
    "distress": "distress",
    "uncivil": "uncivil behaviour",
    "abuse": "abuse",
    "complaint": "a complaint",
    "refused_request": "a refused request",
    "delay": "a delay with no answer",
    "bad_news": "bad news given by someone else",
}
MIN_LINES = 2  # at least two lines per act and level, so repeated practice differs


class ScenarioError(Exception):
    """A scenario file cannot be used; the message says which file, field and why."""


@lru_cache(maxsize=4)
def _taxonomy_cues(path: Path) -> tuple[dict[str, Any], ...]:
    """The taxonomy's cue entries, read with PyYAML alone (the scoring package imports spaCy)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return tuple(data.get("cues", []))


@lru_cache(maxsize=4)
def cue_ids(path: Path = TAXONOMY_PATH) -> frozenset[str]:
    """The cue ids in the taxonomy, so a typo in ``skills`` or ``sensitivity`` fails at load."""
    return frozenset(str(cue["id"]) for cue in _taxonomy_cues(path))


def cue_weights(path: Path = TAXONOMY_PATH) -> dict[str, float]:
    """Each cue's weight on the patient's tension, for checks that must not load spaCy."""
    return {str(cue["id"]): float(cue["weight"]) for cue in _taxonomy_cues(path)}


def _known_cue(value: str) -> str:
    if value not in cue_ids():
        raise ValueError(f"unknown cue id {value!r} (see data/cues/taxonomy.yml)")
    return value


CueId = Annotated[str, AfterValidator(_known_cue)]
Feeling = Annotated[str, Field(pattern=r"^[a-z][a-z _-]*$", max_length=40)]


class Line(BaseModel):
    """One thing the patient can say; ``opportunity`` names the feeling it voices, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    text: str = Field(min_length=1)
    opportunity: Feeling | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        """Most lines are plain strings in YAML; only empathic opportunities need a mapping."""
        return {"text": value} if isinstance(value, str) else value


LineList = Annotated[list[Line], Field(min_length=MIN_LINES)]


@with_config(ConfigDict(extra="forbid"))
class LevelLines(TypedDict):
    """Lines for one act at every escalation level (a TypedDict so the result is a plain dict)."""

    calm: LineList
    uneasy: LineList
    upset: LineList
    angry: LineList
    hostile: LineList


@with_config(ConfigDict(extra="forbid"))
class ActLines(TypedDict):
    """Every patient act: the dialogue policy may pick any act in any state."""

    vent: LevelLines
    accuse: LevelLines
    demand: LevelLines
    disclose_need: LevelLines
    soften: LevelLines
    accept: LevelLines
    escalate: LevelLines
    walk_out: LevelLines
    thank: LevelLines
    answer: LevelLines
    confused: LevelLines
    handover: LevelLines


if tuple(ActLines.__annotations__) != ACTS or tuple(LevelLines.__annotations__) != LEVELS:
    raise RuntimeError("ActLines/LevelLines must list ACTS/LEVELS in order")  # edit both together


class Persona(BaseModel):
    """Who the learner is talking to (fictional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)
    description: str = Field(min_length=1)


class Scenario(BaseModel):
    """One rehearsable conversation: the brief, the hidden need and the patient's lines."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    staff_role: str = Field(min_length=1)
    setting: str = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    skills: list[CueId] = Field(min_length=1)
    # What kind of difficult conversation it is, for the catalogue's filters and the README.
    themes: list[Theme] = Field(min_length=1)
    persona: Persona
    situation: str = Field(min_length=1)
    hidden_need: str = Field(min_length=1)
    start_level: Level
    turn_budget: int = Field(ge=1, le=50)
    opening: LineList
    lines: ActLines
    sensitivity: dict[CueId, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)

    def lines_for(self, act: str, level: str) -> list[Line]:
        """The lines this patient can say for ``act`` at ``level`` (a fresh list to pick from)."""
        if act not in ACTS:
            raise ValueError(f"unknown act {act!r}; acts are: {', '.join(ACTS)}")
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; levels are: {', '.join(LEVELS)}")
        return list(self.lines[act][level])

    def sensitivity_for(self, cue: str) -> float:
        """Multiplier of the cue's effect on this patient's tension (1.0 when not listed)."""
        return self.sensitivity.get(cue, 1.0)

    def brief(self) -> dict[str, Any]:
        """What a learner may see before practising: never the hidden need or the lines."""
        return {
            "id": self.id,
            "title": self.title,
            "staff_role": self.staff_role,
            "setting": self.setting,
            "difficulty": self.difficulty,
            "skills": list(self.skills),
            "themes": list(self.themes),
            "persona": self.persona.model_dump(),
            "situation": self.situation,
            "start_level": self.start_level,
            "turn_budget": self.turn_budget,
        }


def _path_of(loc: tuple[int | str, ...]) -> str:
    """``('lines', 'vent', 'calm', 0, 'text')`` -> ``lines.vent.calm[0].text``."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problem(err: ErrorDetails) -> str:
    """One pydantic error in words a scenario author understands."""
    kind, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    got = err.get("input")
    if kind == "missing":
        if loc[:1] == ("lines",) and len(loc) == 3:
            return f"missing: every act needs lines at every level ({', '.join(LEVELS)})"
        if loc[:1] == ("lines",) and len(loc) == 2:
            return "missing: every act needs lines (all twelve acts are required)"
        return "required field is missing"
    if kind == "extra_forbidden":
        if loc[:1] == ("lines",) and len(loc) == 2:
            return f"unknown act {loc[1]!r}; acts are: {', '.join(ACTS)}"
        if loc[:1] == ("lines",) and len(loc) == 3:
            return f"unknown level {loc[2]!r}; levels are: {', '.join(LEVELS)}"
        return f"unknown field {loc[-1]!r} (not part of the scenario format)"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entries, found {ctx.get('actual_length')}"
    if kind == "literal_error":
        return f"{got!r} is not allowed; expected {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "string_pattern_mismatch":
        if loc[-1] == "opportunity":
            return f"{got!r} should be a lowercase feeling word, e.g. 'worried'"
        return f"{got!r} should use only lowercase letters, digits and '_'"
    if kind == "model_type" and loc[-1:] != ("persona",):
        return f"expected a line of text or a mapping {{text, opportunity}}, got {got!r}"
    msg = err["msg"][0].lower() + err["msg"][1:]
    return f"{msg} (got {got!r})" if not isinstance(got, (dict, list)) else msg


def _validation_error(path: Path, exc: ValidationError) -> ScenarioError:
    problems = [f"{path}: {_path_of(e['loc'])}: {_problem(e)}" for e in exc.errors()]
    return ScenarioError("\n".join(problems))


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate one scenario file; raise ``ScenarioError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: YAML syntax error at {where}: {problem}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: (top level): expected a mapping of fields, found "
            f"{'nothing' if data is None else type(data).__name__}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc) from None
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id: {scenario.id!r} must equal the file name without extension ({path.stem!r})")
    return scenario


def scenario_dir(directory: Path | str | None = None) -> Path:
    """Explicit argument, else the `scenario_dir` setting (``PRACTICE_SCENARIO_DIR``, default
    ``data/scenarios``), read once per process: the action server asks on every action."""
    if directory is not None:
        return Path(directory)
    return get_settings().scenario_dir


@lru_cache(maxsize=8)
def _load_cached(directory: Path, stamp: tuple[tuple[str, int], ...]) -> dict[str, Scenario]:
    """Keyed on names and mtimes, so an edited, added or removed file is re-read."""
    return {Path(name).stem: load_scenario(directory / name) for name, _ in stamp}


def load_library(directory: Path | str | None = None) -> dict[str, Scenario]:
    """Every scenario in the directory by id; one bad file fails loudly with its problems."""
    root = scenario_dir(directory).resolve()
    if not root.is_dir():
        raise ScenarioError(f"{root}: scenario directory not found")
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.glob("*.yml")))
    return dict(_load_cached(root, stamp))
