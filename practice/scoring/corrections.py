"""Reviewers' corrections as training data: `practice score --build --with-corrections`.

A correction marking a cue wrong is a negative example of that cue on that text; a missed cue
added is a positive one. Each corrected text becomes one *partial* example (textcat.train):
it teaches only the cues reviewers corrected, and says nothing of the others (the scorer's
other cues on it were never checked by anyone). Corrections of the same text (compared
by their words alone: case, spacing and punctuation aside) that disagree on a cue (one reviewer says it is
wrong, another that it was missed) are a conflict: that cue on that text is left out, and the
report counts them; reviewers see the list (api/services/reviews.py, `conflicts`).

The rebuild trains the selected classifier's training data plus the corrections, scores dev
with the build that scores now and with the new one, and installs the new one only if dev
macro-F1 does not fall by more than `MAX_DROP` (else it is kept on disk, refused, and the
current build keeps scoring).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from actions.scoring import builds
from actions.scoring import textcat as tc
from actions.scoring.data import CUES_DIR, load_split, read_examples
from actions.scoring.scorer import Scorer, classifier_key, reset_scorer
from practice.scoring.correction_data import (  # noqa: E402 - re-exported for callers
    MAX_DROP,
    Conflict,
    Correction,
    corrections_hash,
    find_conflicts,
    read_corrections,
    same_text,
    training_examples,
    write_corrections,
)
from practice.scoring.evaluate import Report, evaluate

__all__ = [
    "MAX_DROP",
    "Conflict",
    "Correction",
    "RebuildResult",
    "corrections_hash",
    "decide",
    "find_conflicts",
    "format_table",
    "read_corrections",
    "rebuild",
    "same_text",
    "training_examples",
    "write_corrections",
]


@dataclass
class RebuildResult:
    """What a rebuild did, for the printed table, the CLI's exit code and the admin page."""

    build_id: str
    previous: str
    installed: bool
    reason: str
    n_corrections: int
    n_examples: int
    n_conflicts: int
    dev_before: float
    dev_after: float
    per_cue: list[dict[str, Any]] = field(default_factory=list)  # cue, support, f1 before/after, change
    seconds: float = 0.0

    @property
    def change(self) -> float:
        return self.dev_after - self.dev_before

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "change": round(self.change, 4)}


def per_cue_changes(before: Report, after: Report) -> list[dict[str, Any]]:
    rows = []
    for cue, b in before.per_cue.items():
        a = after.per_cue[cue]
        if b.support == 0 and b.fp == 0 and a.fp == 0:
            continue
        rows.append(
            {
                "cue": cue,
                "support": b.support,
                "f1_before": round(b.f1, 4),
                "f1_after": round(a.f1, 4),
                "change": round(a.f1 - b.f1, 4),
                "false_pos_before": b.fp,
                "false_pos_after": a.fp,
            }
        )
    return rows


def decide(dev_before: float, dev_after: float, max_drop: float = MAX_DROP) -> tuple[bool, str]:
    """The refusal rule: install unless dev macro-F1 falls by more than `max_drop`."""
    change = dev_after - dev_before
    if change < -max_drop - 1e-12:
        return False, (
            f"refused: dev macro-F1 would fall from {dev_before:.4f} to {dev_after:.4f} ({change:+.4f}), "
            f"more than the {max_drop} allowed; the current build keeps scoring"
        )
    return True, f"installed: dev macro-F1 {dev_before:.4f} -> {dev_after:.4f} ({change:+.4f})"


def rebuild(
    corrections: list[Correction],
    *,
    build_dir: Path = builds.BUILD_DIR,
    dev_path: Path = CUES_DIR / "dev.jsonl",
    install: bool = True,
    max_drop: float = MAX_DROP,
    log: IO[str] | None = None,
) -> RebuildResult:
    """Build the classifier with the corrections added to train, compare it with the build that
    scores now on dev, and select it unless the refusal rule says no."""
    start = time.perf_counter()
    key = classifier_key()
    if key is None:
        raise ValueError("no training data (data/cues/train.jsonl): nothing to rebuild")
    current = Scorer.load(build_dir=build_dir)
    known = set(current.taxonomy.ids)
    examples, conflicts = training_examples(corrections, known)
    if not examples:
        raise ValueError(
            "no corrections to learn from" + (f" ({len(conflicts)} conflicting left out)" if conflicts else "")
        )
    build_id = f"{key}-{corrections_hash(examples)}"
    if log:
        log.write(
            f"building {build_id} from train + {len(examples)} corrected texts "
            f"({len(corrections)} corrections, {len(conflicts)} conflicting left out)...\n"
        )
        log.flush()
    dev = read_examples(dev_path, known)
    before = evaluate(current, dev)
    classifier = tc.build(
        load_split("train", known),
        current.classifier_input,
        current.taxonomy.ids,
        build_id,
        build_dir,
        partial=examples,
        meta={"base": key, "n_conflicts": len(conflicts), "n_corrections_raw": len(corrections)},
    )
    candidate = Scorer(current.taxonomy, current.rules, current.lang, classifier, calibration=current.calibration)
    after = evaluate(candidate, dev)
    installed, reason = decide(before.macro_f1, after.macro_f1, max_drop)
    result = RebuildResult(
        build_id=build_id,
        previous=current.version,
        installed=installed and install,
        reason=reason if install or not installed else reason.replace("installed", "not installed (--no-install)"),
        n_corrections=len(corrections),
        n_examples=len(examples),
        n_conflicts=len(conflicts),
        dev_before=before.macro_f1,
        dev_after=after.macro_f1,
        per_cue=per_cue_changes(before, after),
        seconds=round(time.perf_counter() - start, 1),
    )
    builds.update_meta(
        build_id,
        {
            "dev_before": round(before.macro_f1, 4),
            "dev_after": round(after.macro_f1, 4),
            "compared_with": current.version,
            "status": "installed" if result.installed else ("refused" if not installed else "built"),
            "reason": result.reason,
        },
        build_dir,
    )
    if result.installed:
        builds.select(build_id, build_dir)
        reset_scorer()
    return result


def format_table(result: RebuildResult) -> str:
    """The before/after report, one line per cue that dev has or either build predicts."""
    lines = [
        f"corrections: {result.n_corrections} ({result.n_examples} texts learnt from, "
        f"{result.n_conflicts} conflicting left out)",
        f"build {result.build_id} against {result.previous}",
        f"{'cue':<20} {'support':>7} {'F1 before':>9} {'F1 after':>9} {'change':>8}",
    ]
    for row in result.per_cue:
        lines.append(
            f"{row['cue']:<20} {row['support']:>7d} {row['f1_before']:>9.3f} {row['f1_after']:>9.3f} {row['change']:>+8.3f}"
        )
    lines.append(
        f"{'dev macro-F1':<20} {'':>7} {result.dev_before:>9.4f} {result.dev_after:>9.4f} {result.change:>+8.4f}"
    )
    lines.append(result.reason)
    return "\n".join(lines)
