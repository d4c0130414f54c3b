"""`practice scenarios`: the scenarios you can practise (from the API), and
`practice scenarios check`: whether scenario files are usable (offline, for authors)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from practice.commands.api_client import ApiProblem, ApiUnreachable, PracticeApi, add_api_argument

DIFFICULTY = {1: "1 foundation", 2: "2 intermediate", 3: "3 advanced"}
COLUMNS = [
    ("id", "ID"),
    ("title", "TITLE"),
    ("staff_role", "STAFF ROLE"),
    ("setting", "SETTING"),
    ("difficulty", "DIFFICULTY"),
]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("scenarios", help="list the scenarios you can practise, or check scenario files")
    add_api_argument(parser)
    parser.set_defaults(handler=run)
    actions = parser.add_subparsers(dest="scenarios_action", metavar="{list,check}")
    listing = actions.add_parser("list", help="list the scenarios you can practise (the default)")
    add_api_argument(listing)
    listing.set_defaults(handler=run)
    check = actions.add_parser(
        "check",
        help="check scenario files: format, empathic opportunities, every outcome reachable",
        description="Check scenario files without starting anything. Each problem is printed as "
        "'file: field: problem'; the exit status is 1 if any file has one.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="scenario files or folders (default: the scenario folder in use)",
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Check every file named (or the whole library) and report on all of them."""
    from actions.scenarios import ScenarioError, scenario_dir
    from practice.scenario_check import LineCoverage, check_paths

    paths = list(args.paths) or [scenario_dir()]
    missing = [path for path in paths if not path.exists()]
    if missing:
        for path in missing:
            print(f"{path}: no such file or folder", file=sys.stderr)
        return 2
    try:
        reports = check_paths(paths)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 1
    if not reports:
        print(f"No scenario files (*.yml) in {', '.join(map(str, paths))}.", file=sys.stderr)
        return 1
    for report in reports:
        if report.ok:
            print(f"ok   {report.summary()}")
        else:
            print(f"FAIL {report.path}")
            for problem in report.problems:
                print(f"     {problem}")
    failed = sum(not report.ok for report in reports)
    loaded = [report.scenario for report in reports if report.scenario is not None]
    if len(loaded) > 1:
        print(f"\nAll {len(loaded)} scenarios, {LineCoverage.of(loaded).summary()}.")
    print(f"\n{len(reports) - failed} of {len(reports)} scenario files ok.")
    return 1 if failed else 0


def _cell(brief: dict[str, Any], key: str) -> str:
    value = brief.get(key, "")
    if key == "difficulty" and isinstance(value, int):
        return DIFFICULTY.get(value, str(value))
    return str(value)


def format_table(briefs: list[dict[str, Any]]) -> str:
    rows = [[h for _, h in COLUMNS]]
    for brief in briefs:
        rows.append([_cell(brief, key) for key, _ in COLUMNS])
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
