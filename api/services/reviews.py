"""Reviewers' work: comments anchored to turns, corrections of detected cues, and the
corrections exported as labelled data in the scorer's format (DESIGN.md, "Cue ids"):
one JSON object a line, ``{"text": learner text, "context": previous patient line, "cues": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from actions.vocabulary import CorrectionKind, SessionStatus
from api.db import utcnow
from api.exceptions import InvalidRequest, NotFound
from api.models import Comment, CueCorrection, GroupRun, PracticeSession, Turn, User
from api.schemas import CommentOut, ConflictOut, ConflictTurn, CorrectionOut
from api.services.access import group_sessions_seen_by, learners_seen_by
from api.services.scores import card_cues
from practice.scoring.correction_data import Correction, find_conflicts, same_text


def _name(user: User) -> str:
    return user.display_name or user.username


def comment_out(c: Comment) -> CommentOut:
    return CommentOut(
        id=c.id,
        session_id=c.session_id,
        turn_index=c.turn_index,
        author_id=c.author_id,
        author=_name(c.author),
        body=c.body,
        created_at=c.created_at,
    )


def _turn(session: PracticeSession, index: int) -> Turn:
    for turn in session.turns:
        if turn.index == index:
            return turn
    raise NotFound(f"practice session {session.id!r} has no turn {index}", code="turn_not_found")


def add_comment(db: Session, *, session: PracticeSession, author: User, turn_index: int, body: str) -> Comment:
    _turn(session, turn_index)
    comment = Comment(session_id=session.id, turn_index=turn_index, author_id=author.id, body=body.strip() or body)
    db.add(comment)
    db.commit()
    db.refresh(comment, ["author"])
    return comment


def comments(db: Session, session_id: str) -> list[CommentOut]:
    rows = db.scalars(
        select(Comment)
        .where(Comment.session_id == session_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.turn_index, Comment.created_at, Comment.id)
    )
    return [comment_out(c) for c in rows]


def comments_for_learner(db: Session, owner_id: int, *, limit: int = 20) -> list[CommentOut]:
    """Reviewers' comments on any of a learner's sessions, newest first (what they may want to read next)."""
    rows = db.scalars(
        select(Comment)
        .join(PracticeSession, PracticeSession.id == Comment.session_id)
        .where(PracticeSession.owner_id == owner_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return [comment_out(c) for c in rows]


def corrections(db: Session, session_id: str) -> list[CorrectionOut]:
    rows = db.execute(
        select(CueCorrection, Turn.index)
        .join(Turn, Turn.id == CueCorrection.turn_id)
        .where(Turn.session_id == session_id)
        .order_by(Turn.index, CueCorrection.cue)
    ).all()
    return [
        CorrectionOut(
            turn_index=i,
            cue=c.cue,
            kind=c.kind,
            reviewer_id=c.reviewer_id,
            created_at=c.created_at,
            scorer_version=c.scorer_version,
        )
        for c, i in rows
    ]


def detected(turn: Turn) -> list[str]:
    return list(dict.fromkeys(c["cue"] for c in card_cues(turn.score_card)))


def correct(
    db: Session, *, session: PracticeSession, reviewer: User, turn_index: int, cue: str, kind: CorrectionKind
) -> CueCorrection:
    """Record that ``cue`` was wrongly detected on a turn, or missed, with who said so, when, and
    the scorer build whose card they corrected; a second correction of the same cue on the same
    turn replaces the first (and its reviewer, time and scorer build)."""
    turn = _turn(session, turn_index)
    if turn.status != "answered":
        raise InvalidRequest(
            f"turn {turn_index} has no score card yet; correct it once it is answered", code="turn_not_scored"
        )
    found = detected(turn)
    if kind == "wrong" and cue not in found:
        raise InvalidRequest(
            f"cue: {cue!r} was not detected on turn {turn_index} (detected: {', '.join(found) or 'none'}); "
            "use kind 'missed' to add it",
            code="cue_not_detected",
        )
    if kind == "missed" and cue in found:
        raise InvalidRequest(
            f"cue: {cue!r} was already detected on turn {turn_index}; use kind 'wrong' to reject it",
            code="cue_already_detected",
        )
    version = (turn.score_card or {}).get("scorer")
    version = version if isinstance(version, str) and version else None
    existing = db.scalar(select(CueCorrection).where(CueCorrection.turn_id == turn.id, CueCorrection.cue == cue))
    if existing is None:
        existing = CueCorrection(turn_id=turn.id, cue=cue, kind=kind, reviewer_id=reviewer.id, scorer_version=version)
        db.add(existing)
    else:
        existing.kind, existing.reviewer_id, existing.scorer_version = kind, reviewer.id, version
        existing.created_at = utcnow()
    db.commit()
    return existing


def remove_correction(db: Session, *, session: PracticeSession, turn_index: int, cue: str) -> None:
    turn = _turn(session, turn_index)
    existing = db.scalar(select(CueCorrection).where(CueCorrection.turn_id == turn.id, CueCorrection.cue == cue))
    if existing is None:
        raise NotFound(f"turn {turn_index} has no correction of cue {cue!r}", code="correction_not_found")
    db.delete(existing)
    db.commit()


def review_list(
    db: Session, *, reviewer: User, cohort_id: int | None, status: SessionStatus | None, limit: int, offset: int
) -> tuple[list[tuple[PracticeSession, int, User]], int]:
    """Sessions of the learners in the cohorts ``reviewer`` reviews (optionally one cohort), and
    those cohorts' group runs, newest first."""
    seen = learners_seen_by(reviewer.id, roles=("reviewer",), cohort_id=cohort_id)
    groups = group_sessions_seen_by(reviewer.id, roles=("reviewer",))
    if cohort_id is not None:
        groups = groups.where(GroupRun.cohort_id == cohort_id)
    conditions: list[ColumnElement[bool]] = [or_(PracticeSession.owner_id.in_(seen), PracticeSession.id.in_(groups))]
    if status is not None:
        conditions.append(PracticeSession.status == status)
    total = db.scalar(select(func.count()).select_from(PracticeSession).where(*conditions)) or 0
    counts = select(Turn.session_id, func.count(Turn.id).label("n")).group_by(Turn.session_id).subquery()
    rows = db.execute(
        select(PracticeSession, func.coalesce(counts.c.n, 0), User)
        .join(User, User.id == PracticeSession.owner_id)
        .outerjoin(counts, counts.c.session_id == PracticeSession.id)
        .where(*conditions)
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(s, int(n), u) for s, n, u in rows], total


def _last_patient_text(lines: Any) -> str:
    said = [m.get("text") for m in (lines or []) if isinstance(m, dict) and m.get("type") == "patient_line"]
    texts = [t for t in said if isinstance(t, str)]
    return texts[-1] if texts else ""


def context_for(session: PracticeSession, turn: Turn) -> str:
    """The patient's line just before the learner spoke: the last line of the previous turn,
    or of the opening for the first turn."""
    previous = [t for t in session.turns if t.index < turn.index]
    return _last_patient_text(previous[-1].patient_lines if previous else session.opening)


def export_lines(db: Session, *, reviewer: User) -> Iterator[str]:
    """One JSON line per corrected turn: detected cues minus the wrong ones, plus the missed ones.
    Admins export every correction; reviewers those on their cohorts' learners."""
    query = select(Turn.id).join(CueCorrection, CueCorrection.turn_id == Turn.id).distinct()
    if reviewer.role != "admin":
        seen = learners_seen_by(reviewer.id, roles=("reviewer",))
        query = query.join(PracticeSession, PracticeSession.id == Turn.session_id).where(
            PracticeSession.owner_id.in_(seen)
        )
    turn_ids = list(db.scalars(query))
    if not turn_ids:
        return
    turns = db.scalars(
        select(Turn)
        .where(Turn.id.in_(turn_ids))
        .options(selectinload(Turn.session).selectinload(PracticeSession.turns))
        .order_by(Turn.session_id, Turn.index)
    )
    by_turn: dict[int, list[CueCorrection]] = {}
    for c in db.scalars(select(CueCorrection).where(CueCorrection.turn_id.in_(turn_ids))):
        by_turn.setdefault(c.turn_id, []).append(c)
    for turn in turns:
        wrong = {c.cue for c in by_turn.get(turn.id, []) if c.kind == "wrong"}
        missed = {c.cue for c in by_turn.get(turn.id, []) if c.kind == "missed"}
        cues = sorted((set(detected(turn)) - wrong) | missed)
        record = {"text": turn.learner_text, "context": context_for(turn.session, turn), "cues": cues}
        yield json.dumps(record, ensure_ascii=False) + "\n"


def _all_corrections(db: Session) -> list[tuple[CueCorrection, Turn]]:
    rows = db.execute(
        select(CueCorrection, Turn)
        .join(Turn, Turn.id == CueCorrection.turn_id)
        .options(selectinload(Turn.session).selectinload(PracticeSession.turns))
        .order_by(Turn.session_id, Turn.index, CueCorrection.cue)
    ).all()
    return [(c, t) for c, t in rows]


def training_corrections(db: Session) -> list[Correction]:
    """Every correction as training data for the scorer (practice/scoring/corrections.py): the
    learner's words, the patient's line before, the cue and what the reviewer said of it."""
    return [
        Correction(t.learner_text, context_for(t.session, t), c.cue, c.kind, c.reviewer_id, c.scorer_version)
        for c, t in _all_corrections(db)
    ]


def conflicts(db: Session, *, viewer: User) -> list[ConflictOut]:
    """Texts whose corrections disagree on a cue (one reviewer says it is wrong, another that it
    was missed), which a rebuild leaves out. Counted over every correction; a reviewer sees the
    conflicts that touch their cohorts' practice, and only those turns; an admin sees all."""
    rows = _all_corrections(db)
    if viewer.role == "admin":
        visible = {t.session_id for _, t in rows}
    else:
        seen = set(db.scalars(learners_seen_by(viewer.id, roles=("reviewer",))))
        groups = set(db.scalars(group_sessions_seen_by(viewer.id, roles=("reviewer",))))
        visible = {t.session_id for _, t in rows if t.session.owner_id in seen or t.session_id in groups}
    found = {
        (same_text(c.text), c.cue)
        for c in find_conflicts(Correction(t.learner_text, "", c.cue, c.kind) for c, t in rows)
    }
    out: dict[tuple[str, str], ConflictOut] = {}
    for c, t in rows:
        key = (same_text(t.learner_text), c.cue)
        if key not in found:
            continue
        entry = out.setdefault(key, ConflictOut(text="", cue=c.cue, wrong=0, missed=0, turns=[]))
        if c.kind == "wrong":
            entry.wrong += 1
        else:
            entry.missed += 1
        if t.session_id in visible:
            entry.text = entry.text or t.learner_text
            entry.turns.append(ConflictTurn(session_id=t.session_id, turn_index=t.index, kind=c.kind))
    return [entry for entry in out.values() if entry.turns]
