"""Labelled cue data: reading, validating and merging JSON Lines files.

Format (docs/DESIGN.md): one object a line, `{"text", "context", "cues": [...]}`.
The loader prefers the merged `data/cues/train.jsonl` / `dev.jsonl`; until those exist it
reads the contributors' parts (`data/cues/parts/*_train.jsonl`, `*_dev.jsonl`) so the
scorer can be developed while data is still being written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from actions.scoring.errors import DataError
from actions.scoring.taxonomy import REPO_ROOT

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
    """Files holding a split ('train' or 'dev'): the merged file, else the parts."""
    merged = cues_dir / f"{split}.jsonl"
    if merged.exists():
        return [merged]
    return sorted((cues_dir / "parts").glob(f"*_{split}.jsonl"))


def load_split(split: str, known: set[str] | None = None, cues_dir: Path = CUES_DIR) -> list[Example]:
    out: list[Example] = []
    for path in split_files(split, cues_dir):
        out.extend(read_examples(path, known))
    return out


def merge_parts(cues_dir: Path = CUES_DIR) -> dict[str, int]:
    """Concatenate parts/*_{train,dev}.jsonl into train.jsonl/dev.jsonl, deterministically.

    Lines are de-duplicated (same text+context keeps the first) and sorted stably by file
    name then line order, so re-running gives byte-identical files.
    """
    counts: dict[str, int] = {}
    for split in ("train", "dev"):
        seen: set[tuple[str, str]] = set()
        lines: list[str] = []
        for path in sorted((cues_dir / "parts").glob(f"*_{split}.jsonl")):
            for ex in read_examples(path):
                key = (ex.text.strip(), ex.context.strip())
                if key in seen:
                    continue
                seen.add(key)
                lines.append(json.dumps({"text": ex.text, "context": ex.context, "cues": list(ex.cues)}, ensure_ascii=False))
        (cues_dir / f"{split}.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
        counts[split] = len(lines)
    return counts
