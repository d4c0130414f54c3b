"""Who may see what. One rule, used everywhere: what you may not see answers exactly like
what does not exist (404), so the existence of other people's data is never revealed.

- a learner reaches their own sessions;
- a facilitator or reviewer of a cohort reads the sessions of that cohort's learners;
- a group run's session (owned by the facilitator who led it) is its cohort's: the cohort's
  facilitators and reviewers read it as they read a learner's;
- writing to a session (turns, ending it) is for its owner only.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased, selectinload

from actions.vocabulary import COHORT_STAFF_ROLES, CohortRole
from api.exceptions import NotFound
from api.models import Cohort, CohortMember, GroupRun, PracticeSession, User


def session_not_found(session_id: str) -> NotFound:
    return NotFound(f"no practice session with id {session_id!r}", code="session_not_found")


def cohort_not_found(cohort_id: int) -> NotFound:
    return NotFound(f"no cohort with id {cohort_id}", code="cohort_not_found")


def learners_seen_by(
    user_id: int, *, roles: tuple[CohortRole, ...] = COHORT_STAFF_ROLES, cohort_id: int | None = None
) -> Select[int]:
    """Ids of learners in the cohorts (or the one cohort) where ``user_id`` is one of ``roles``."""
    staff = aliased(CohortMember)
    learner = aliased(CohortMember)
    query = (
        select(learner.user_id)
        .join(staff, staff.cohort_id == learner.cohort_id)
        .where(staff.user_id == user_id, staff.role.in_(roles), learner.role == "learner")
    )
    return query.where(learner.cohort_id == cohort_id) if cohort_id is not None else query


def group_sessions_seen_by(user_id: int, *, roles: tuple[CohortRole, ...] = COHORT_STAFF_ROLES) -> Select[str]:
    """Ids of the sessions of group runs in the cohorts where ``user_id`` is one of ``roles``."""
    return (
        select(GroupRun.session_id)
        .join(CohortMember, CohortMember.cohort_id == GroupRun.cohort_id)
        .where(CohortMember.user_id == user_id, CohortMember.role.in_(roles))
    )


def _group_staff(db: Session, user_id: int, session_id: str, roles: tuple[CohortRole, ...]) -> bool:
    seen = group_sessions_seen_by(user_id, roles=roles).subquery()
    return bool(db.scalar(select(exists().where(seen.c.session_id == session_id))))


def readable_session(
    db: Session, user: User, session_id: str, *, roles: tuple[CohortRole, ...] = COHORT_STAFF_ROLES
) -> PracticeSession:
    """The session with its turns, if ``user`` owns it or is staff (``roles``) of its learner's cohort."""
    session = db.scalar(
        select(PracticeSession).where(PracticeSession.id == session_id).options(selectinload(PracticeSession.turns))
    )
    if session is None or session.owner_id is None:
        raise session_not_found(session_id)
    if session.owner_id == user.id:
        return session
    seen = learners_seen_by(user.id, roles=roles).subquery()
    if db.scalar(select(exists().where(seen.c.user_id == session.owner_id))):
        return session
    if _group_staff(db, user.id, session.id, roles):
        return session
    raise session_not_found(session_id)


def member_role(db: Session, user_id: int, cohort_id: int) -> CohortRole | None:
    return db.scalar(
        select(CohortMember.role).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
    )


def visible_cohort(db: Session, user: User, cohort_id: int, *, roles: tuple[CohortRole, ...] | None = None) -> Cohort:
    """The cohort, if ``user`` is an admin or a member (with one of ``roles`` when given)."""
    cohort = db.get(Cohort, cohort_id)
    if cohort is None:
        raise cohort_not_found(cohort_id)
    if user.role == "admin" and roles is None:
        return cohort
    role = member_role(db, user.id, cohort_id)
    if role is None or (roles is not None and role not in roles):
        raise cohort_not_found(cohort_id)
    return cohort


def reviewed_session(db: Session, user: User, session_id: str) -> PracticeSession:
    """The session, if ``user`` reviews a cohort its learner is in (else 404)."""
    session = db.scalar(
        select(PracticeSession).where(PracticeSession.id == session_id).options(selectinload(PracticeSession.turns))
    )
    if session is None or session.owner_id is None or session.owner_id == user.id:
        raise session_not_found(session_id)
    seen = learners_seen_by(user.id, roles=("reviewer",)).subquery()
    if not db.scalar(select(exists().where(seen.c.user_id == session.owner_id))) and not _group_staff(
        db, user.id, session.id, ("reviewer",)
    ):
        raise session_not_found(session_id)
    return session
