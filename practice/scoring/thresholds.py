"""Per-cue classifier thresholds chosen on out-of-fold probabilities.

Why: one global threshold suits no cue well. Frequent, well-marked cues (apologise) want
a high bar, rare fuzzy ones (sarcasm, explain) a lower one. The right bar is where the
*whole scorer* (rules OR classifier) has the best F1 on utterances the classifier did not
train on, so we record, per held-out utterance, what the scorer reports with the
classifier switched off (`rules`) and with every threshold at zero (`open`), plus the
probabilities; any threshold vector can then be replayed without rescoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actions.scoring.scorer import Scorer

GRID = tuple(round(0.05 * i, 2) for i in range(3, 19))  # 0.15 .. 0.90
FLOOR = 0.2  # below this a cue fires on noise, whatever cross-validation says
ANTI_FLOOR = 0.3  # anti-patterns: a false accusation costs the learner's trust
SMOOTH = 1  # average F1 over +-1 grid step: prefer a plateau to a lucky spike


@dataclass(frozen=True)
class Decision:
    """What the scorer would say about one utterance under any threshold vector."""

    rules: frozenset[str]  # reported with every classifier-only threshold above 1
    open: frozenset[str]  # reported with every classifier-only threshold at 0
    probs: dict[str, float]

    @classmethod
    def of(cls, scorer: Scorer, text: str, context: str) -> Decision:
        saved = scorer.thresholds
        try:
            scorer.thresholds = {c: 2.0 for c in saved}
            hi = frozenset(scorer.score(text, context).cue_ids)
            scorer.thresholds = {c: 0.0 for c in saved}
            lo = frozenset(scorer.score(text, context).cue_ids)
        finally:
            scorer.thresholds = saved
        probs = scorer.classifier_probabilities(text, context)
        return cls(hi, lo, probs)

    def apply(self, thresholds: dict[str, float]) -> set[str]:
        out = set(self.rules)
        for c in self.open - self.rules:
            if self.probs.get(c, 0.0) >= thresholds.get(c, 2.0):
                out.add(c)
        return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def tune_thresholds(
    decisions: list[Decision], gold: list[set[str]], cues: list[str], anti_patterns: frozenset[str] = frozenset()
) -> dict[str, float]:
    """The threshold per cue that maximises (smoothed) out-of-fold F1 of the whole scorer."""
    out: dict[str, float] = {}
    for c in cues:
        cand = [d for d in decisions if c in d.open and c not in d.rules]
        if not cand:
            continue
        base_tp = sum(1 for d, g in zip(decisions, gold) if c in d.rules and c in g)
        base_fp = sum(1 for d, g in zip(decisions, gold) if c in d.rules and c not in g)
        support = sum(1 for g in gold if c in g)
        scores = []
        for t in GRID:
            tp = base_tp + sum(
                1
                for d, g in zip(decisions, gold)
                if c in d.open and c not in d.rules and d.probs.get(c, 0.0) >= t and c in g
            )
            fp = base_fp + sum(
                1
                for d, g in zip(decisions, gold)
                if c in d.open and c not in d.rules and d.probs.get(c, 0.0) >= t and c not in g
            )
            scores.append(_f1(tp, fp, support - tp))
        floor = ANTI_FLOOR if c in anti_patterns else FLOOR
        best, best_t = -1.0, 0.5
        for i, t in enumerate(GRID):
            if t < floor:
                continue
            window = scores[max(0, i - SMOOTH) : i + SMOOTH + 1]
            s = sum(window) / len(window)
            if s > best + 1e-9:
                best, best_t = s, t
        out[c] = best_t
    return out
