"""The PostgreSQL tier: a uniquely named database per test on the server that
``PRACTICE_TEST_POSTGRES_URL`` names (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
dropped afterwards. Without the variable, or without a server answering there, the tier
skips and says why. ``scripts/ci-postgres.sh`` starts a server and prints the URL.

Each test's database is copied from a template migrated once per run (``CREATE DATABASE
... TEMPLATE``), so a test still starts from a fresh, fully migrated database; the app's
own upgrade on start then finds nothing to do.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

URL_ENV = "PRACTICE_TEST_POSTGRES_URL"
RUN = uuid.uuid4().hex[:8]


def _admin(url: str | URL) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@cache
def _server() -> tuple[str | None, str]:
    """(the admin URL, '') when usable, else (None, why not). Asked once per test run."""
    url = os.environ.get(URL_ENV)
    if not url:
        return (
            None,
            f"PostgreSQL tier skipped: {URL_ENV} is not set (scripts/ci-postgres.sh starts a server and prints it)",
        )
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    server = _admin(parsed)
    try:
        with server.connect() as c:
            c.execute(text("SELECT 1"))
    except OperationalError as exc:
        where = parsed.render_as_string(hide_password=True)
        return None, f"PostgreSQL tier skipped: no server answers at {where} ({type(exc.orig).__name__})"
    finally:
        server.dispose()
    return parsed.render_as_string(hide_password=False), ""


def _url_for(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@cache
def _template(admin_url: str) -> str:
    """A database migrated to head, the template of every test's database (dropped at exit)."""
    from actions.settings import Settings
    from api.db import make_database
    from api.migrate import upgrade

    name = f"practice_template_{RUN}"
    admin = _admin(admin_url)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    database = make_database(Settings(database_url=_url_for(admin_url, name)))
    try:
        upgrade(database)
    finally:
        database.dispose()  # a template must have no connections while it is copied

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    atexit.register(drop)
    return name


@contextmanager
def postgres_database(*, migrated: bool = True) -> Iterator[str]:
    """A fresh database's URL, dropped afterwards: migrated to head, or empty (``migrated=False``)."""
    admin_url, why = _server()
    if admin_url is None:
        pytest.skip(why)
    copy_of = f' TEMPLATE "{_template(admin_url)}"' if migrated else ""
    name = f"practice_test_{RUN}_{uuid.uuid4().hex[:8]}"
    admin = _admin(admin_url)
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
        try:
            yield _url_for(admin_url, name)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
