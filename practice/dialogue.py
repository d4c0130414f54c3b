"""The patient's dialogue data, generated from one behaviour table.

The act the patient chooses after each learner move is a table kept as data in
`data/behaviour.yml`, so course staff can read and change it. Rasa cannot read that table,
so this module writes what Rasa trains and tests from: the rules (one per level, need state
and act), the training stories and the test stories. Writing all three from one source is
what keeps them consistent; `out_of_date()` (and `practice engine generate --check`) says when a
generated file no longer matches its source. No Rasa import: this runs in the project
environment, and the output is plain YAML text, so it can be compared byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actions.vocabulary import REPO_ROOT

BEHAVIOUR = REPO_ROOT / "data" / "behaviour.yml"
TEST_CONVERSATIONS = REPO_ROOT / "tests" / "conversations.yml"
RULES = REPO_ROOT / "data" / "rules" / "patient.yml"
STORIES = REPO_ROOT / "data" / "stories" / "conversations.yml"
TEST_STORIES = REPO_ROOT / "tests" / "test_stories.yml"

LEARNER_REPLY = "learner_reply"  # every learner turn: the words ride along as entity `said`
SYSTEM_INTENTS = ("start_scenario", "end_session")  # sent by the API to open and close
NEED_KEYS = ("need_hidden", "need_disclosed")  # the two sides of the need_disclosed slot

RULES_HEADER = (
    "# GENERATED from one behaviour table: (learner move, escalation after scoring,\n"
    "# need_disclosed) -> patient act. Keep rules, stories and tests in step.\n"
)
STORIES_HEADER = "# Whole practice conversations, well and badly handled, following the rules.\n"
TEST_STORIES_HEADER = (
    "# Rasa test stories: whole conversations with learner texts (each turn's move is what the\n"
    "# cue scorer reads from its text: tests/scoring/test_moves.py checks it).\n"
    "# Run: rasa test core --stories tests/test_stories.yml --fail-on-prediction-errors\n"
)


class BehaviourError(ValueError):
    """The behaviour table or a conversation is malformed; the message says where."""


@dataclass(frozen=True)
class Conversation:
    """One whole conversation: turns are (move, level after scoring, learner text or None);
    an `end_session` turn carries the API's end reason in place of the level."""

    name: str
    start: str
    turns: tuple[tuple[str, str, str | None], ...]
    scenario: str
    seed: str


@dataclass(frozen=True)
class Behaviour:
    """The loaded table: `table[move][level]` is (act while the need is hidden, act once
    it is out), identical when the need does not matter there. Moves keep file order,
    which is also the order of the generated rules."""

    levels: tuple[str, ...]
    acts: tuple[str, ...]
    terminal: tuple[str, ...]
    table: dict[str, dict[str, tuple[str, str]]]
    conversations: tuple[Conversation, ...]

    def act(self, intent: str, level: str, need_disclosed: bool) -> str:
        """The patient's act after `intent` left the patient at `level`."""
        return self.table[intent][level][int(need_disclosed)]

    def need_matters(self, intent: str, level: str) -> bool:
        hidden, disclosed = self.table[intent][level]
        return hidden != disclosed


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise BehaviourError(f"{path}: expected a mapping at the top level")
    return data


def _cell(value: Any, acts: tuple[str, ...], where: str) -> tuple[str, str]:
    """One table cell: an act, or {need_hidden: act, need_disclosed: act}."""
    pair = (value, value) if isinstance(value, str) else None
    if isinstance(value, dict) and sorted(value) == sorted(NEED_KEYS):
        pair = (value[NEED_KEYS[0]], value[NEED_KEYS[1]])
    if pair is None:
        raise BehaviourError(f"{where}: expected an act or {{{', '.join(NEED_KEYS)}}}, got {value!r}")
    for act in pair:
        if act not in acts:
            raise BehaviourError(f"{where}: unknown act {act!r}; acts are: {', '.join(acts)}")
    return pair


def _conversations(
    items: Any, levels: tuple[str, ...], where: str, defaults: dict[str, Any]
) -> tuple[Conversation, ...]:
    """Conversations from YAML; `defaults` supplies the scenario and seed a conversation omits."""
    out = []
    for n, item in enumerate(items or []):
        turns = []
        for turn in item["turns"]:
            intent, level, text = (list(turn) + [None])[:3]
            if intent != "end_session" and level not in levels:
                raise BehaviourError(f"{where}: conversation {n + 1}: unknown level {level!r}")
            turns.append((str(intent), str(level), None if text is None else str(text)))
        scenario, seed = (str(item.get(key, defaults.get(key, ""))) for key in ("scenario", "seed"))
        out.append(Conversation(str(item["name"]), str(item["start"]), tuple(turns), scenario, seed))
    return tuple(out)


def load_behaviour(path: Path = BEHAVIOUR) -> Behaviour:
    """Read and check the table: every act known, every intent once, every level filled."""
    data = _read(path)
    levels = tuple(data["levels"])
    acts = tuple(data["acts"])
    terminal = tuple(sorted(data["ends_session"]))
    if not set(terminal) <= set(acts):
        raise BehaviourError(f"{path}: ends_session lists unknown acts: {sorted(set(terminal) - set(acts))}")
    table: dict[str, dict[str, tuple[str, str]]] = {}
    for group in data["groups"]:
        name = group["group"]
        defaults = group.get("acts") or {}
        for intent, overrides in (group.get("moves") or {}).items():
            if intent in table:
                raise BehaviourError(f"{path}: move {intent!r} appears twice (again in group {name!r})")
            cells = {**defaults, **(overrides or {})}
            if set(cells) != set(levels):
                raise BehaviourError(
                    f"{path}: group {name!r}, move {intent!r}: needs exactly the levels "
                    f"{', '.join(levels)}; has {', '.join(cells)}"
                )
            table[intent] = {lv: _cell(cells[lv], acts, f"{path}: {intent} at {lv}") for lv in levels}
    conversations = _conversations(data.get("conversations"), levels, str(path), data.get("story_start", {}))
    return Behaviour(levels, acts, terminal, table, conversations)


def load_test_conversations(behaviour: Behaviour, path: Path = TEST_CONVERSATIONS) -> tuple[Conversation, ...]:
    """The test conversations, with the learner's own words for each turn."""
    data = _read(path)
    return _conversations(data["conversations"], behaviour.levels, str(path), {"seed": data["seed"]})


def _act_steps(behaviour: Behaviour, act: str) -> list[str]:
    """The steps after a patient act: the need slot it sets, the summary that ends it."""
    out = [f"  - action: action_patient_{act}"]
    if act == "disclose_need":
        out += ["  - slot_was_set:", "    - need_disclosed: true"]
    if act in behaviour.terminal:
        out += ["  - action: action_session_summary"]
    return out


def _turn_steps(move: str, level: str) -> list[str]:
    """A learner turn as Rasa sees it: the API's `learner_reply`, the scoring action, and
    the two slots it sets that the rules read (the move and the level after scoring)."""
    return [
        f"  - intent: {LEARNER_REPLY}",
        "  - action: action_score_turn",
        "  - slot_was_set:",
        f"    - move: {move}",
        f"    - escalation: {level}",
    ]


def rules_text(behaviour: Behaviour) -> str:
    """data/rules/patient.yml: fixed system rules, then per level and need state one rule per
    move; a need-dependent cell becomes two rules conditioned on need_disclosed, so
    RulePolicy decides every turn."""
    lines = ['version: "3.1"', "", "rules:", ""]
    lines += [
        '- rule: "the API starts a scenario; the patient opens, then waits for the learner"',
        "  steps:",
        "  - intent: start_scenario",
        "  - action: action_start_scenario",
        "",
        '- rule: "the API ends the session (finished or for safety); the summary follows"',
        "  steps:",
        "  - intent: end_session",
        "  - action: action_session_summary",
        "",
    ]
    for act in behaviour.terminal:
        lines += [
            f'- rule: "a terminal act ({act}) is always followed by the summary"',
            "  steps:",
            f"  - action: action_patient_{act}",
            "  - action: action_session_summary",
            "",
        ]
    for level in behaviour.levels:
        for need in (None, False, True):  # need-independent cells first, then hidden, then out
            for move in behaviour.table:
                if (need is None) == behaviour.need_matters(move, level):
                    continue
                act = behaviour.act(move, level, bool(need))
                cond = {None: "", False: " before the need is out", True: " once the need is out"}[need]
                lines.append(f'- rule: "at {level}{cond}, {move} -> {act}"')
                if need is not None:
                    flag = "true" if need else "false"
                    lines += ["  condition:", "  - slot_was_set:", f"    - need_disclosed: {flag}"]
                lines.append("  steps:")
                lines += _turn_steps(move, level)
                lines += _act_steps(behaviour, act) + [""]
    return RULES_HEADER + "\n".join(lines) + "\n"


def _story(behaviour: Behaviour, conv: Conversation, with_text: bool) -> list[str]:
    """One story; the patient's acts come from the table, tracking when the need comes out."""
    start = f'{{"scenario_id": "{conv.scenario}", "seed": "{conv.seed}"}}'
    lines = [f'- story: "{conv.name}"', "  steps:"]
    lines += (
        [f"  - user: |\n      /start_scenario{start}", "    intent: start_scenario"]
        if with_text
        else ["  - intent: start_scenario"]
    )
    lines += [
        "    entities:",
        f"    - scenario_id: {conv.scenario}",
        f'    - seed: "{conv.seed}"',
        "  - action: action_start_scenario",
        "  - slot_was_set:",
        f"    - escalation: {conv.start}",
    ]
    need = False
    for k, (intent, level, text) in enumerate(conv.turns):
        if intent == "end_session":
            lines += (
                [f'  - user: |\n      /end_session{{"reason": "{level}"}}', "    intent: end_session"]
                if with_text
                else ["  - intent: end_session"]
            )
            lines += ["    entities:", f"    - reason: {level}", "  - action: action_session_summary"]
            break
        if intent not in behaviour.table:
            raise BehaviourError(f"story {conv.name!r}: move {intent!r} is not in the behaviour table")
        act = behaviour.act(intent, level, need)
        if with_text:
            lines += [
                f"  - user: |\n      /{LEARNER_REPLY}{json.dumps({'said': text})}",
                f"    intent: {LEARNER_REPLY}",
                "    entities:",
                f"    - said: {json.dumps(text)}",
            ]
            lines += _turn_steps(intent, level)[1:]
        else:
            lines += _turn_steps(intent, level)
        lines += _act_steps(behaviour, act)
        need = need or act == "disclose_need"
        if act in behaviour.terminal and k != len(conv.turns) - 1:
            raise BehaviourError(f"story {conv.name!r}: turn {k + 1} ends the session ({act}); turns follow")
    return lines + [""]


def _stories(behaviour: Behaviour, conversations: tuple[Conversation, ...], with_text: bool) -> str:
    lines = ['version: "3.1"', "", "stories:", ""]
    for conv in conversations:
        lines += _story(behaviour, conv, with_text)
    return "\n".join(lines) + "\n"


def stories_text(behaviour: Behaviour) -> str:
    """data/stories/conversations.yml: the table's own conversations, as training stories."""
    return STORIES_HEADER + _stories(behaviour, behaviour.conversations, with_text=False)


def rasa_test_stories_text(behaviour: Behaviour, tests: tuple[Conversation, ...]) -> str:
    """tests/test_stories.yml: the test conversations with the learner's words."""
    return TEST_STORIES_HEADER + _stories(behaviour, tests, with_text=True)


def generate() -> dict[Path, str]:
    """Every generated file and the text it should have, from the current sources."""
    behaviour = load_behaviour()
    tests = load_test_conversations(behaviour)
    return {
        RULES: rules_text(behaviour),
        STORIES: stories_text(behaviour),
        TEST_STORIES: rasa_test_stories_text(behaviour, tests),
    }


def out_of_date() -> list[Path]:
    """The generated files whose content differs from what the sources give (or missing)."""
    return [path for path, text in generate().items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def write_all() -> list[Path]:
    """Write every generated file; return those whose content changed."""
    changed = []
    for path, text in generate().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        changed.append(path)
    return changed
