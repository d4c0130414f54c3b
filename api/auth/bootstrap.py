"""Creating accounts outside HTTP: the first admin (``practice user create``), test fixtures,
and the single sign-on seam.

For an end-to-end test: ``create_user_at(database_url, username="learner1", password="...")``
(or ``create_user(db, ...)`` with a session of your own) in the API's database
(``PRACTICE_DATABASE_URL``), then ``POST /api/auth/token`` with form fields ``username`` and
``password`` gives ``{"access_token": ..., "token_type": "bearer", "expires_in": ...}``; send
``Authorization: Bearer <access_token>``. ``PracticeApi.sign_in`` (practice/commands/api_client.py)
does the second half.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.vocabulary import ROLES
from api.auth.passwords import hash_password, password_problem
from api.models import User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class UserProblem(ValueError):
    """The user cannot be created as asked (bad role, name taken, weak password)."""


def check_username(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return (
            f"username {username!r} is not allowed: 2-64 characters, letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return None


def create_user(
    db: Session, *, username: str, password: str | None, role: str = "learner", display_name: str | None = None
) -> User:
    """Add and commit a user with a hashed password (None: no password sign-in)."""
    if role not in ROLES:
        raise UserProblem(f"role {role!r} is not one of {', '.join(ROLES)}")
    if problem := check_username(username):
        raise UserProblem(problem)
    if password is not None and (problem := password_problem(password)):
        raise UserProblem(problem)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserProblem(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        is_active=True,
        token_version=0,
    )
    db.add(user)
    db.commit()
    return user


def create_user_at(database_url: str, *, username: str, password: str, role: str = "learner") -> int:
    """``create_user`` in the database at ``database_url`` (migrated first), for a test fixture
    or tool that has no session of its own, e.g. before or beside a running API. Returns the id."""
    from actions.settings import Settings
    from api.db import make_database, make_sessionmaker
    from api.migrate import upgrade

    database = make_database(Settings(database_url=database_url))
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            return create_user(db, username=username, password=password, role=role).id
    finally:
        database.dispose()
