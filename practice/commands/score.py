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
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    from practice.scoring import commands

    if args.build:
        commands.run_build(sys.stdout)
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
