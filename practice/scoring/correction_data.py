"""Reviewers' corrections as data (no spaCy here: the API imports it): what a correction is,
when two texts are the same, which corrections conflict, and the partial training examples
they make (practice/scoring/corrections.py says how a rebuild uses them)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAX_DROP = 0.01  # dev macro-F1 a build with corrections may lose and still be installed
KINDS = {"wrong": 0.0, "missed": 1.0}


@dataclass(frozen=True)
class Correction:
    """One reviewer's correction of one cue on one learner text."""

    text: str
    context: str
    cue: str
    kind: str  # "wrong" | "missed"
    reviewer_id: int | None = None
    scorer_version: str | None = None


@dataclass(frozen=True)
class Conflict:
    """Reviewers disagree on a cue in the same text."""

    text: str
    cue: str
    wrong: int  # corrections saying the cue is not there
    missed: int  # corrections saying it is


def same_text(text: str) -> str:
    """What makes two learner texts 'the same' for corrections: their words, in order; case,
    spacing and punctuation do not count ("Sorry, which ward?" is "sorry which ward")."""
    return " ".join(re.findall(r"[\w']+", text.replace("\u2019", "'").casefold()))


def read_corrections(path: Path) -> list[Correction]:
    """Corrections from a JSON Lines file: {"text", "context", "cue", "kind"} a line."""
    out: list[Correction] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj.get("kind") not in KINDS or not isinstance(obj.get("text"), str) or not isinstance(obj.get("cue"), str):
            raise ValueError(f"{path}:{n}: expected {{'text', 'context', 'cue', 'kind': 'wrong' | 'missed'}}")
        out.append(
            Correction(
                obj["text"],
                obj.get("context") or "",
                obj["cue"],
                obj["kind"],
                obj.get("reviewer_id"),
                obj.get("scorer_version"),
            )
        )
    return out


def write_corrections(corrections: Iterable[Correction], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for c in corrections:
            fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")


def find_conflicts(corrections: Iterable[Correction]) -> list[Conflict]:
    """Every (text, cue) that reviewers marked both wrong and missed."""
    tally: dict[tuple[str, str], dict[str, Any]] = {}
    for c in corrections:
        entry = tally.setdefault((same_text(c.text), c.cue), {"text": c.text, "wrong": 0, "missed": 0})
        entry[c.kind] += 1
    return [
        Conflict(e["text"], cue, e["wrong"], e["missed"])
        for (_, cue), e in sorted(tally.items())
        if e["wrong"] and e["missed"]
    ]


def training_examples(
    corrections: Iterable[Correction], known_cues: set[str] | None = None
) -> tuple[list[tuple[str, str, dict[str, float]]], list[Conflict]]:
    """One partial example per corrected text (its corrected cues only), and the conflicts
    left out. Corrections of a cue the taxonomy no longer has are skipped."""
    items = [c for c in corrections if known_cues is None or c.cue in known_cues]
    conflicts = find_conflicts(items)
    conflicted = {(same_text(c.text), c.cue) for c in conflicts}
    by_text: dict[str, tuple[str, str, dict[str, float]]] = {}
    for c in items:
        key = same_text(c.text)
        if (key, c.cue) in conflicted:
            continue
        text, context, known = by_text.setdefault(key, (c.text, c.context, {}))
        known[c.cue] = KINDS[c.kind]
    return list(by_text.values()), conflicts


def corrections_hash(examples: list[tuple[str, str, dict[str, float]]]) -> str:
    h = hashlib.sha256(json.dumps(examples, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:8]
