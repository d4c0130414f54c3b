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


def database_corrections() -> list:
    """Every reviewer's correction in the API's database (PRACTICE_DATABASE_URL)."""
    from actions.settings import get_settings
    from api.db import make_database, make_sessionmaker
    from api.migrate import upgrade
    from api.services.reviews import training_corrections

    database = make_database(get_settings())
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            return training_corrections(db)
    finally:
        database.dispose()


def run_build_with_corrections(out: IO[str], corrections_file: Path | None, report_json: Path | None = None) -> int:
    """`--build --with-corrections`: 0 installed, 1 refused, 2 nothing to learn from."""
    from practice.scoring.corrections import format_table, read_corrections, rebuild

    corrections = read_corrections(corrections_file) if corrections_file else database_corrections()
    try:
        result = rebuild(corrections, log=out)
    except ValueError as exc:
        out.write(f"practice score: {exc}\n")
        if report_json:
            report_json.write_text(json.dumps({"error": str(exc)}))
        return 2
    out.write(format_table(result) + "\n")
    if report_json:
        report_json.write_text(json.dumps(result.to_dict(), indent=2))
    return 0 if result.installed else 1


def run_use(build_id: str, out: IO[str]) -> int:
    from actions.scoring import builds
    from actions.scoring.scorer import classifier_key

    key = classifier_key()
    if key is None or builds.base_of(build_id) != key or builds.read_meta(build_id) is None:
        choices = ", ".join(b["id"] for b in builds.list_builds(key)) or "none"
        out.write(f"practice score: no build {build_id!r} of the current training data (builds: {choices})\n")
        return 2
    builds.select(build_id)
    reset_scorer()
    out.write(f"scorer build {build_id} now scores (a running action server picks it up at its next turn)\n")
    return 0


def run_list_builds(out: IO[str]) -> None:
    from actions.scoring import builds
    from actions.scoring.scorer import classifier_key

    rows = builds.list_builds(classifier_key())
    if not rows:
        out.write("no scorer builds of the current training data (practice score --build)\n")
    for b in rows:
        dev = f"dev {b['dev_before']:.4f} -> {b['dev_after']:.4f}" if "dev_after" in b else ""
        out.write(
            f"{'*' if b['selected'] else ' '} {b['id']:<26} {b.get('created_at', '?'):<26} "
            f"corrections {b.get('n_corrections', 0):>4}  {dev}  {b.get('status', '')}\n"
        )
