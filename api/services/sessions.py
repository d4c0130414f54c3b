"""Practice sessions (what `api/routes/sessions.py` and the chat page call): start one, send
and retry turns, end it, read it back.

Functions are keyword-only and take their collaborators (database session, engine client,
scenario library) as arguments, so routes and tests wire them as they like. Logs carry ids,
statuses and timings only; never what the learner or the patient said.

The ones that talk to the engine are async, and split in steps: the database work (read and
check, store what is pending; then record the answer) is plain functions run in a worker
thread (``run_in_threadpool``), so a slow query never holds up the event loop and the other
requests it serves; the engine call between them is awaited on the loop. Each step before the
engine call ends by committing, so no database connection is held while the engine answers
(``expire_on_commit`` is off: the objects stay loaded), and a slow engine cannot drain the pool.
The steps use the request's database session one after another, never two at once.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from actions.vocabulary import EndReason, Outcome, SessionEndReason, SessionStatus
from api.db import utcnow
from api.engine import (
    DialogueEngine,
    EngineReply,
    end_session_message,
    learner_message,
    start_scenario_message,
)
from api.exceptions import (
    Conflict,
    EngineFailure,
    EngineReportedError,
    EngineUnavailable,
    InvalidMessage,
    NotFound,
)
from api.models import GroupRun, PracticeSession, Turn, User
from api.services import authoring, xapi_push

log = logging.getLogger(__name__)

SEED_RANGE = 2**31


def normalise_message(text: str, *, max_chars: int) -> str:
    """Trim, drop leading ``/`` (Rasa would read it as an intent), check 1..max_chars."""
    cleaned = text.strip().lstrip("/").strip()
    if not cleaned:
        raise InvalidMessage("message is empty", code="message_empty")
    if len(cleaned) > max_chars:
        raise InvalidMessage(
            f"message is too long: {len(cleaned)} characters, the limit is {max_chars}",
            code="message_too_long",
        )
    return cleaned


def _get_session(db: Session, session_id: str, owner_id: int) -> PracticeSession:
    """The owner's session; someone else's answers exactly like a missing one (existence stays hidden)."""
    session = db.get(PracticeSession, session_id)
    if session is None or session.owner_id != owner_id:
        raise NotFound(f"no practice session with id {session_id!r}", code="session_not_found")
    return session


def _not_a_group_run(db: Session, session_id: str, group: bool) -> None:
    """A group run's conversation takes turns only through the group (``api.services.group_runs``):
    a reply typed straight into it would skip the members' proposals."""
    if not group and db.scalar(select(exists().where(GroupRun.session_id == session_id))):
        raise Conflict(
            f"practice session {session_id!r} is a group practice: send replies, and end it, from its group page",
            code="group_session",
        )


def _require_active(session: PracticeSession) -> None:
    if session.status == "ended":
        raise Conflict(
            f"practice session {session.id!r} has ended; start a new one with POST /api/sessions",
            code="session_ended",
        )
    if session.status != "active":
        raise Conflict(
            f"practice session {session.id!r} is {session.status}, not active; start a new one",
            code="session_not_active",
        )


# What a learner is told when the engine refused a turn for a reason retrying cannot fix.
SET_ASIDE = (
    "The message could not be delivered, so it was set aside: it stays in the transcript, marked failed. "
    "Carry on with another reply, or end the session."
)


def _pending_turn(db: Session, session_id: str) -> Turn | None:
    return db.scalar(
        select(Turn).where(Turn.session_id == session_id, Turn.status == "pending").order_by(Turn.index.desc())
    )


def _with_hint(exc: EngineFailure, hint: str) -> EngineFailure:
    """The same kind of engine error, its message followed by what happens next."""
    message = f"{str(exc).rstrip('.')}. {hint}"
    if isinstance(exc, EngineReportedError):
        return EngineReportedError(message, engine_code=exc.engine_code)
    return type(exc)(message)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def start_playable(
    db: Session,
    *,
    engine: DialogueEngine,
    user: User,
    scenario_id: str,
    version: int | None,
    builtins: Mapping[str, Any],
    directory: Path,
    seed: int | None = None,
) -> tuple[PracticeSession, authoring.Playable]:
    """Start what ``user`` may play of ``scenario_id`` (``authoring.playable``: a built-in
    scenario, the version of an authored one published to their cohorts, or an author's
    preview of ``version``): the one way the JSON API and the pages start a session."""
    target = await run_in_threadpool(
        authoring.playable,
        db,
        user=user,
        scenario_id=scenario_id,
        version=version,
        builtins=builtins,
        directory=directory,
    )
    session = await start_session(
        db=db,
        engine=engine,
        scenarios={target.scenario_id: target.scenario},
        scenario_id=target.scenario_id,
        seed=seed,
        owner_id=user.id,
        scenario_version=target.version,
        engine_key=target.engine_key,
    )
    return session, target


async def start_session(
    *,
    db: Session,
    engine: DialogueEngine,
    scenarios: Mapping[str, Any],
    scenario_id: str,
    owner_id: int,
    seed: int | None = None,
    scenario_version: int | None = None,
    engine_key: str | None = None,
    branch_of: str | None = None,
    branch_turn: int | None = None,
) -> PracticeSession:
    """Open a conversation with the scenario's patient and store the opening line.

    A version of a scenario written in the browser is recorded as ``scenario_id`` and
    ``scenario_version``, and played by the engine under its own key (``<id>__v<N>``).

    The seed picks the patient's lines: the same seed and the same replies give the same
    conversation, so a session can be replayed exactly. Random unless the client names one.

    The row is written as ``starting`` first; if the engine cannot open the conversation it
    is marked ``failed`` (never left looking active) and the engine error is raised.
    """
    if scenario_id not in scenarios:
        known = ", ".join(sorted(scenarios)) or "none"
        raise NotFound(f"no scenario with id {scenario_id!r} (known: {known})", code="scenario_not_found")
    session = PracticeSession(
        id=uuid.uuid4().hex,
        owner_id=owner_id,
        scenario_id=scenario_id,
        scenario_version=scenario_version,
        seed=secrets.randbelow(SEED_RANGE) if seed is None else seed,
        status="starting",
        branch_of=branch_of,
        branch_turn=branch_turn,
    )
    await run_in_threadpool(_store, db, session)
    started = time.perf_counter()
    message = start_scenario_message(engine_key or scenario_id, str(session.seed))
    try:
        reply = EngineReply.from_messages(await engine.send(session.id, message))
        if not reply.patient_lines:
            reply.raise_reported_error()
            raise EngineUnavailable(
                "the Rasa engine answered the start of the scenario without an opening line "
                "(is the action server running?)"
            )
    except EngineFailure as exc:
        await run_in_threadpool(_not_started, db, session)
        log.warning(
            "session %s failed to start (%s) after %.0f ms", session.id, type(exc).__name__, _elapsed_ms(started)
        )
        raise
    await run_in_threadpool(_opened, db, session, reply.patient_lines)
    log.info("session %s started scenario=%s in %.0f ms", session.id, scenario_id, _elapsed_ms(started))
    return session


def _store(db: Session, session: PracticeSession) -> None:
    db.add(session)
    db.commit()


def _not_started(db: Session, session: PracticeSession) -> None:
    session.status = "failed"
    session.ended_at = utcnow()
    db.commit()


def _opened(db: Session, session: PracticeSession, opening: list[dict[str, Any]]) -> None:
    session.opening = opening
    session.status = "active"
    db.commit()


async def send_turn(
    *,
    db: Session,
    engine: DialogueEngine,
    session_id: str,
    owner_id: int,
    text: str,
    max_chars: int,
    group: bool = False,
) -> Turn:
    """Store the learner's message as pending, then deliver it to the engine.

    If the engine is down or times out, the pending turn stays stored and the engine error is
    raised with a message saying so; ``retry_turn`` delivers it later, and a new turn is refused
    while one is pending. If the engine refuses it for any other reason (retrying would fail the
    same way), the turn is kept as ``failed`` and the learner carries on or ends the session.
    """
    session, turn = await run_in_threadpool(
        _store_pending, db, session_id=session_id, owner_id=owner_id, text=text, max_chars=max_chars, group=group
    )
    log.info("session %s turn %d stored as pending", session_id, turn.index)
    return await _deliver(db=db, engine=engine, session=session, turn=turn)


def _store_pending(
    db: Session, *, session_id: str, owner_id: int, text: str, max_chars: int, group: bool = False
) -> tuple[PracticeSession, Turn]:
    """The session and the learner's message, stored as its next turn (``pending``) and committed."""
    session = _get_session(db, session_id, owner_id)
    _not_a_group_run(db, session_id, group)
    cleaned = normalise_message(text, max_chars=max_chars)
    _require_active(session)
    pending = _pending_turn(db, session_id)
    if pending is not None:
        raise Conflict(
            f"your previous message {pending.learner_text!r} is still waiting for a reply; "
            f"retry it with POST /api/sessions/{session_id}/turns/retry",
            code="turn_pending",
        )
    last = db.scalar(select(func.max(Turn.index)).where(Turn.session_id == session_id)) or 0
    turn = Turn(session_id=session_id, index=last + 1, learner_text=cleaned, status="pending")
    db.add(turn)
    try:
        db.commit()
    except IntegrityError:  # a concurrent request took this index
        db.rollback()
        raise Conflict(
            f"another message for session {session_id!r} arrived at the same time; reload and try again",
            code="turn_conflict",
        ) from None
    return session, turn


async def retry_turn(
    *, db: Session, engine: DialogueEngine, session_id: str, owner_id: int, group: bool = False
) -> Turn:
    """Deliver the pending turn again (same row, never a new one)."""
    session, turn = await run_in_threadpool(_load_pending, db, session_id, owner_id, group)
    log.info("session %s turn %d retried", session_id, turn.index)
    return await _deliver(db=db, engine=engine, session=session, turn=turn)


def _load_pending(db: Session, session_id: str, owner_id: int, group: bool = False) -> tuple[PracticeSession, Turn]:
    """The session and its pending turn; the reading transaction ends (nothing is held while the
    engine answers)."""
    session = _get_session(db, session_id, owner_id)
    _not_a_group_run(db, session_id, group)
    _require_active(session)
    turn = _pending_turn(db, session_id)
    if turn is None:
        raise Conflict(f"practice session {session_id!r} has no message waiting to be retried", code="nothing_pending")
    db.commit()
    return session, turn


async def _deliver(*, db: Session, engine: DialogueEngine, session: PracticeSession, turn: Turn) -> Turn:
    """Send the stored turn to the engine (the caller's step has committed) and record the answer."""
    started = time.perf_counter()
    kept = f"Your message was kept; retry it with POST /api/sessions/{session.id}/turns/retry once the engine is back."
    try:
        reply = EngineReply.from_messages(await engine.send(session.id, learner_message(turn.learner_text)))
        if not reply.patient_lines and reply.summary is None:
            reply.raise_reported_error()
            # Rasa answers nothing when it cannot reach the action server: an outage.
            raise EngineUnavailable("the Rasa engine answered without a patient line (is the action server running?)")
    except EngineFailure as exc:
        log.warning(
            "session %s turn %d not answered (%s) after %.0f ms",
            session.id,
            turn.index,
            type(exc).__name__,
            _elapsed_ms(started),
        )
        if exc.retryable:
            raise _with_hint(exc, kept) from exc
        await run_in_threadpool(_set_aside, db, turn)
        raise _with_hint(exc, SET_ASIDE) from exc
    await run_in_threadpool(_answered, db, session, turn, reply)
    if session.status == "ended":
        engine.forget([session.id])  # the transcript is the record now
        xapi_push.session_ended(db, session.id)  # to the LRS, if one is configured (off the request path)
    log.info(
        "session %s turn %d answered in %.0f ms (session %s)",
        session.id,
        turn.index,
        _elapsed_ms(started),
        session.status,
    )
    return turn


def _set_aside(db: Session, turn: Turn) -> None:
    turn.status = "failed"
    db.commit()


def _answered(db: Session, session: PracticeSession, turn: Turn, reply: EngineReply) -> None:
    """The patient's answer and its score card on the turn; the session ends if the patient ended it."""
    now = utcnow()
    turn.patient_lines = reply.patient_lines
    turn.score_card = reply.score_card
    turn.status = "answered"
    turn.answered_at = now
    if reply.summary is not None:
        _finish(session, reply.summary, reason="conversation", now=now)
    db.commit()


def _finish(session: PracticeSession, summary: dict[str, Any], *, reason: SessionEndReason, now: datetime) -> None:
    session.status = "ended"
    session.summary = summary
    session.outcome = summary.get("outcome")
    session.end_reason = reason
    session.ended_at = now


async def end_session(
    *, db: Session, engine: DialogueEngine, session_id: str, owner_id: int, reason: EndReason, group: bool = False
) -> PracticeSession:
    """Ask the engine for the summary and store it; an ended session returns what is stored.

    If the engine cannot answer, the session stays active and the engine error is raised.
    """
    session = await run_in_threadpool(_load_to_end, db, session_id, owner_id, group)
    if session.status == "ended":
        return session
    started = time.perf_counter()
    try:
        reply = EngineReply.from_messages(await engine.send(session.id, end_session_message(reason)))
        if reply.summary is None:
            reply.raise_reported_error()
            raise EngineUnavailable(
                "the Rasa engine ended the session without a summary (is the action server running?)"
            )
    except EngineFailure as exc:
        log.warning("session %s not ended (%s); it stays active", session.id, type(exc).__name__)
        raise _with_hint(exc, "The session stays open; try ending it again.") from exc
    await run_in_threadpool(_ended, db, session, reply.patient_lines, reply.summary, reason)
    engine.forget([session.id])  # the transcript is the record now
    xapi_push.session_ended(db, session.id)  # to the LRS, if one is configured (off the request path)
    log.info(
        "session %s ended reason=%s outcome=%s in %.0f ms", session.id, reason, session.outcome, _elapsed_ms(started)
    )
    return session


def _load_to_end(db: Session, session_id: str, owner_id: int, group: bool = False) -> PracticeSession:
    """The session; unless it has ended already, it must be active, and the reading transaction
    ends (nothing is held while the engine answers)."""
    session = _get_session(db, session_id, owner_id)
    _not_a_group_run(db, session_id, group)
    if session.status != "ended":
        _require_active(session)
        db.commit()
    return session


def _ended(
    db: Session,
    session: PracticeSession,
    closing: list[dict[str, Any]],
    summary: dict[str, Any],
    reason: EndReason,
) -> None:
    session.closing = closing
    _finish(session, summary, reason=reason, now=utcnow())
    db.commit()


def list_sessions(
    *,
    db: Session,
    owner_id: int,
    limit: int,
    offset: int,
    scenario_id: str | None = None,
    status: SessionStatus | None = None,
    outcome: Outcome | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[tuple[PracticeSession, int]], int]:
    """The owner's sessions newest first, filtered: (session, number of turns) pairs for one
    page, and the total count matching the filters."""
    conditions = [PracticeSession.owner_id == owner_id]
    if scenario_id is not None:
        conditions.append(PracticeSession.scenario_id == scenario_id)
    if status is not None:
        conditions.append(PracticeSession.status == status)
    if outcome is not None:
        conditions.append(PracticeSession.outcome == outcome)
    if since is not None:
        conditions.append(PracticeSession.created_at >= since)
    if until is not None:
        conditions.append(PracticeSession.created_at < until)
    total = db.scalar(select(func.count()).select_from(PracticeSession).where(*conditions)) or 0
    turn_counts = select(Turn.session_id, func.count(Turn.id).label("n")).group_by(Turn.session_id).subquery()
    rows = db.execute(
        select(PracticeSession, func.coalesce(turn_counts.c.n, 0))
        .outerjoin(turn_counts, turn_counts.c.session_id == PracticeSession.id)
        .where(*conditions)
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row[0], int(row[1])) for row in rows], total
