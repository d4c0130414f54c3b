"""What-if from any turn: a learner's finished session, replayed up to one of their turns, so
they can say something different there and carry on ("Try a different reply here").

A branch is an ordinary practice session (``sessions.start_session``) with ``branch_of`` and
``branch_turn`` set. It starts with the original's scenario version and seed, then sends the
original's replies 1..k-1 through the engine with ``sessions.send_turn``, exactly as a learner's
turns go. The patient's lines are chosen from the seed and the conversation so far, so they come
back the same; each opening line, patient line and score card is compared with the original's,
and at the first difference the branch is stopped (``failed``), its engine conversation
forgotten, and ``ReplayDiverged`` says which turn differed. A branch never goes on from a past
that is not the learner's own.

Logs carry ids and turn numbers only, never words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.db import utcnow
from api.engine import DialogueEngine
from api.exceptions import Conflict, InvalidRequest, PracticeError, ReplayDiverged
from api.models import GroupRun, PracticeSession, Turn, User
from api.services import access, authoring, sessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Replay:
    """What a branch must reproduce: the original's opening and its turns before ``turn``."""

    original_id: str
    turn: int
    seed: int
    target: authoring.Playable
    opening: list[dict[str, Any]]
    replies: list[tuple[str, list[dict[str, Any]], dict[str, Any] | None]]  # text, patient lines, score card


def _plan(
    db: Session, *, user: User, session_id: str, turn: int, builtins: Mapping[str, Any], directory: Path
) -> Replay:
    """Check the request and read what the replay needs (the reading transaction ends)."""
    original = db.get(PracticeSession, session_id)
    if original is None or original.owner_id != user.id:
        raise access.session_not_found(session_id)
    if db.scalar(select(exists().where(GroupRun.session_id == session_id))):
        raise Conflict(
            f"practice session {session_id!r} is a group practice: only your own practice can be tried again",
            code="group_session",
        )
    if original.status != "ended":
        raise Conflict(
            f"practice session {session_id!r} is {original.status}: finish it first, then try a different reply",
            code="session_not_ended",
        )
    turns: list[Turn] = list(original.turns)
    if not turns:
        raise InvalidRequest(f"practice session {session_id!r} has no replies to try differently", code="invalid_turn")
    if not 1 <= turn <= len(turns):
        raise InvalidRequest(
            f"turn {turn} is not one of your replies in session {session_id!r}: choose 1 to {len(turns)}",
            code="invalid_turn",
        )
    earlier = turns[: turn - 1]
    unanswered = [t.index for t in earlier if t.status != "answered"]
    if unanswered:
        raise Conflict(
            f"reply {unanswered[0]} of session {session_id!r} was never answered by the patient, so the "
            f"conversation cannot be replayed past it: choose reply {unanswered[0]} or an earlier one",
            code="turn_not_replayable",
        )
    target = authoring.replayable(
        db,
        scenario_id=original.scenario_id,
        version=original.scenario_version,
        builtins=builtins,
        directory=directory,
    )
    replay = Replay(
        original_id=original.id,
        turn=turn,
        seed=original.seed,
        target=target,
        opening=list(original.opening or []),
        replies=[(t.learner_text, list(t.patient_lines or []), t.score_card) for t in earlier],
    )
    db.commit()
    return replay


def _stop(db: Session, session: PracticeSession) -> None:
    session.status = "failed"
    session.ended_at = utcnow()
    db.commit()


async def _diverged(db: Session, engine: DialogueEngine, branch: PracticeSession, what: str) -> ReplayDiverged:
    await run_in_threadpool(_stop, db, branch)
    engine.forget([branch.id])
    log.warning("branch %s of session %s stopped: %s", branch.id, branch.branch_of, what)
    return ReplayDiverged(
        f"replaying your conversation did not give the same {what} as before (the practice patient or the "
        "scorer has changed since), so the branch was stopped rather than carry on from a different past; "
        "start a new practice instead"
    )


async def start_branch(
    db: Session,
    *,
    engine: DialogueEngine,
    user: User,
    session_id: str,
    turn: int,
    builtins: Mapping[str, Any],
    directory: Path,
    max_chars: int,
) -> PracticeSession:
    """A new session of the learner's that replays ``session_id`` (theirs, ended) up to reply
    ``turn``, ready for them to say reply ``turn`` differently."""
    replay = await run_in_threadpool(
        _plan, db, user=user, session_id=session_id, turn=turn, builtins=builtins, directory=directory
    )
    branch = await sessions.start_session(
        db=db,
        engine=engine,
        scenarios={replay.target.scenario_id: replay.target.scenario},
        scenario_id=replay.target.scenario_id,
        owner_id=user.id,
        seed=replay.seed,
        scenario_version=replay.target.version,
        engine_key=replay.target.engine_key,
        branch_of=replay.original_id,
        branch_turn=replay.turn,
    )
    try:
        if branch.opening != replay.opening:
            raise await _diverged(db, engine, branch, "opening line")
        for index, (text, lines, card) in enumerate(replay.replies, start=1):
            sent = await sessions.send_turn(
                db=db,
                engine=engine,
                session_id=branch.id,
                owner_id=user.id,
                text=text,
                max_chars=max(max_chars, len(text)),
            )
            if sent.patient_lines != lines:
                raise await _diverged(db, engine, branch, f"patient's answer to reply {index}")
            if sent.score_card != card:
                raise await _diverged(db, engine, branch, f"feedback on reply {index}")
            if branch.status != "active":
                raise await _diverged(db, engine, branch, f"conversation after reply {index} (it ended there)")
    except ReplayDiverged:
        raise
    except PracticeError:  # the engine failed halfway: a half-replayed branch is no use to anyone
        await run_in_threadpool(_stop, db, branch)
        engine.forget([branch.id])
        raise
    log.info("branch %s of session %s replayed %d turns", branch.id, replay.original_id, len(replay.replies))
    return branch


# --- the branch's report: then and now ----------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One turn from the branching point: what the learner said then (the original) and now
    (the branch), with the cues and the patient's tension after each (None: no such turn)."""

    index: int
    then: Turn | None
    now: Turn | None

    @staticmethod
    def _cues(turn: Turn | None) -> list[dict[str, Any]]:
        card = (turn.score_card if turn is not None else None) or {}
        return [c for c in card.get("cues") or [] if isinstance(c, dict)]

    @staticmethod
    def _tension(turn: Turn | None) -> float | None:
        card = (turn.score_card if turn is not None else None) or {}
        value = card.get("tension")
        return float(value) if isinstance(value, int | float) else None

    @property
    def then_cues(self) -> list[dict[str, Any]]:
        return self._cues(self.then)

    @property
    def now_cues(self) -> list[dict[str, Any]]:
        return self._cues(self.now)

    @property
    def then_tension(self) -> float | None:
        return self._tension(self.then)

    @property
    def now_tension(self) -> float | None:
        return self._tension(self.now)


@dataclass(frozen=True)
class Comparison:
    original: PracticeSession | None  # None: deleted since (retention)
    turn: int
    start_tension: float | None  # the patient's tension before reply ``turn``, the same in both
    steps: list[Step]


def _tension_before(session: PracticeSession, turn: int) -> float | None:
    if turn > 1:
        earlier = next((t for t in session.turns if t.index == turn - 1), None)
        value = ((earlier.score_card if earlier is not None else None) or {}).get("tension")
    else:
        lines = [line for line in session.opening or [] if isinstance(line, dict)]
        value = lines[-1].get("tension") if lines else None
    return float(value) if isinstance(value, int | float) else None


def comparison(db: Session, branch: PracticeSession) -> Comparison | None:
    """Then and now, turn by turn from the branching point (None unless ``branch`` is a branch).
    The caller has checked the reader may see ``branch``; the original is the same learner's."""
    if branch.branch_of is None or branch.branch_turn is None:
        return None
    original = db.get(PracticeSession, branch.branch_of)
    if original is not None and original.owner_id != branch.owner_id:
        original = None
    k = branch.branch_turn
    then = {t.index: t for t in (original.turns if original is not None else []) if t.index >= k}
    now = {t.index: t for t in branch.turns if t.index >= k}
    indices = sorted(set(then) | set(now))
    return Comparison(
        original=original,
        turn=k,
        start_tension=_tension_before(branch, k),
        steps=[Step(i, then.get(i), now.get(i)) for i in indices],
    )


def branches_of(db: Session, session: PracticeSession) -> list[PracticeSession]:
    """The learner's branches of ``session``, oldest first."""
    return list(
        db.scalars(
            select(PracticeSession)
            .where(PracticeSession.branch_of == session.id, PracticeSession.owner_id == session.owner_id)
            .order_by(PracticeSession.created_at, PracticeSession.id)
        )
    )
