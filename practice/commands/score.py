"""`practice score`: score learner utterances with the cue scorer (logic: actions/scoring)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "score",
        help="score utterances for active-listening and de-escalation cues",
        description="With TEXT: print one utterance's cues for a person. Without: read JSON Lines "
        '{"text": ..., "context": ...} on stdin and write one JSON result per line.',
    )
    p.add_argument("text", nargs="?", help="an utterance to score (omit to read JSON Lines on stdin)")
    p.add_argument("--context", default="", help="the patient's previous line (with TEXT)")
    p.add_argument("--eval", metavar="JSONL", type=Path, help="evaluate on labelled data (e.g. data/cues/dev.jsonl)")
    p.add_argument("--errors", type=int, default=0, metavar="N", help="with --eval: show N misclassified lines")
    p.add_argument("--json", action="store_true", help="with --eval: print the report as JSON")
    p.add_argument("--build", action="store_true", help="(re)build the trained classifier under build/")
    p.add_argument(
        "--with-corrections",
        action="store_true",
        help="with --build: add reviewers' corrections to train (from the database, or --corrections FILE), "
        "report dev before/after per cue, and install the build unless dev macro-F1 falls by more than 0.01",
    )
    p.add_argument(
        "--corrections",
        metavar="JSONL",
        type=Path,
        help='with --with-corrections: read {"text", "context", "cue", "kind"} lines from this file instead',
    )
    p.add_argument(
        "--report-json", metavar="PATH", type=Path, help="with --with-corrections: also write the result here"
    )
    p.add_argument("--use", metavar="BUILD", help="make this scorer build the one that scores (see --builds)")
    p.add_argument("--builds", action="store_true", help="list the scorer builds of the current training data")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    from practice.scoring import commands

    if args.with_corrections or args.corrections is not None:
        if not args.build:
            print("practice score: --with-corrections goes with --build", file=sys.stderr)
            return 2
        return commands.run_build_with_corrections(sys.stdout, args.corrections, args.report_json)
    if args.build:
        commands.run_build(sys.stdout)
        return 0
    if args.use is not None:
        return commands.run_use(args.use, sys.stdout)
    if args.builds:
        commands.run_list_builds(sys.stdout)
        return 0
    if args.eval is not None:
        if not args.eval.exists():
            print(f"practice score: no such file: {args.eval}", file=sys.stderr)
            return 2
        commands.run_eval(args.eval, sys.stdout, show_errors=args.errors, as_json=args.json)
        return 0
    if args.text is not None:
        commands.score_text(args.text, args.context, sys.stdout, ansi=sys.stdout.isatty())
        return 0
    commands.score_jsonl(sys.stdin, sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command alone (`python -m practice.commands.score`), without the lead's CLI."""
    parser = argparse.ArgumentParser(prog="practice")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["score", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
