"""Bring a database's tables up to date with Alembic (the app does it on start, and so does
``practice db upgrade``). Migrations live in ``api/migrations`` inside the package, so this
works from an installed package too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"  # the tables the practice loop created before migrations existed
# Any fixed number: PostgreSQL's advisory lock that lets one process at a time migrate.
_MIGRATION_LOCK = 7_200_190


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Engine, revision: str = "head") -> None:
    """Upgrade to ``revision``. A database made by the old ``create_all`` (tables, no
    ``alembic_version``) is first stamped at the first revision, then upgraded.

    Several API workers (or servers) starting at once on one PostgreSQL database each call
    this; a transaction-scoped advisory lock makes them take turns, so the first migrates and
    the others find the tables already at ``revision`` (PostgreSQL's DDL is transactional).
    """
    config = alembic_config()
    with database.connect() as connection, _sqlite_foreign_keys_off(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "practice_sessions" in tables and "alembic_version" not in tables:
            log.info("database predates migrations: stamping revision %s", FIRST_REVISION)
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, revision)
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:  # raising rolls the whole upgrade back
                raise RuntimeError(f"the upgrade would leave {len(broken)} rows pointing at nothing")


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while migrating, back on after (other dialects: nothing).

    To change a table SQLite copies it and drops the old one (Alembic's batch mode); with
    foreign keys on, that drop cascades: migration 0003's copy of ``users`` once deleted every
    practice session and turn. SQLite's own procedure for rebuilding a table turns them off
    first and runs ``PRAGMA foreign_key_check`` before committing, as ``upgrade`` does. The
    pragma is ignored inside a transaction, so it is set before one begins.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def current_revision(database: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
