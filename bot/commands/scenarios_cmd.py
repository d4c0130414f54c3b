"""`practice scenarios`: the scenarios you can practise, from the API."""

from __future__ import annotations

import argparse
import sys

from bot.commands.api_client import ApiProblem, ApiUnreachable, PracticeApi, add_api_argument

DIFFICULTY = {1: "1 foundation", 2: "2 intermediate", 3: "3 advanced"}
COLUMNS = [("id", "ID"), ("title", "TITLE"), ("staff_role", "STAFF ROLE"), ("setting", "SETTING"), ("difficulty", "DIFFICULTY")]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("scenarios", help="list the scenarios you can practise")
    add_api_argument(parser)
    parser.set_defaults(handler=run)


def format_table(briefs: list[dict]) -> str:
    rows = [[h for _, h in COLUMNS]]
    for brief in briefs:
        rows.append([
            DIFFICULTY.get(brief.get(key), str(brief.get(key, ""))) if key == "difficulty" else str(brief.get(key, ""))
            for key, _ in COLUMNS
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def run(args: argparse.Namespace, *, api: PracticeApi | None = None) -> int:
    api = api or PracticeApi(args.api)
    try:
        briefs = api.scenarios()
    except ApiProblem as exc:
        print(exc, file=sys.stderr)
        return 2 if isinstance(exc, ApiUnreachable) else 1
    finally:
        api.close()
    if not briefs:
        print("No scenarios yet: add one under data/scenarios/.")
        return 0
    print(format_table(briefs))
    print("\nPractise one with: practice chat --scenario ID")
    return 0
