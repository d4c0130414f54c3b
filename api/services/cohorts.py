"""Cohorts and their members. Admins create cohorts and place people in them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.vocabulary import STAFF_ROLES, CohortRole, Role
from api.exceptions import Conflict, InvalidRequest, NotFound
from api.models import Cohort, CohortMember, User
from api.schemas import CohortOut, MemberOut
from api.services.access import cohort_not_found

# Which app-wide roles may hold which role in a cohort: only learners learn, any staff role runs one.
ALLOWED: dict[CohortRole, tuple[Role, ...]] = {
    "learner": ("learner",),
    "facilitator": STAFF_ROLES,
    "reviewer": STAFF_ROLES,
}


def create_cohort(db: Session, *, name: str, description: str | None) -> Cohort:
    if db.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
        raise Conflict(f"a cohort named {name!r} exists already", code="cohort_exists")
    cohort = Cohort(name=name, description=description)
    db.add(cohort)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"a cohort named {name!r} exists already", code="cohort_exists") from None
    return cohort


def members(db: Session, cohort_id: int) -> list[MemberOut]:
    rows = db.execute(
        select(CohortMember, User)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(CohortMember.role, User.username)
    ).all()
    return [
        MemberOut(user_id=u.id, username=u.username, display_name=u.display_name, role=m.role, added_at=m.added_at)
        for m, u in rows
    ]


def cohort_out(db: Session, cohort: Cohort, *, my_role: CohortRole | None, with_members: bool) -> CohortOut:
    return CohortOut(
        id=cohort.id,
        name=cohort.name,
        description=cohort.description,
        created_at=cohort.created_at,
        my_role=my_role,
        members=members(db, cohort.id) if with_members else None,
    )


def set_member(db: Session, *, cohort_id: int, user_id: int, role: CohortRole) -> MemberOut:
    cohort = db.get(Cohort, cohort_id)
    if cohort is None:
        raise cohort_not_found(cohort_id)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", code="user_not_found")
    if user.role not in ALLOWED[role]:
        raise InvalidRequest(
            f"user {user.username!r} is a {user.role} and cannot be a {role} in a cohort "
            f"(a {role} must be: {', '.join(ALLOWED[role])})",
            code="role_not_allowed",
        )
    member = db.get(CohortMember, (cohort_id, user_id))
    if member is None:
        member = CohortMember(cohort_id=cohort_id, user_id=user_id, role=role)
        db.add(member)
    else:
        member.role = role
    db.commit()
    return MemberOut(
        user_id=user.id, username=user.username, display_name=user.display_name, role=role, added_at=member.added_at
    )


def remove_member(db: Session, *, cohort_id: int, user_id: int) -> None:
    member = db.get(CohortMember, (cohort_id, user_id))
    if member is None:
        raise NotFound(f"user {user_id} is not a member of cohort {cohort_id}", code="member_not_found")
    db.delete(member)
    db.commit()
