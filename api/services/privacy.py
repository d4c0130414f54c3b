"""Learners' data rights and retention: export everything about a user, delete a user with
every transcript, and delete transcripts older than the retention period an admin set.

Deleting relies on the foreign keys' ``ON DELETE CASCADE``: a user's sessions, their turns,
the comments and corrections on them, their ratings of them, their confidence answers,
memberships, their private check-ins and the comments the user wrote all go; so do a member's group-practice proposals and votes (a reply the group sent stays, without a name,
in the facilitator's session), and the group runs a deleted facilitator led.
Logs carry ids and counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from api.db import utcnow
from api.exceptions import Conflict
from api.models import (
    AppSetting,
    Cohort,
    CohortMember,
    Comment,
    CueCorrection,
    GroupProposal,
    PracticeSession,
    Turn,
    User,
)
from api.schemas import MyExport, Transcript, UserOut
from api.services import assignments, check_ins, reviews, surveys

log = logging.getLogger(__name__)

RETENTION_KEY = "retention_days"
# Removes the engine's copy of conversations by session id (EngineClient.forget).
Forget = Callable[[Sequence[str]], object]


def export_user(db: Session, user: User, *, scenarios: Mapping[str, Any]) -> MyExport:
    sessions = db.scalars(
        select(PracticeSession)
        .where(PracticeSession.owner_id == user.id)
        .options(selectinload(PracticeSession.turns))
        .order_by(PracticeSession.created_at)
    )
    transcripts = []
    for s in sessions:
        t = Transcript.model_validate(s, from_attributes=True)
        scenario = scenarios.get(s.scenario_id)
        t.scenario = scenario.brief() if scenario is not None else None
        t.comments = reviews.comments(db, s.id)
        t.corrections = reviews.corrections(db, s.id)
        transcripts.append(t)
    memberships = db.execute(
        select(Cohort.id, Cohort.name, CohortMember.role, CohortMember.added_at)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id)
    ).all()
    written = db.scalars(
        select(Comment).where(Comment.author_id == user.id).options(selectinload(Comment.author)).order_by(Comment.id)
    )
    corrections = db.execute(
        select(CueCorrection, Turn.session_id, Turn.index)
        .join(Turn, Turn.id == CueCorrection.turn_id)
        .where(CueCorrection.reviewer_id == user.id)
        .order_by(CueCorrection.id)
    ).all()
    log.info("user %d exported their data (%d sessions)", user.id, len(transcripts))
    return MyExport(
        exported_at=utcnow(),
        user=UserOut.model_validate(user),
        cohorts=[{"cohort_id": i, "name": n, "role": r, "added_at": a.isoformat()} for i, n, r, a in memberships],
        sessions=transcripts,
        assignments=assignments.my_assignments(db, user),
        comments_written=[reviews.comment_out(c) for c in written],
        corrections_made=[
            {"session_id": sid, "turn_index": idx, "cue": c.cue, "kind": c.kind, "created_at": c.created_at.isoformat()}
            for c, sid, idx in corrections
        ],
        confidence=surveys.my_responses(db, user),
        satisfaction=surveys.my_ratings(db, user),
        check_ins=check_ins.export(db, user),
        group_proposals=[
            {
                "group_run_id": p.run_id,
                "round": p.round,
                "turn_index": p.turn_index,
                "text": p.text,
                "chosen": p.chosen,
                "score_card": p.score_card,
                "created_at": p.created_at.isoformat(),
            }
            for p in db.scalars(
                select(GroupProposal).where(GroupProposal.author_id == user.id).order_by(GroupProposal.id)
            )
        ],
    )


def is_last_admin(db: Session, user: User) -> bool:
    """True if ``user`` is the only active admin (removing them would lock everyone out of admin work)."""
    if user.role != "admin" or not user.is_active:
        return False
    others = db.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True), User.id != user.id)
    )
    return not others


def delete_user(db: Session, user_id: int, *, forget: Forget | None = None) -> None:
    """Delete the account and, through the foreign keys, everything that is theirs; `forget`
    removes the engine's copy of their conversations. The last active admin is not deleted
    (409): create another admin first."""
    user = db.get(User, user_id)
    if user is not None and is_last_admin(db, user):
        raise Conflict("this is the only active admin account; create another admin first", code="last_admin")
    session_ids = list(db.scalars(select(PracticeSession.id).where(PracticeSession.owner_id == user_id)))
    db.execute(delete(User).where(User.id == user_id))
    db.commit()
    if forget is not None:
        forget(session_ids)
    log.info("user %d deleted with their sessions", user_id)


def retention_days(db: Session) -> int | None:
    setting = db.get(AppSetting, RETENTION_KEY)
    return setting.value if setting is not None and isinstance(setting.value, int) else None


def set_retention_days(db: Session, days: int | None) -> None:
    setting = db.get(AppSetting, RETENTION_KEY)
    if setting is None:
        db.add(AppSetting(key=RETENTION_KEY, value=days))
    else:
        setting.value = days
        setting.updated_at = utcnow()
    db.commit()
    log.info("retention set to %s days", days)


def apply_retention(
    db: Session, *, now: datetime | None = None, dry_run: bool = False, forget: Forget | None = None
) -> tuple[int | None, int]:
    """Delete sessions (with turns, comments, corrections) started before now minus the retention
    period. Returns (days, number of sessions deleted or, with ``dry_run``, that would be)."""
    days = retention_days(db)
    if days is None:
        return None, 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = list(db.scalars(select(PracticeSession.id).where(PracticeSession.created_at < cutoff)))
    if ids and not dry_run:
        db.execute(delete(PracticeSession).where(PracticeSession.id.in_(ids)))
        db.commit()
        if forget is not None:
            forget(ids)
    log.info("retention %d days: %d sessions %s", days, len(ids), "would be deleted" if dry_run else "deleted")
    return days, len(ids)
