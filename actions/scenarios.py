"""Scenario scripts: what a simulated patient says, and how they react to each cue.

A scenario is a YAML file in ``data/scenarios/`` (format in ``docs/DESIGN.md``). Authors
are trainers, not programmers, so every problem is reported as one plain line naming the
file, the field path (``lines.vent.hostile``) and what is wrong. This module is plain
Python (pydantic + PyYAML) so the actions, the API and the CLI can all share it.
"""

from __future__ import annotations

import os
import string
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
    with_config,
)
from pydantic_core import ErrorDetails
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from actions.settings import TAXONOMY_PATH, get_settings
from actions.vocabulary import ACTS, LEVELS, Level, Theme, Topic

__all__ = [
    "REACTION_MOVES",
    "THEME_LABELS",
    "Fact",
    "Line",
    "Persona",
    "Scenario",
    "ScenarioError",
    "cue_ids",
    "cue_weights",
    "engine_key",
    "load_scenario",
    "parse_scenario",
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
MAX_LINE_CHARS = 400  # a patient line is something said in one breath, not a paragraph
# The learner moves that feel like an attack (data/behaviour.yml's anti-patterns, and jargon):
# a scenario's `reactions` may take up the learner's own words for each.
REACTION_MOVES = ("threaten", "command", "blame", "argue", "dismiss", "advise", "jargon")


# libyaml's safe loader reads a scenario file about ten times as fast as PyYAML's own (the
# library of twelve: 1.1 s -> 0.08 s), which the API's first request and the action server's
# first action wait for; same safety, same error marks.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def _slots(text: str) -> list[str]:
    """The named slots of a template: ``"{quote}? Don't you tell me that."`` -> ``["quote"]``."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:  # an unmatched brace
        raise ValueError(f"{text!r}: {exc}; write slots as {{name}}") from None


def _allow_slots(*allowed: str) -> Any:
    """A check that a line names only `allowed` slots (none for a plain line)."""

    def check(line: Line) -> Line:
        for name in _slots(line.text):
            if name not in allowed:
                what = f"slots here are: {', '.join('{' + a + '}' for a in allowed)}" if allowed else "no slots here"
                raise ValueError(f"unknown slot {{{name}}} in {line.text!r} ({what})")
        return line

    return AfterValidator(check)


class Line(BaseModel):
    """One thing the patient can say; ``opportunity`` names the feeling it voices, if any.

    Some lines are templates with named slots filled from the learner's turn (``{quote}``: the
    learner's words the scorer found) or from a fact (``{gist}``); each kind of line allows
    only its own slots, so a misspelt slot is caught when the file is loaded, not in a session.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_LINE_CHARS)
    opportunity: Feeling | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        """Most lines are plain strings in YAML; only empathic opportunities need a mapping."""
        return {"text": value} if isinstance(value, str) else value

    def fill(self, **slots: str) -> str:
        """The line with its slots filled (a plain line comes back as it is)."""
        return self.text.format(**slots) if _slots(self.text) else self.text


PlainLine = Annotated[Line, _allow_slots()]
LineList = Annotated[list[PlainLine], Field(min_length=MIN_LINES)]
# Lines for facts and templates: at least one per level (the fact's answers, the recall lines).
AnswerList = Annotated[list[PlainLine], Field(min_length=1)]
GistList = Annotated[list[Annotated[Line, _allow_slots("gist")]], Field(min_length=1)]
QuoteList = Annotated[list[Annotated[Line, _allow_slots("quote")]], Field(min_length=1)]


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


@with_config(ConfigDict(extra="forbid"))
class FactAnswers(TypedDict):
    """A fact told at every level: fuller when calm, curt when angry."""

    calm: AnswerList
    uneasy: AnswerList
    upset: AnswerList
    angry: AnswerList
    hostile: AnswerList


@with_config(ConfigDict(extra="forbid"))
class GistLines(TypedDict):
    """Lines that may name a fact's gist (``{gist}``), at every level."""

    calm: GistList
    uneasy: GistList
    upset: GistList
    angry: GistList
    hostile: GistList


@with_config(ConfigDict(extra="forbid"))
class QuoteLines(TypedDict, total=False):
    """Lines that may quote the learner (``{quote}``); a level left out uses the act's lines."""

    calm: QuoteList
    uneasy: QuoteList
    upset: QuoteList
    angry: QuoteList
    hostile: QuoteList


@with_config(ConfigDict(extra="forbid"))
class PlainLevelLines(TypedDict):
    """Plain lines at every level, at least one each."""

    calm: AnswerList
    uneasy: AnswerList
    upset: AnswerList
    angry: AnswerList
    hostile: AnswerList


for _levels in (LevelLines, FactAnswers, GistLines, QuoteLines, PlainLevelLines):
    if tuple(_levels.__annotations__) != LEVELS:
        raise RuntimeError(f"{_levels.__name__} must list LEVELS in order")  # edit both together
if tuple(ActLines.__annotations__) != ACTS:
    raise RuntimeError("ActLines must list ACTS in order")


class Fact(BaseModel):
    """Something the patient knows and tells when asked (actions/facts.py matches the question).

    ``keywords`` are the words a question about this fact would use beyond its topic's usual
    words (data/topics.yml); ``asks`` are questions an author expects to reach it (the scenario
    check reports a fact none of its own questions reaches); ``gist`` is the fact in a few words, for "I've told you: {gist}".
    A ``guarded`` fact is close to the hidden need: the patient holds it back until the learner
    has listened (the same rule that lets the need come out).
    ``also`` names other topics the same fact answers: a question's topic is a matter of
    where one draws the line ("Is anyone with you?" asks who, "Do you live alone?" asks about
    home), and a patient who lives alone answers both with the same fact.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    topic: Topic
    also: list[Topic] = Field(default_factory=list, max_length=2)
    about: str = Field(min_length=1, max_length=200)
    keywords: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(min_length=1)
    gist: str = Field(min_length=1, max_length=120)
    asks: list[Annotated[str, Field(min_length=3, max_length=MAX_LINE_CHARS)]] = Field(min_length=1)
    guarded: bool = False
    answers: FactAnswers

    @field_validator("also")
    @classmethod
    def _also_other_topics(cls, also: list[Topic], info: ValidationInfo) -> list[Topic]:
        if info.data.get("topic") in also or len(set(also)) != len(also):
            raise ValueError("name each other topic once, and not the fact's own topic")
        return also

    @property
    def topics(self) -> tuple[Topic, ...]:
        """Every topic this fact answers: its own first, then ``also``."""
        return (self.topic, *self.also)

    def answers_at(self, level: str) -> list[Line]:
        """How the patient tells this fact at ``level``."""
        return list(cast(dict[str, list[Line]], self.answers)[level])


@with_config(ConfigDict(extra="forbid"))
class Templates(TypedDict, total=False):
    """The patient's lines that take up what the learner asked or said (all optional as a whole,
    but a scenario with facts needs `recall`, `holding_back` and `deflect`)."""

    recall: GistLines  # a fact asked about again: "I've told you, {gist}"
    holding_back: PlainLevelLines  # a guarded fact asked about before the learner has listened
    deflect: PlainLevelLines  # a question the patient has no fact for
    need_heard: PlainLevelLines  # a reflection that names the hidden need: "Yes. That's exactly it."
    reactions: dict[str, QuoteLines]  # per anti-pattern move: "{quote}? Don't you tell me to calm down."


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
    facts: list[Fact] = Field(default_factory=list)
    templates: Templates = Field(default_factory=lambda: Templates())

    def lines_for(self, act: str, level: str) -> list[Line]:
        """The lines this patient can say for ``act`` at ``level`` (a fresh list to pick from)."""
        if act not in ACTS:
            raise ValueError(f"unknown act {act!r}; acts are: {', '.join(ACTS)}")
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; levels are: {', '.join(LEVELS)}")
        return list(self.lines[act][level])

    def template_lines(self, kind: str, level: str) -> list[Line]:
        """The ``templates.<kind>`` lines at ``level`` ([] when the scenario has none)."""
        if kind == "reactions":
            raise ValueError("reactions are per move: use reaction_lines")
        by_level = cast(dict[str, dict[str, list[Line]]], self.templates).get(kind, {})
        return list(by_level.get(level, []))

    def reaction_lines(self, move: str, level: str) -> list[Line]:
        """The lines that take up the learner's words after `move` at `level` ([] when none)."""
        return list(self.templates.get("reactions", {}).get(move, {}).get(level, []))  # type: ignore[call-overload]

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
    if kind == "string_type" and isinstance(got, bool):
        return f"YAML read this word as {got!r} (yes/no/on/off are true/false in YAML): put it in quotes"
    if isinstance(got, str) and len(got) > 60:
        got = got[:57] + "..."
    msg = err["msg"][0].lower() + err["msg"][1:]
    return f"{msg} (got {got!r})" if not isinstance(got, (dict, list)) else msg


def _cross_field_problems(data: dict[str, Any]) -> list[str]:
    """Checks across fields, made on the raw data so they are listed with every field error:
    fact ids are unique, reaction moves are known, facts come with the templates they need."""
    raw_facts, raw_templates = data.get("facts"), data.get("templates")
    facts = [f for f in raw_facts if isinstance(f, dict)] if isinstance(raw_facts, list) else []
    templates: dict[str, Any] = raw_templates if isinstance(raw_templates, dict) else {}
    problems: list[str] = []
    ids = [f.get("id") for f in facts]
    problems += [f"facts: id {i!r} is used twice" for i in sorted({str(i) for i in ids if ids.count(i) > 1})]
    reactions = templates.get("reactions")
    for move in reactions if isinstance(reactions, dict) else {}:
        if move not in REACTION_MOVES:
            problems.append(f"templates.reactions: unknown move {move!r}; moves are: {', '.join(REACTION_MOVES)}")
    if facts:
        problems += [
            f"templates.{kind}: required when the scenario has facts"
            for kind in ("recall", "deflect")
            if kind not in templates
        ]
    if any(f.get("guarded") for f in facts) and "holding_back" not in templates:
        problems.append("templates.holding_back: required when a fact is guarded")
    return problems


def parse_scenario(data: Any, source: str) -> Scenario:
    """Validate a scenario's data (from a file or the authoring form); raise ``ScenarioError``
    listing every problem at once, one ``source: field: problem`` line each."""
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: (top level): expected a mapping of fields, found "
            f"{'nothing' if data is None else type(data).__name__}"
        )
    problems = [f"{source}: {line}" for line in _cross_field_problems(data)]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [f"{source}: {_path_of(e['loc'])}: {_problem(e)}" for e in exc.errors()] + problems
    if problems:
        raise ScenarioError("\n".join(problems))
    return scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate one scenario file; raise ``ScenarioError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, libyaml's when present
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: YAML syntax error at {where}: {problem}") from exc
    scenario = parse_scenario(data, str(path))
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id: {scenario.id!r} must equal the file name without extension ({path.stem!r})")
    return scenario


def scenario_dir(directory: Path | str | None = None) -> Path:
    """Explicit argument, else the `scenario_dir` setting (``PRACTICE_SCENARIO_DIR``, default
    ``data/scenarios``), read once per process: the action server asks on every action."""
    if directory is not None:
        return Path(directory)
    return get_settings().scenario_dir


# How an authored scenario's version is named to the engine (file name and `id` inside):
# `<id>__v<N>`. Authored ids never contain `__`, so the key reads back unambiguously.
VERSION_SEPARATOR = "__v"


def engine_key(scenario_id: str, version: int) -> str:
    """The engine's name for version ``version`` of the authored scenario ``scenario_id``."""
    return f"{scenario_id}{VERSION_SEPARATOR}{version}"


def _stamp(root: Path) -> tuple[tuple[str, int], ...]:
    """The directory's scenario files with their mtimes; none when it does not exist (yet)."""
    if not root.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.glob("*.yml")))


@lru_cache(maxsize=8)
def _load_cached(directory: Path, stamp: tuple[tuple[str, int], ...]) -> dict[str, Scenario]:
    """Keyed on names and mtimes, so an edited, added or removed file is re-read."""
    return {Path(name).stem: load_scenario(directory / name) for name, _ in stamp}


def load_library(directory: Path | str | None = None, *, authored_dir: Path | str | None = None) -> dict[str, Scenario]:
    """Every scenario by id: the built-in directory's, then the authored versions' (keys
    ``<id>__v<N>``); one bad file fails loudly with its problems.

    With no arguments both directories come from the settings (the action server's case: an
    authored version published after it started is read on the next action, no restart).
    Given a ``directory``, only the directories passed are read. The authored directory may
    not exist yet; the built-in one must.
    """
    root = scenario_dir(directory).resolve()
    if not root.is_dir():
        raise ScenarioError(f"{root}: scenario directory not found")
    library = dict(_load_cached(root, _stamp(root)))
    if directory is None and authored_dir is None:
        authored_dir = get_settings().authored_scenario_dir
    if authored_dir is not None:
        authored = Path(authored_dir).resolve()
        if authored != root:
            for key, scenario in _load_cached(authored, _stamp(authored)).items():
                if key in library:
                    raise ScenarioError(f"{authored / key}.yml: id: {key!r} is also a built-in scenario")
                library[key] = scenario
    return library
