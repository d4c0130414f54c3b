"""One reading of the learner's words, measured: cues, moves, their agreement, calibration.

Usage: .venv/bin/python bench/reading_bench.py [--split dev --split dev2] [--json]

For each labelled split (default: data/cues/dev.jsonl, our continuity split, and
data/cues/dev2.jsonl, long and spoken turns written by someone who never saw train) it prints:

- cue macro-F1 (as `practice score --eval`), and the same over sentences of 2+ sentences;
- move accuracy: the move read from the scorer's cues against the move read the same way
  (data/cues/moves.yml) from the human labels, overall and per gold move;
- how often a turn is read as an anti-pattern move, or as neutral / out of scope, when the
  labels hold no anti-pattern (the patient reacting to an attack nobody made);
- move/cue disagreements: turns whose move is not the one their own score card gives. This
  must be 0: the patient and the feedback read the same thing;
- calibration: for every reported cue, its confidence band, how many were right (the cue is
  in the labels) and the mean confidence, plus the expected calibration error, and how
  reliable the cues below the "possibly" floor are against those above it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.scoring import Scorer, get_scorer  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.data import read_examples  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.moves import NEUTRAL, OUT_OF_SCOPE  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.result import CueHit  # noqa: E402 - sys.path set above, for running as a script
from practice.scoring.evaluate import tally  # noqa: E402 - sys.path set above, for running as a script

BANDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclass
class SplitReport:
    name: str
    n: int = 0
    macro_f1: float = 0.0
    macro_f1_long: float = 0.0
    n_long: int = 0
    move_correct: int = 0
    per_move: dict[str, list[int]] = field(default_factory=dict)  # gold move -> [right, total]
    calm_turns: int = 0  # turns whose labels hold no anti-pattern
    read_as_anti: int = 0
    read_as_neutral_or_oos: int = 0
    disagreements: list[str] = field(default_factory=list)
    bands: list[list[float]] = field(default_factory=lambda: [[0, 0, 0.0] for _ in BANDS[:-1]])  # n, right, conf

    def to_dict(self) -> dict:
        return {
            "split": self.name,
            "n": self.n,
            "cue_macro_f1": round(self.macro_f1, 4),
            "cue_macro_f1_multi_sentence": round(self.macro_f1_long, 4),
            "multi_sentence_turns": self.n_long,
            "move_accuracy": round(self.move_correct / self.n, 4) if self.n else None,
            "anti_pattern_move_on_calm_turns": round(self.read_as_anti / self.calm_turns, 4)
            if self.calm_turns
            else None,
            "neutral_or_out_of_scope_on_calm_turns": round(self.read_as_neutral_or_oos / self.calm_turns, 4)
            if self.calm_turns
            else None,
            "move_cue_disagreements": len(self.disagreements),
            "calibration": [
                {
                    "band": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "n": int(n),
                    "precision": round(right / n, 3) if n else None,
                    "mean_confidence": round(conf / n, 3) if n else None,
                }
                for (lo, hi), (n, right, conf) in zip(zip(BANDS, BANDS[1:]), self.bands)
            ],
            "ece": round(self.ece, 4),
        }

    @property
    def ece(self) -> float:
        total = sum(b[0] for b in self.bands)
        return sum(abs(right / n - conf / n) * n / total for n, right, conf in self.bands if n) if total else 0.0


def _sentence_count(scorer: Scorer, text: str) -> int:
    return len(scorer._sentences(text))  # the scorer's own sentence splitter


def measure(path: Path) -> SplitReport:
    scorer = get_scorer()
    moves = scorer.moves
    anti = {c.id for c in scorer.taxonomy if c.is_anti_pattern}
    anti_moves = {step.move for step in moves.precedence if set(step.cues) & anti}
    examples = read_examples(path, set(scorer.taxonomy.ids))
    report = SplitReport(path.stem, n=len(examples))
    gold_sets, pred_sets, long_gold, long_pred = [], [], [], []
    for ex in examples:
        result = scorer.score(ex.text, ex.context)
        predicted = set(result.cue_ids)
        gold_sets.append(set(ex.cues))
        pred_sets.append(predicted)
        if _sentence_count(scorer, ex.text) >= 2:
            long_gold.append(set(ex.cues))
            long_pred.append(predicted)
        gold_move = moves.read(ex.text, [CueHit(c, 0, 1, 1.0) for c in ex.cues], result.flags).id
        move = result.move
        assert move is not None
        right = move.id == gold_move
        report.move_correct += right
        cell = report.per_move.setdefault(gold_move, [0, 0])
        cell[0] += right
        cell[1] += 1
        if not set(ex.cues) & anti:
            report.calm_turns += 1
            report.read_as_anti += move.id in anti_moves
            report.read_as_neutral_or_oos += move.id in (NEUTRAL, OUT_OF_SCOPE)
        again = moves.read(result.text, result.cues, result.flags)
        if again != move or (move.cue is not None and move.cue not in predicted):
            report.disagreements.append(ex.text)
        for hit in result.cues:
            for k, (lo, hi) in enumerate(zip(BANDS, BANDS[1:])):
                if lo <= hit.confidence < hi:
                    report.bands[k][0] += 1
                    report.bands[k][1] += hit.cue in ex.cues
                    report.bands[k][2] += hit.confidence
    report.macro_f1 = _macro(scorer.taxonomy.ids, gold_sets, pred_sets)
    report.macro_f1_long = _macro(scorer.taxonomy.ids, long_gold, long_pred)
    report.n_long = len(long_gold)
    return report


def _macro(ids: list[str], gold: list[set[str]], predicted: list[set[str]]) -> float:
    stats = [s.f1 for s in tally(ids, gold, predicted).values() if s.support > 0]
    return sum(stats) / len(stats) if stats else 0.0


def _print(report: SplitReport, floor: float) -> None:
    d = report.to_dict()
    print(f"== {report.name} ({report.n} turns, {report.n_long} of 2+ sentences)")
    print(f"cue macro-F1 {d['cue_macro_f1']:.3f}   on turns of 2+ sentences {d['cue_macro_f1_multi_sentence']:.3f}")
    print(f"move accuracy {d['move_accuracy']:.3f}   move/cue disagreements {d['move_cue_disagreements']} (must be 0)")
    print(
        f"turns with no anti-pattern in the labels ({report.calm_turns}): read as an anti-pattern move "
        f"{d['anti_pattern_move_on_calm_turns']:.1%}, as neutral or out of scope {d['neutral_or_out_of_scope_on_calm_turns']:.1%}"
    )
    worst = sorted(report.per_move.items(), key=lambda kv: kv[1][0] / kv[1][1])
    print("per gold move (right/total): " + ", ".join(f"{m} {r}/{t}" for m, (r, t) in worst))
    print("calibration (reported cues): band  n  precision  mean confidence")
    for band in d["calibration"]:
        if band["n"]:
            print(f"  {band['band']}  {band['n']:4d}  {band['precision']:.2f}  {band['mean_confidence']:.2f}")
    below = [b for b, (lo, _) in zip(report.bands, zip(BANDS, BANDS[1:])) if lo < floor]
    above = [b for b, (lo, _) in zip(report.bands, zip(BANDS, BANDS[1:])) if lo >= floor]
    for label, group in (("below the floor (shown as 'possibly')", below), ("at or above the floor", above)):
        n = sum(b[0] for b in group)
        right = sum(b[1] for b in group)
        print(f"  {label}: {int(n)} cues, precision {right / n:.2f}" if n else f"  {label}: none")
    print(f"expected calibration error {d['ece']:.3f}")
    for text in report.disagreements[:5]:
        print(f"  DISAGREEMENT: {text[:100]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", help="a split name under data/cues (default: dev and dev2)")
    parser.add_argument("--json", action="store_true", help="one JSON object per split instead of the table")
    args = parser.parse_args(argv)
    splits = args.split or ["dev", "dev2"]
    scorer = get_scorer()
    failed = 0
    for split in splits:
        report = measure(ROOT / "data" / "cues" / f"{split}.jsonl")
        failed += len(report.disagreements)
        if args.json:
            print(json.dumps(report.to_dict()))
        else:
            _print(report, scorer.moves.confidence_floor)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
