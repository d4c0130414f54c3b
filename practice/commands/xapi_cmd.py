"""`practice xapi export SESSION`: a finished session's xAPI statements as JSON, read straight
from the database (as `practice retention` does), for loading into a learning record store by
hand or checking what a push would send. Same statements as GET /api/sessions/{id}/xapi."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the command runs: `practice --help` stays quick
    from actions.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("xapi", help="xAPI statements of finished sessions for a learning record store")
    actions = parser.add_subparsers(dest="xapi_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="print a finished session's statements (PRACTICE_DATABASE_URL or var/practice.db)"
    )
    export.add_argument("session", metavar="SESSION", help="the practice session's id")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace, *, settings: Settings | None = None) -> int:
    from actions.scenarios import load_library
    from actions.settings import get_settings
    from api.auth.tokens import resolve_secret_key
    from api.db import make_database, make_sessionmaker
    from api.exceptions import Conflict
    from api.migrate import upgrade
    from api.models import PracticeSession
    from api.services import xapi

    settings = settings or get_settings()
    database = make_database(settings)
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            session = db.get(PracticeSession, args.session)
            if session is None:
                print(f"no practice session with id {args.session!r}", file=sys.stderr)
                return 1
            try:
                statements = xapi.statements(
                    db,
                    session,
                    settings=settings,
                    secret_key=resolve_secret_key(settings),
                    scenarios=load_library(settings.scenario_dir, authored_dir=settings.authored_scenario_dir),
                )
            except Conflict as exc:
                print(exc.message, file=sys.stderr)
                return 1
    finally:
        database.dispose()
    print(json.dumps(statements, indent=2, ensure_ascii=False))
    return 0
