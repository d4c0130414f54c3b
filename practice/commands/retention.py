"""`practice retention apply`: delete practice sessions older than the retention period an
admin set (PUT /api/settings/retention). Run it daily, e.g. from cron or a systemd timer."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the command runs: `practice --help` stays quick
    from actions.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("retention", help="delete transcripts older than the retention period")
    actions = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    apply = actions.add_parser(
        "apply", help="delete sessions older than the period (PRACTICE_DATABASE_URL or var/practice.db)"
    )
    apply.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    apply.set_defaults(handler=run_apply)


def run_apply(args: argparse.Namespace, *, settings: Settings | None = None) -> int:
    from actions.settings import get_settings
    from api.db import make_database, make_sessionmaker
    from api.engine.memory import forget_conversations
    from api.migrate import upgrade
    from api.services.privacy import apply_retention

    settings = settings or get_settings()
    database = make_database(settings)
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            days, count = apply_retention(
                db,
                dry_run=args.dry_run,
                forget=lambda ids: forget_conversations(settings.engine_tracker_url, ids),
            )
    finally:
        database.dispose()
    if days is None:
        print("No retention period is set (PUT /api/settings/retention as an admin): nothing deleted.")
    elif args.dry_run:
        print(f"Retention {days} days: {count} practice session(s) would be deleted.")
    else:
        print(f"Retention {days} days: deleted {count} practice session(s) with their turns, comments and corrections.")
    return 0
