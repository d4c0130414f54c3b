"""What `practice score` does, kept out of the thin argparse module (practice/commands/score.py).

Each function takes its streams so tests can call it without a subprocess.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO

from actions.scoring.scorer import Scorer, get_scorer, reset_scorer
from practice.scoring.evaluate import evaluate_file, format_report
from practice.scoring.present import describe


def score_jsonl(inp: IO[str], out: IO[str], scorer: Scorer | None = None) -> int:
    """One JSON line out per non-blank line in; bad lines give {"error": "line N: ..."}.

    Returns the number of error lines (processing always continues).
    """
    scorer = scorer or get_scorer()
    errors = 0
    for n, line in enumerate(inp, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            text = obj.get("text")
            if not isinstance(text, str):
                raise ValueError("'text' must be a string")
            context = obj.get("context") or ""
            if not isinstance(context, str):
                raise ValueError("'context' must be a string")
            payload = scorer.score(text, context).to_dict()
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            errors += 1
            payload = {"error": f"line {n}: {exc}"}
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def score_text(text: str, context: str, out: IO[str], ansi: bool, scorer: Scorer | None = None) -> None:
    scorer = scorer or get_scorer()
    out.write(describe(scorer.score(text, context), scorer.taxonomy, ansi) + "\n")


def run_eval(path: Path, out: IO[str], show_errors: int = 0, as_json: bool = False) -> float:
    scorer = get_scorer()
    report = evaluate_file(scorer, path)
    out.write((json.dumps(report.to_dict(), indent=2) if as_json else format_report(report, show_errors)) + "\n")
    return report.macro_f1


def run_build(out: IO[str]) -> None:
    """(Re)build the classifier cache explicitly."""
    start = time.perf_counter()
    scorer = Scorer.load(force_build=True)
    reset_scorer()
    key = scorer.classifier.key if scorer.classifier else "none"
    out.write(f"scorer classifier {key} ready in {time.perf_counter() - start:.1f}s ({'; '.join(scorer.notes)})\n")
