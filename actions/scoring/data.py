"""Labelled cue data: reading and validating the JSON Lines splits.

Format (docs/DESIGN.md): one object a line, `{"text", "context", "cues": [...]}`, in
`data/cues/train.jsonl` (the classifier learns from it) and `data/cues/dev.jsonl` (held out
for evaluation only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from actions.scoring.errors import DataError
from actions.vocabulary import REPO_ROOT

CUES_DIR = REPO_ROOT / "data" / "cues"


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    context: str = ""
    cues: tuple[str, ...] = field(default=())


def parse_line(line: str, where: str, known: set[str] | None = None) -> Example:
    """Parse one JSONL line; DataError names `where` (file:line) and the problem."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: invalid JSON: {exc.msg}") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise DataError(f"{where}: expected an object with a string 'text'")
    ctx = obj.get("context") or ""
    if not isinstance(ctx, str):
        raise DataError(f"{where}: 'context' must be a string, got {ctx!r}")
    cues = obj.get("cues") or []
    if not isinstance(cues, list) or not all(isinstance(c, str) for c in cues):
        raise DataError(f"{where}: 'cues' must be a list of cue ids, got {cues!r}")
    if known is not None:
        bad = [c for c in cues if c not in known]
        if bad:
            raise DataError(f"{where}: unknown cue id(s) {bad}")
    return Example(obj["text"], ctx, tuple(dict.fromkeys(cues)))


def read_examples(path: Path, known: set[str] | None = None) -> list[Example]:
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                out.append(parse_line(line, f"{path}:{n}", known))
    return out


def split_files(split: str, cues_dir: Path = CUES_DIR) -> list[Path]:
    """Files holding a split ('train' or 'dev'); empty if the split is missing."""
    path = cues_dir / f"{split}.jsonl"
    return [path] if path.exists() else []


def load_split(split: str, known: set[str] | None = None, cues_dir: Path = CUES_DIR) -> list[Example]:
    out: list[Example] = []
    for path in split_files(split, cues_dir):
        out.extend(read_examples(path, known))
    return out
