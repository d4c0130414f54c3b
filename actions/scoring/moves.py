"""The move the patient reacts to, read from the cues the learner is shown.

Why a reading of the cues and not a second classifier: the feedback and the patient's
reaction must never disagree. Before, Rasa's intent classifier read the words a second time
and could hear *blame* in a reply the feedback praised as a reflection. Now the move is a
pure function of the score card (cue ids and their confidences) and of the turn's form when
no cue was found, with a documented precedence (`data/cues/moves.yml`). Plain Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.scoring.errors import DataError
from actions.scoring.result import CueHit
from actions.vocabulary import REPO_ROOT

MOVES_PATH = REPO_ROOT / "data" / "cues" / "moves.yml"
FORMS = ("farewell", "greeting", "backchannel")
NEUTRAL = "neutral"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Move:
    """The learner's move: its id, the cue that decided it (None when no cue did), and
    whether only tentative cues (below the confidence floor) decided it."""

    id: str
    cue: str | None = None
    confidence: float = 1.0
    tentative: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "cue": self.cue, "confidence": round(self.confidence, 2), "tentative": self.tentative}


@dataclass(frozen=True)
class Step:
    """One precedence entry: the move, and the cues (or the form) that make it."""

    move: str
    cues: tuple[str, ...] = ()
    form: str | None = None
    unless: tuple[str, ...] = ()  # confident cues in the turn that skip this entry


@dataclass(frozen=True)
class MoveRules:
    """moves.yml, loaded: the precedence, the forms, the confidence floor."""

    confidence_floor: float
    tentative_weight: float
    precedence: tuple[Step, ...]
    forms: dict[str, re.Pattern[str]]
    out_of_scope_flags: frozenset[str]
    yield_when_tentative: frozenset[str] = frozenset()  # cues that give way to confident ones when tentative

    @property
    def move_ids(self) -> tuple[str, ...]:
        """Every move the patient can react to, in precedence order."""
        ids: list[str] = []
        for move in [step.move for step in self.precedence] + [NEUTRAL, OUT_OF_SCOPE]:
            if move not in ids:
                ids.append(move)
        return tuple(ids)

    def is_tentative(self, hit: CueHit) -> bool:
        return hit.confidence < self.confidence_floor

    def gives_way(self, hit: CueHit) -> bool:
        """A tentative hit of a cue whose wrong reading costs the learner (an anti-pattern the
        patient would react to, a call for support that ends the practice) gives way to every
        confident cue and form; a tentative listening or question cue keeps its place."""
        return hit.cue in self.yield_when_tentative and self.is_tentative(hit)

    def read(self, text: str, hits: Sequence[CueHit], flags: Sequence[str] = ()) -> Move:
        """The move for one scored turn (module doc; precedence in moves.yml).

        Cues and forms are tried in precedence order, first leaving out the tentative cues
        that give way (`yield_when_tentative`); only if nothing else applies do those decide.
        A move decided by a tentative cue is marked tentative.
        """
        if self.out_of_scope_flags & set(flags):
            return Move(OUT_OF_SCOPE)
        best: dict[str, CueHit] = {}
        for hit in hits:
            if hit.cue not in best or hit.confidence > best[hit.cue].confidence:
                best[hit.cue] = hit
        plain = text.strip().replace("\u2019", "'")
        for last_resort in (False, True):
            for step in self.precedence:
                if step.form is not None:
                    if not last_resort and self.forms[step.form].search(plain):
                        return Move(step.move)
                    continue
                if any(c in best and not self.is_tentative(best[c]) for c in step.unless):
                    continue
                for cue in step.cues:
                    candidate = best.get(cue)
                    if candidate is not None and self.gives_way(candidate) == last_resort:
                        return Move(step.move, cue, candidate.confidence, self.is_tentative(candidate))
        return Move(NEUTRAL)


def _where(path: Path, field: str) -> str:
    return f"{path}: {field}"


def _step(entry: Any, n: int, known_cues: Sequence[str], seen: dict[str, str], path: Path) -> Step:
    where = _where(path, f"precedence[{n}]")
    if not isinstance(entry, dict) or not isinstance(entry.get("move"), str):
        raise DataError(f"{where}: expected {{move: id, cues: [cue ids]}} or {{move: id, form: name}}")
    if "form" in entry:
        if entry["form"] not in FORMS:
            raise DataError(f"{where}: unknown form {entry['form']!r}; forms are: {', '.join(FORMS)}")
        return Step(entry["move"], form=entry["form"])
    if not isinstance(entry.get("cues"), list) or not entry["cues"]:
        raise DataError(f"{where}: expected a non-empty 'cues' list or a 'form'")
    for cue in entry["cues"]:
        if cue not in known_cues:
            raise DataError(f"{where}: unknown cue {cue!r} (not in taxonomy.yml)")
        if cue in seen:
            raise DataError(f"{where}: cue {cue!r} already leads to move {seen[cue]!r}")
        seen[cue] = entry["move"]
    unless = entry.get("unless") or []
    for cue in unless:
        if cue not in known_cues:
            raise DataError(f"{where}: unless: unknown cue {cue!r} (not in taxonomy.yml)")
    return Step(entry["move"], cues=tuple(entry["cues"]), unless=tuple(unless))


def parse_moves(raw: Any, known_cues: Sequence[str], path: Path = MOVES_PATH) -> MoveRules:
    """Check and load moves.yml's content: every taxonomy cue leads to exactly one move,
    every form used is defined and compiles, the numbers are between 0 and 1."""
    if not isinstance(raw, dict) or not isinstance(raw.get("precedence"), list):
        raise DataError(f"{path}: expected a mapping with a 'precedence' list")
    seen: dict[str, str] = {}
    precedence = tuple(_step(entry, n, known_cues, seen, path) for n, entry in enumerate(raw["precedence"]))
    missing = [cue for cue in known_cues if cue not in seen]
    if missing:
        raise DataError(f"{path}: precedence: no move for cue(s) {', '.join(missing)}")
    forms: dict[str, re.Pattern[str]] = {}
    for name, pattern in (raw.get("forms") or {}).items():
        if name not in FORMS:
            raise DataError(f"{_where(path, 'forms')}: unknown form {name!r}; forms are: {', '.join(FORMS)}")
        try:
            forms[name] = re.compile(str(pattern), re.IGNORECASE)
        except re.error as exc:
            raise DataError(f"{_where(path, 'forms.' + name)}: bad regular expression: {exc}") from exc
    for step in precedence:
        if step.form is not None and step.form not in forms:
            raise DataError(f"{_where(path, 'forms')}: form {step.form!r} is used but not defined")
    yielding = raw.get("yield_when_tentative") or []
    if not isinstance(yielding, list) or any(cue not in known_cues for cue in yielding):
        raise DataError(f"{_where(path, 'yield_when_tentative')}: expected a list of cue ids from taxonomy.yml")
    numbers = {name: raw.get(name, 0.5) for name in ("confidence_floor", "tentative_weight")}
    for name, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise DataError(f"{_where(path, name)}: expected a number from 0 to 1, got {value!r}")
    return MoveRules(
        confidence_floor=float(numbers["confidence_floor"]),
        tentative_weight=float(numbers["tentative_weight"]),
        precedence=precedence,
        forms=forms,
        out_of_scope_flags=frozenset(raw.get("out_of_scope_flags") or ()),
        yield_when_tentative=frozenset(yielding),
    )


@lru_cache(maxsize=4)
def load_moves(path: Path = MOVES_PATH, known_cues: tuple[str, ...] | None = None) -> MoveRules:
    """moves.yml, checked against the taxonomy (cached: it is read on every turn)."""
    if known_cues is None:
        from actions.scoring.taxonomy import load_taxonomy

        known_cues = tuple(load_taxonomy().ids)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read the move rules: {exc}") from exc
    return parse_moves(raw, known_cues, path)
