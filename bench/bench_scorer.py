"""Benchmark the cue scorer: cold load time (from the built cache) and warm per-utterance time.

Usage: .venv/bin/python bench/bench_scorer.py [--runs 5] [--data data/cues/dev.jsonl]

Each run starts a fresh Python process (so the load is really cold: imports, lemma tables,
rules, classifier from build/), then scores every dev utterance once to warm up and once
timed. Prints each run and the medians across runs. Build first: `practice score --build`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from actions.scoring import Scorer
scorer = Scorer.load(build_if_missing=True)
load = time.perf_counter() - t0
from actions.scoring.data import read_examples
from pathlib import Path
exs = read_examples(Path(sys.argv[1]))
for ex in exs:
    scorer.score(ex.text, ex.context)
times = []
for ex in exs:
    t = time.perf_counter()
    scorer.score(ex.text, ex.context)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"load_s": load, "n": len(times), "median_ms": times[len(times) // 2],
                  "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))], "notes": scorer.notes}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "cues" / "dev.jsonl")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no data file {args.data}", file=sys.stderr)
        return 2
    results = []
    for i in range(args.runs):
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(args.data)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if any(note.startswith("built classifier") for note in r["notes"]):
            print(f"run {i + 1}: {'; '.join(r['notes'])} (load includes a build; not counted)")
            continue
        results.append(r)
        print(
            f"run {i + 1}: load {r['load_s']:.3f} s   median {r['median_ms']:.3f} ms   p95 {r['p95_ms']:.3f} ms"
            f"   ({r['n']} utterances)"
        )
    if results:

        def med(key: str) -> float:
            return statistics.median(r[key] for r in results)

        print(
            f"median of {len(results)} runs: load {med('load_s'):.3f} s   median {med('median_ms'):.3f} ms"
            f"   p95 {med('p95_ms'):.3f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
