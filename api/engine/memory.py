"""Forgetting the engine's own copy of a conversation once the API holds the record.

Rasa keeps each live conversation (its tracker events, the learner's words included) in
its tracker store, so that a Rasa restart mid-session loses nothing. Once a session has
ended, the API's transcript is the record, so the engine's copy is deleted; sessions
deleted while still live (account deletion, retention) are forgotten too. Personal data
then has one home, which export, deletion and retention already cover.

Rasa's HTTP API stays off, so this works on the tracker store's own database
(`PRACTICE_ENGINE_TRACKER_URL`; its `events` table, keyed by sender id = session id).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Engine, bindparam, create_engine, inspect, text

log = logging.getLogger(__name__)

_DELETE = text("DELETE FROM events WHERE sender_id IN :ids").bindparams(bindparam("ids", expanding=True))


@lru_cache(maxsize=4)
def _tracker_database(url: str) -> Engine:
    return create_engine(url, hide_parameters=True)


def forget_conversations(tracker_url: str | None, sender_ids: Sequence[str]) -> int:
    """Delete the engine's events for these conversations; the number of events deleted.

    Without a tracker store URL (an in-memory tracker store, or tests) there is nothing to
    forget. A failure is logged, never raised: the learner's request has already succeeded.
    """
    ids = list(sender_ids)
    if not tracker_url or not ids:
        return 0
    try:
        with _tracker_database(tracker_url).begin() as connection:
            if not inspect(connection).has_table("events"):
                return 0
            deleted = connection.execute(_DELETE, {"ids": ids}).rowcount
    except Exception as exc:  # noqa: BLE001 - never fail the learner's request over this
        log.warning("could not forget %d engine conversation(s): %s", len(ids), type(exc).__name__)
        return 0
    log.info("forgot %d engine conversation(s) (%d events)", len(ids), deleted)
    return int(deleted)
