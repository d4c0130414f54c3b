"""The API's SQLite file: foreign keys enforced and the write-ahead log on, for every connection."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from actions.settings import Settings
from api.db import make_database


def test_an_sqlite_file_uses_the_write_ahead_log_and_foreign_keys(tmp_path: Path) -> None:
    database = make_database(Settings(database_url=f"sqlite:///{tmp_path / 'practice.db'}"))
    try:
        with database.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: still durable
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()
