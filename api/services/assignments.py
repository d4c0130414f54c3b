"""Assignments and how far each learner has got with them.

An attempt is a finished (ended) session of one of the assignment's scenarios, started after
the assignment was set. A learner is ``done`` once every scenario has ``min_attempts``
attempts; otherwise ``overdue`` after the due date, ``in_progress`` once any session of those
scenarios exists, else ``not_started``. Scores are each session's mean turn score.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from actions.vocabulary import AssignmentStatus
from api.db import utcnow
from api.exceptions import InvalidRequest, NotFound
from api.models import Assignment, AssignmentLearner, Cohort, CohortMember, PracticeSession, User
from api.schemas import AssignmentCreate, AssignmentOut, LearnerProgress, MyAssignment, ScenarioAttempts
from api.services.access import member_role
from api.services.scores import session_score


def assignment_not_found(assignment_id: int) -> NotFound:
    return NotFound(f"no assignment with id {assignment_id}", code="assignment_not_found")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def assignment_out(a: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.id,
        cohort_id=a.cohort_id,
        scenario_ids=list(a.scenario_ids),
        due_at=a.due_at,
        min_attempts=a.min_attempts,
        note=a.note,
        learner_ids=sorted(x.user_id for x in a.learners) or None,
        created_by=a.created_by,
        created_at=a.created_at,
    )


def cohort_learners(db: Session, cohort_id: int) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.role == "learner")
            .order_by(User.username)
        )
    )


def _checked_learners(
    db: Session, *, cohort_id: int, body: AssignmentCreate, scenarios: Mapping[str, Any]
) -> list[int]:
    """The learner ids ``body`` names (sorted, once each), after checking its scenarios exist and
    its learners are learners of the cohort."""
    unknown = [s for s in body.scenario_ids if s not in scenarios]
    if unknown:
        known = ", ".join(sorted(scenarios)) or "none"
        raise InvalidRequest(
            f"scenario_ids: no scenario with id {unknown[0]!r} (known: {known})", code="scenario_not_found"
        )
    learner_ids = sorted(set(body.learner_ids or []))
    if learner_ids:
        in_cohort = {u.id for u in cohort_learners(db, cohort_id)}
        outside = [i for i in learner_ids if i not in in_cohort]
        if outside:
            raise InvalidRequest(
                f"learner_ids: user {outside[0]} is not a learner in cohort {cohort_id}", code="not_a_learner"
            )
    return learner_ids


def create_assignment(
    db: Session, *, cohort_id: int, body: AssignmentCreate, created_by: int, scenarios: Mapping[str, Any]
) -> Assignment:
    learner_ids = _checked_learners(db, cohort_id=cohort_id, body=body, scenarios=scenarios)
    assignment = Assignment(
        cohort_id=cohort_id,
        created_by=created_by,
        scenario_ids=list(dict.fromkeys(body.scenario_ids)),
        due_at=_aware(body.due_at),
        min_attempts=body.min_attempts,
        note=body.note,
        learners=[AssignmentLearner(user_id=i) for i in learner_ids],
    )
    db.add(assignment)
    db.commit()
    return assignment


def update_assignment(
    db: Session, a: Assignment, *, body: AssignmentCreate, scenarios: Mapping[str, Any]
) -> Assignment:
    """Replace what an assignment asks for (scenarios, due date, attempts, note, learners); when it
    was set stays, so attempts already made still count."""
    learner_ids = _checked_learners(db, cohort_id=a.cohort_id, body=body, scenarios=scenarios)
    a.scenario_ids = list(dict.fromkeys(body.scenario_ids))
    a.due_at = _aware(body.due_at)
    a.min_attempts = body.min_attempts
    a.note = body.note
    a.learners = [AssignmentLearner(user_id=i) for i in learner_ids]
    db.commit()
    return a


def get_assignment(db: Session, assignment_id: int) -> Assignment:
    a = db.scalar(select(Assignment).where(Assignment.id == assignment_id).options(selectinload(Assignment.learners)))
    if a is None:
        raise assignment_not_found(assignment_id)
    return a


def facilitated_assignment(db: Session, user: User, assignment_id: int) -> Assignment:
    """The assignment, if ``user`` facilitates its cohort (else 404, as if it did not exist)."""
    a = get_assignment(db, assignment_id)
    if member_role(db, user.id, a.cohort_id) != "facilitator":
        raise assignment_not_found(assignment_id)
    return a


def list_for_cohort(db: Session, cohort_id: int) -> list[Assignment]:
    return list(
        db.scalars(
            select(Assignment)
            .where(Assignment.cohort_id == cohort_id)
            .options(selectinload(Assignment.learners))
            .order_by(Assignment.due_at, Assignment.id)
        )
    )


def targets(db: Session, a: Assignment) -> list[User]:
    learners = cohort_learners(db, a.cohort_id)
    named = {x.user_id for x in a.learners}
    return [u for u in learners if u.id in named] if named else learners


def _progress(db: Session, a: Assignment, user_id: int, now: datetime) -> dict[str, Any]:
    sessions = list(
        db.scalars(
            select(PracticeSession)
            .where(
                PracticeSession.owner_id == user_id,
                PracticeSession.scenario_id.in_(a.scenario_ids),
                PracticeSession.created_at >= a.created_at,
                PracticeSession.status != "failed",
            )
            .options(selectinload(PracticeSession.turns))
            .order_by(PracticeSession.created_at)
        )
    )
    ended = [s for s in sessions if s.status == "ended"]
    per = {sid: 0 for sid in a.scenario_ids}
    for s in ended:
        per[s.scenario_id] += 1
    scores = [session_score(t.score_card for t in s.turns) for s in ended]
    known = [x for x in scores if x is not None]
    status: AssignmentStatus
    if all(n >= a.min_attempts for n in per.values()):
        status = "done"
    elif now > _aware(a.due_at):
        status = "overdue"
    elif sessions:
        status = "in_progress"
    else:
        status = "not_started"
    return {
        "status": status,
        "attempts": len(ended),
        "per_scenario": [ScenarioAttempts(scenario_id=k, attempts=v) for k, v in per.items()],
        "best_score": max(known) if known else None,
        "latest_score": scores[-1] if scores else None,
        "last_practised_at": sessions[-1].created_at if sessions else None,
    }


def learner_progress(db: Session, a: Assignment, *, now: datetime | None = None) -> list[LearnerProgress]:
    now = now or utcnow()
    return [
        LearnerProgress(user_id=u.id, username=u.username, display_name=u.display_name, **_progress(db, a, u.id, now))
        for u in targets(db, a)
    ]


def my_assignments(db: Session, user: User, *, now: datetime | None = None) -> list[MyAssignment]:
    """The assignments set for ``user``: to a cohort they learn in (naming no one, or naming them)."""
    now = now or utcnow()
    cohorts = select(CohortMember.cohort_id).where(CohortMember.user_id == user.id, CohortMember.role == "learner")
    named_any = select(AssignmentLearner.assignment_id).where(AssignmentLearner.assignment_id == Assignment.id).exists()
    named_me = (
        select(AssignmentLearner.assignment_id)
        .where(AssignmentLearner.assignment_id == Assignment.id, AssignmentLearner.user_id == user.id)
        .exists()
    )
    rows = db.execute(
        select(Assignment, Cohort.name)
        .join(Cohort, Cohort.id == Assignment.cohort_id)
        .where(Assignment.cohort_id.in_(cohorts), or_(~named_any, named_me))
        .options(selectinload(Assignment.learners))
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    out = []
    for a, cohort_name in rows:
        progress = _progress(db, a, user.id, now)
        progress.pop("last_practised_at")
        base = assignment_out(a).model_dump()
        base["learner_ids"] = None  # other learners' ids are not the learner's business
        out.append(MyAssignment(**base, cohort_name=cohort_name, **progress))
    return out


CSV_COLUMNS = (
    "assignment_id",
    "cohort_id",
    "scenario_ids",
    "due_at",
    "min_attempts",
    "user_id",
    "username",
    "display_name",
    "status",
    "attempts",
    "best_score",
    "latest_score",
    "last_practised_at",
)


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def progress_csv(a: Assignment, rows: Sequence[LearnerProgress]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    a.id,
                    a.cohort_id,
                    " ".join(a.scenario_ids),
                    a.due_at,
                    a.min_attempts,
                    r.user_id,
                    r.username,
                    r.display_name,
                    r.status,
                    r.attempts,
                    r.best_score,
                    r.latest_score,
                    r.last_practised_at,
                )
            ]
        )
    return buffer.getvalue()
