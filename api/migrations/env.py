"""Alembic environment: runs on the connection ``api.migrate`` hands over, or on settings' URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import api.models  # noqa: F401 - registers the tables on Base.metadata
from actions.settings import get_settings
from api.db import Base, make_database

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    database = make_database(get_settings())
    try:
        with database.begin() as connection:
            _run(connection)
    finally:
        database.dispose()


if context.is_offline_mode():
    context.configure(url=get_settings().database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
