"""The PostgreSQL tier: a uniquely named database per test on the server that
``PRACTICE_TEST_POSTGRES_URL`` names (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
created with ``CREATE DATABASE`` and dropped afterwards. Without the variable, or without a
server answering there, the tier skips and says why. ``bot/ci-postgres.sh`` starts a server
and prints the URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

URL_ENV = "PRACTICE_TEST_POSTGRES_URL"


@cache
def _server() -> tuple[str | None, str]:
    """(the admin URL, '') when usable, else (None, why not). Asked once per test run."""
    url = os.environ.get(URL_ENV)
    if not url:
        return None, f"PostgreSQL tier skipped: {URL_ENV} is not set (bot/ci-postgres.sh starts a server and prints it)"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
    except OperationalError as exc:
        where = parsed.render_as_string(hide_password=True)
        return None, f"PostgreSQL tier skipped: no server answers at {where} ({type(exc.orig).__name__})"
    finally:
        engine.dispose()
    return parsed.render_as_string(hide_password=False), ""


@contextmanager
def postgres_database() -> Iterator[str]:
    admin_url, why = _server()
    if admin_url is None:
        pytest.skip(why)
    name = f"practice_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
