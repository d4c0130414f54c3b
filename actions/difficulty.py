"""Difficulty profiles: how one behaviour table plays out easier or harder.

The dialogue model chooses the patient's act from the learner's move and the patient's
state (data/behaviour.yml); that choice is the same at every difficulty. What changes with
a scenario's `difficulty` is kept as data in `data/difficulty.yml` and applied here, in plain
Python the actions and the scenario checker share:

* ``escalation_rate`` multiplies every rise in tension (`actions.patient.next_tension`);
* ``listening_before_need``: until the learner has made that many listening replies, a
  chosen ``disclose_need`` is held back and the patient softens instead;
* ``boundary_pushback``: an angry or hostile patient pushes back against that many
  respectful boundaries (``soften`` is held back as ``escalate``) before backing down.

Whatever the difficulty, a chosen ``walk_out`` after a *tentative* move (one decided only by
cues below the scorer's confidence floor, data/cues/moves.yml) is held back as ``escalate``:
no conversation ends on a reading the scorer is unsure of.

Every hold-back turns an act into a non-terminal one, so the conversation's shape as the
dialogue model learnt it (what follows a terminal act) never changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.patient import EMPATHIC_CUES
from actions.vocabulary import REPO_ROOT, Level

DIFFICULTY_PATH = REPO_ROOT / "data" / "difficulty.yml"
# Replies that count as listening: they invite or take up what the patient is saying.
LISTENING_CUES = EMPATHIC_CUES | {"open_question"}
# Levels at which a patient may push back against a boundary rather than back down.
PUSHBACK_LEVELS: frozenset[Level] = frozenset({"angry", "hostile"})


class DifficultyError(ValueError):
    """data/difficulty.yml is malformed; the message says which profile and field."""


@dataclass(frozen=True)
class Difficulty:
    """One difficulty profile (see data/difficulty.yml for what each field means)."""

    level: int
    name: str
    escalation_rate: float
    listening_before_need: int
    boundary_pushback: int


def _profile(level: Any, raw: Any, path: Path) -> Difficulty:
    if not isinstance(raw, Mapping):
        raise DifficultyError(f"{path}: profiles.{level}: expected a mapping")
    try:
        profile = Difficulty(
            level=int(level),
            name=str(raw["name"]),
            escalation_rate=float(raw["escalation_rate"]),
            listening_before_need=int(raw["listening_before_need"]),
            boundary_pushback=int(raw["boundary_pushback"]),
        )
    except KeyError as exc:
        raise DifficultyError(f"{path}: profiles.{level}.{exc.args[0]}: required field is missing") from None
    except (TypeError, ValueError) as exc:
        raise DifficultyError(f"{path}: profiles.{level}: {exc}") from None
    if profile.escalation_rate <= 0 or profile.listening_before_need < 1 or profile.boundary_pushback < 0:
        raise DifficultyError(
            f"{path}: profiles.{level}: escalation_rate must be > 0, "
            "listening_before_need >= 1 and boundary_pushback >= 0"
        )
    return profile


@lru_cache(maxsize=4)
def load_difficulties(path: Path = DIFFICULTY_PATH) -> dict[int, Difficulty]:
    """Every profile by level; levels 1, 2 and 3 must all be there."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    profiles = {int(level): _profile(level, raw, path) for level, raw in (data.get("profiles") or {}).items()}
    if sorted(profiles) != [1, 2, 3]:
        raise DifficultyError(f"{path}: profiles: needs exactly levels 1, 2 and 3, found {sorted(profiles)}")
    return profiles


def difficulty(level: int) -> Difficulty:
    """The profile for a scenario's `difficulty`."""
    return load_difficulties()[level]


def listening_replies(cards: Iterable[Mapping[str, Any]]) -> int:
    """How many of the learner's scored replies so far were listening replies."""
    return sum(1 for card in cards if {cue["cue"] for cue in card.get("cues", [])} & LISTENING_CUES)


def boundaries_set(cards: Iterable[Mapping[str, Any]]) -> int:
    """How many of the learner's replies so far set a boundary (by move or by cue)."""
    return sum(
        1
        for card in cards
        if card.get("move") == "set_boundary" or any(cue["cue"] == "set_boundary" for cue in card.get("cues", []))
    )


def performed_act(chosen: str, *, level: str, cards: Sequence[Mapping[str, Any]], profile: Difficulty) -> str:
    """The act the patient performs when the dialogue model chose `chosen`.

    `cards` are this session's score cards, the learner's latest reply last.
    """
    latest = cards[-1] if cards else {}
    if chosen == "walk_out" and latest.get("move_tentative"):
        return "escalate"  # never end the conversation on a reading the scorer is unsure of
    if chosen == "disclose_need" and listening_replies(cards) < profile.listening_before_need:
        return "soften"
    if (
        chosen == "soften"
        and level in PUSHBACK_LEVELS
        and latest.get("move") == "set_boundary"
        and boundaries_set(cards) <= profile.boundary_pushback
    ):
        return "escalate"
    return chosen
