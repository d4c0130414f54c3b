"""`practice db upgrade`: bring the database's tables up to date (the API also does it on start)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the command runs: `practice --help` stays quick
    from actions.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply the Alembic migrations (PRACTICE_DATABASE_URL or var/practice.db)")
    up.add_argument("--revision", default="head", help="target revision (default head)")
    up.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace, *, settings: Settings | None = None) -> int:
    from sqlalchemy import make_url

    from actions.settings import get_settings
    from api.db import make_database
    from api.migrate import current_revision, upgrade

    settings = settings or get_settings()
    database = make_database(settings)
    try:
        upgrade(database, args.revision)
        revision = current_revision(database)
    finally:
        database.dispose()
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    print(f"Database {where} is at revision {revision}.")
    return 0
