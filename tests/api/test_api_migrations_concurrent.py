"""Several API workers starting at once on one PostgreSQL database migrate it once, in turn."""

from __future__ import annotations

import threading

from actions.settings import Settings
from api.db import make_database
from api.migrate import current_revision, upgrade
from tests.api.postgres import postgres_database
from tests.api.test_api_migrations_cli import HEAD


def test_workers_starting_together_on_postgresql_all_find_the_tables_at_head():
    with postgres_database(migrated=False) as url:
        databases = [make_database(Settings(database_url=url)) for _ in range(4)]
        start = threading.Barrier(len(databases))
        failures: list[BaseException] = []

        def start_worker(database) -> None:
            start.wait()
            try:
                upgrade(database)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=start_worker, args=(d,)) for d in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        try:
            assert failures == []
            assert {current_revision(d) for d in databases} == {HEAD}
        finally:
            for database in databases:
                database.dispose()
