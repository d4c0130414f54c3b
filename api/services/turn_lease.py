"""The turn lease on a practice session's row: whoever holds it is the one request, in any API
process, talking to the engine for that session (``api.deps.TurnLock`` takes and gives it back
around every reply, retry and end).

A lease is a random owner token and an expiry (``turn_lease_owner``, ``turn_lease_until``),
written with one conditional ``UPDATE``: it works the same on SQLite and PostgreSQL, needs no
connection held while the engine answers (each call here is a short transaction of its own),
and a lease whose worker died mid-turn frees itself once ``turn_lease_until`` has passed.

Functions take the database session to use and the time, so callers choose both (a session
of its own, never the request's, whose commits belong to the service).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from api.models import PracticeSession

# Seconds a lease outlives the engine's timeout: the service's reads and writes around the
# engine call, each of which may wait for a pooled connection (``PRACTICE_DB_POOL_TIMEOUT``)
# or, on SQLite, for the file's write lock (5 s). Past that, the holder is taken to be dead.
LEASE_MARGIN = 30.0


class Lease(Enum):
    """What an attempt to take the lease found."""

    TAKEN = "taken"  # this token holds it now
    BUSY = "busy"  # another token holds it, unexpired
    NO_SESSION = "no_session"  # no such session: nothing to lease (the service answers 404)


def lease_seconds(rasa_timeout: float) -> float:
    """How long a lease lasts: the longest a turn may be with the engine, plus the margin."""
    return rasa_timeout + LEASE_MARGIN


def _updated(result: Any) -> int:
    """Rows an ``UPDATE`` changed (``Session.execute`` is typed as returning any ``Result``)."""
    return cast("CursorResult[Any]", result).rowcount


def try_take(db: Session, *, session_id: str, token: str, now: datetime, seconds: float) -> Lease:
    """Take the session's lease for ``seconds`` if it is free or expired, in one transaction."""
    taken = db.execute(
        update(PracticeSession)
        .where(
            PracticeSession.id == session_id,
            PracticeSession.turn_lease_until.is_(None) | (PracticeSession.turn_lease_until < now),
        )
        .values(turn_lease_owner=token, turn_lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    if _updated(taken) == 1:
        db.commit()
        return Lease.TAKEN
    exists = db.scalar(select(PracticeSession.id).where(PracticeSession.id == session_id)) is not None
    db.commit()
    return Lease.BUSY if exists else Lease.NO_SESSION


def give_back(db: Session, *, session_id: str, token: str) -> bool:
    """Free the lease if ``token`` still holds it (a lease that expired and was taken over
    stays its new holder's). True if it was still held."""
    freed = db.execute(
        update(PracticeSession)
        .where(PracticeSession.id == session_id, PracticeSession.turn_lease_owner == token)
        .values(turn_lease_owner=None, turn_lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return _updated(freed) == 1
