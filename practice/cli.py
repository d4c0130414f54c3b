"""`practice`: the project's command-line entry point.

Each subcommand lives in its own module under `practice/commands/` and registers itself through
`add_parser(subparsers)`; modules import their heavy dependencies inside their handlers so
that `practice --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from practice.commands import chat, db, retention, scenarios_cmd, score, screenshots, service, users, xapi_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practice",
        description="Rehearse difficult conversations with a simulated patient, and get feedback on every reply.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (service, chat, scenarios_cmd, score, users, db, retention, screenshots, xapi_cmd):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
