"""Evaluation: per-cue precision, recall, F1, support and macro-F1 over a JSONL file.

Utterance-level, multi-label (a cue counts once per utterance), matching the labels.
Macro-F1 averages over cues with support > 0 in the gold data (cues nobody labelled
cannot be measured; predicting them anyway still costs precision in `false_pos`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from actions.scoring.data import Example, read_examples
from actions.scoring.scorer import Scorer


@dataclass
class CueStats:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    per_cue: dict[str, CueStats]
    n: int
    errors: list[tuple[Example, set[str]]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scored = [s.f1 for s in self.per_cue.values() if s.support > 0]
        return sum(scored) / len(scored) if scored else 0.0

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "cues": {
                c: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for c, s in self.per_cue.items()
            },
        }


def tally(cue_ids: list[str], gold: list[set[str]], predicted: list[set[str]]) -> dict[str, CueStats]:
    """True and false positives and false negatives per cue, over paired gold/predicted sets."""
    per_cue = {c: CueStats() for c in cue_ids}
    for gold_cues, predicted_cues in zip(gold, predicted, strict=True):
        for c, stats in per_cue.items():
            if c in predicted_cues and c in gold_cues:
                stats.tp += 1
            elif c in predicted_cues:
                stats.fp += 1
            elif c in gold_cues:
                stats.fn += 1
    return per_cue


def evaluate(scorer: Scorer, examples: list[Example]) -> Report:
    gold = [set(ex.cues) for ex in examples]
    predicted = [set(scorer.score(ex.text, ex.context).cue_ids) for ex in examples]
    errors = [(ex, p) for ex, g, p in zip(examples, gold, predicted) if p != g]
    return Report(tally(scorer.taxonomy.ids, gold, predicted), len(examples), errors)


def evaluate_file(scorer: Scorer, path: Path) -> Report:
    return evaluate(scorer, read_examples(path, set(scorer.taxonomy.ids)))


def format_report(report: Report, show_errors: int = 0) -> str:
    lines = [f"{'cue':<20} {'prec':>6} {'rec':>6} {'f1':>6} {'support':>8}"]
    for cue, s in report.per_cue.items():
        if s.support == 0 and s.fp == 0:
            continue
        lines.append(
            f"{cue:<20} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:8d}"
            + ("" if s.support else f"   ({s.fp} false positives, not in macro)")
        )
    lines.append(f"{'macro-F1':<20} {'':>6} {'':>6} {report.macro_f1:6.3f} {report.n:8d} utterances")
    for ex, pred in report.errors[:show_errors]:
        lines.append(f"  gold={sorted(ex.cues)} pred={sorted(pred)} :: {ex.text!r} | ctx={ex.context[:60]!r}")
    return "\n".join(lines)
