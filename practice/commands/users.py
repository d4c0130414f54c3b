"""`practice user create --role admin --username NAME`: make an account straight in the database
(the first admin especially; after that admins create users through the API).
`practice user author --username NAME [--revoke]`: grant (or revoke) writing scenarios in the
browser, to a facilitator or an admin (as ``PATCH /api/users/{id}`` with ``can_author``).

The password comes from stdin with ``--password-stdin``, else from a prompt (asked twice).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from actions.vocabulary import ROLES

if TYPE_CHECKING:  # imported when the command runs: `practice --help` stays quick
    from actions.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="manage accounts in the database (e.g. the first admin)")
    actions = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an account")
    create.add_argument("--username", required=True, metavar="NAME")
    create.add_argument("--role", choices=ROLES, default="learner")
    create.add_argument("--display-name", metavar="TEXT", default=None)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(handler=run_create)
    author = actions.add_parser("author", help="let a facilitator or admin write scenarios (or stop them)")
    author.add_argument("--username", required=True, metavar="NAME")
    author.add_argument("--revoke", action="store_true", help="take the permission away")
    author.set_defaults(handler=run_author)


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print("No terminal to ask for a password: pipe it in with --password-stdin.", file=sys.stderr)
        return None
    import getpass

    first = getpass.getpass(f"Password for {args.username}: ")
    if getpass.getpass("Again: ") != first:
        print("The two passwords differ; nothing was created.", file=sys.stderr)
        return None
    return first


def run_create(args: argparse.Namespace, *, settings: Settings | None = None) -> int:
    from actions.settings import get_settings
    from api.auth.bootstrap import UserProblem, create_user
    from api.db import make_database, make_sessionmaker
    from api.migrate import upgrade

    password = _read_password(args)
    if password is None:
        return 1
    settings = settings or get_settings()
    database = make_database(settings)
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            user = create_user(
                db, username=args.username, password=password, role=args.role, display_name=args.display_name
            )
    except UserProblem as exc:
        print(f"Not created: {exc}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"Created {user.role} {user.username!r} (id {user.id}).")
    return 0


def run_author(args: argparse.Namespace, *, settings: Settings | None = None) -> int:
    from sqlalchemy import select

    from actions.settings import get_settings
    from api.db import make_database, make_sessionmaker
    from api.exceptions import InvalidRequest
    from api.migrate import upgrade
    from api.models import User
    from api.services.authoring import set_author

    settings = settings or get_settings()
    database = make_database(settings)
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            user = db.scalar(select(User).where(User.username == args.username))
            if user is None:
                print(f"No user named {args.username!r}.", file=sys.stderr)
                return 1
            try:
                set_author(user, not args.revoke)
            except InvalidRequest as exc:
                print(f"Not changed: {exc}.", file=sys.stderr)
                return 1
            db.commit()
    finally:
        database.dispose()
    print(f"{args.username!r} {'may no longer' if args.revoke else 'may now'} write scenarios.")
    return 0
