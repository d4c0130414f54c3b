"""How well the move reader reads held-out learner replies (bench/moves_heldout.yml).

Usage: .venv/bin/python bench/moves_heldout.py

The cases are replies in the settings of the scenario library that are not in the cue
training data, each labelled with the move the patient should react to. The move comes from
the cue scorer's reading (actions/scoring/moves.py), the same one the learner's feedback
shows. Prints each miss (with the cues found) and the accuracy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.scoring import get_scorer  # noqa: E402 - sys.path set above, for running as a script


def main() -> int:
    cases = yaml.safe_load((ROOT / "bench" / "moves_heldout.yml").read_text(encoding="utf-8"))["cases"]
    scorer = get_scorer()
    right = 0
    for case in cases:
        result = scorer.score(case["text"])
        assert result.move is not None
        if result.move.id == case["move"]:
            right += 1
            continue
        cues = ", ".join(f"{h.cue} {h.confidence:.2f}" for h in result.cues) or "no cue"
        print(f"MISS want {case['move']}, read {result.move.id} ({cues}): {case['text']}")
    print(f"{right} of {len(cases)} read as the right move ({right / len(cases):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
