"""Apply data/cues/audits/questions-train-dev.json (question-cue audit) to data/cues/train.jsonl and dev.jsonl.

Each audit entry is {"file": "train"|"dev", "text", "context", "old", "new", "why"}. A line is
changed when its (text, context) matches an entry and its cues equal "old" (as a set); cues
that already equal "new" are left alone (so re-running is a no-op), and a line whose cues
are neither is reported and skipped (someone else changed it meanwhile).

Each file is rewritten in place in one quick read-modify-write under an flock: the file is
read, the new text computed, then re-read under the lock and only written if it has not
changed in between (otherwise the whole step is redone). Writing in place (not rename)
keeps the inode, so lines other people append meanwhile are kept. Unparseable lines (e.g. a
half-written append) and blank lines are kept verbatim; key order is kept and each object
is written back with json.dumps(obj, ensure_ascii=False).

Prints lines changed per file and the share of lines NOT labelled as any question whose
text contains "?", before and after.

Usage: .venv/bin/python bench/apply_label_audit.py [--dry-run]
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "data" / "cues" / "audits" / "questions-train-dev.json"
FILES = {"train": ROOT / "data" / "cues" / "train.jsonl", "dev": ROOT / "data" / "cues" / "dev.jsonl"}
QUESTIONS = {"open_question", "closed_question"}


def q_share(objs: list[dict]) -> tuple[int, int]:
    """(lines with '?' and no question cue, lines with no question cue)."""
    nq = [o for o in objs if not QUESTIONS & set(o.get("cues", []))]
    return sum("?" in o.get("text", "") for o in nq), len(nq)


def transform(raw: str, entries: dict) -> tuple[str, int, list[str], list[dict], list[dict], set]:
    out, before, after, problems, used = [], [], [], [], set()
    changed = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        nl = line[len(body) :]
        try:
            obj = json.loads(body) if body.strip() else None
        except json.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict):
            out.append(line)
            continue
        before.append(dict(obj))
        key = (obj.get("text"), obj.get("context"))
        ent = entries.get(key)
        if ent is not None:
            used.add(key)
            cur = obj.get("cues", [])
            if set(cur) == set(ent["old"]) and set(cur) != set(ent["new"]):
                obj["cues"] = list(ent["new"])
                changed += 1
                line = json.dumps(obj, ensure_ascii=False) + (nl or "")
            elif set(cur) != set(ent["new"]):
                problems.append(f"cues now {cur}, expected {ent['old']}: {str(key[0])[:70]!r}")
        after.append(obj)
        out.append(line)
    return "".join(out), changed, problems, before, after, used


def apply_file(path: Path, entries: dict, dry_run: bool):
    for _ in range(20):
        raw = path.read_text(encoding="utf-8")
        new, changed, problems, before, after, used = transform(raw, entries)
        if dry_run or new == raw:
            return changed, problems, before, after, used
        with open(path, "r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if fh.read() != raw:  # someone wrote meanwhile: redo from the fresh file
                    continue
                fh.seek(0)
                fh.write(new)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return changed, problems, before, after, used
    raise SystemExit(f"{path}: file kept changing, gave up")


def main() -> None:
    dry_run = "--dry-run" in sys.argv
    audit = json.loads(AUDIT.read_text(encoding="utf-8"))
    for name, path in FILES.items():
        entries = {(e["text"], e["context"]): e for e in audit if e["file"] == name}
        changed, problems, before, after, used = apply_file(path, entries, dry_run)
        b_q, b_n = q_share(before)
        a_q, a_n = q_share(after)
        missing = len(set(entries) - used)
        print(
            f"{name}: {changed} lines changed ({len(entries)} audit entries, {missing} not found, "
            f"{len(problems)} skipped){' [dry run]' if dry_run else ''}"
        )
        print(
            f"  '?' but no question cue: before {b_q}/{b_n} = {b_q / max(b_n, 1):.1%}, "
            f"after {a_q}/{a_n} = {a_q / max(a_n, 1):.1%} (of lines not labelled as any question)"
        )
        for p in problems:
            print("  skipped:", p)


if __name__ == "__main__":
    main()
