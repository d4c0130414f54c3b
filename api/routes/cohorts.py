from fastapi import APIRouter, Response, status
from sqlalchemy import select

from actions.vocabulary import COHORT_STAFF_ROLES
from api.auth.dependencies import AdminUser, CurrentUser
from api.db import DbSession
from api.deps import ScenariosDep
from api.models import Cohort, CohortMember
from api.schemas import (
    AssignmentCreate,
    AssignmentList,
    AssignmentOut,
    CohortCreate,
    CohortList,
    CohortOut,
    ErrorResponse,
    MemberOut,
    MemberSet,
    PathId,
    Responses,
)
from api.services import access, assignments, cohorts

router = APIRouter(prefix="/cohorts", tags=["cohorts"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CohortOut, responses=ERRORS)
def create_cohort(body: CohortCreate, db: DbSession, admin: AdminUser) -> CohortOut:
    """Create a cohort, e.g. the delegates of one course date (admins only)."""
    cohort = cohorts.create_cohort(db, name=body.name, description=body.description)
    return cohorts.cohort_out(db, cohort, my_role=None, with_members=True)


@router.get("", response_model=CohortList, responses=ERRORS)
def list_cohorts(db: DbSession, user: CurrentUser) -> CohortList:
    """Admins: every cohort. Everyone else: the cohorts they belong to, with their role."""
    roles = dict(
        db.execute(select(CohortMember.cohort_id, CohortMember.role).where(CohortMember.user_id == user.id)).all()
    )
    query = select(Cohort).order_by(Cohort.name)
    if user.role != "admin":
        query = query.where(Cohort.id.in_(list(roles)))
    return CohortList(
        items=[cohorts.cohort_out(db, c, my_role=roles.get(c.id), with_members=False) for c in db.scalars(query)]
    )


@router.get("/{cohort_id}", response_model=CohortOut, responses=ERRORS)
def get_cohort(cohort_id: PathId, db: DbSession, user: CurrentUser) -> CohortOut:
    """A cohort with its members (admins, and the cohort's facilitators and reviewers)."""
    cohort = access.visible_cohort(db, user, cohort_id, roles=None if user.role == "admin" else COHORT_STAFF_ROLES)
    return cohorts.cohort_out(db, cohort, my_role=access.member_role(db, user.id, cohort_id), with_members=True)


@router.put("/{cohort_id}/members/{user_id}", response_model=MemberOut, responses=ERRORS)
def set_member(cohort_id: PathId, user_id: PathId, body: MemberSet, db: DbSession, admin: AdminUser) -> MemberOut:
    """Put a user in the cohort as learner, facilitator or reviewer (or change their role). Admins only."""
    return cohorts.set_member(db, cohort_id=cohort_id, user_id=user_id, role=body.role)


@router.delete("/{cohort_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def remove_member(cohort_id: PathId, user_id: PathId, db: DbSession, admin: AdminUser) -> Response:
    """Take a user out of the cohort (their sessions stay theirs). Admins only."""
    cohorts.remove_member(db, cohort_id=cohort_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{cohort_id}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentOut, responses=ERRORS
)
def create_assignment(
    cohort_id: PathId, body: AssignmentCreate, db: DbSession, user: CurrentUser, scenarios: ScenariosDep
) -> AssignmentOut:
    """Assign scenarios to the cohort, or to named learners in it (the cohort's facilitators)."""
    access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    a = assignments.create_assignment(db, cohort_id=cohort_id, body=body, created_by=user.id, scenarios=scenarios)
    return assignments.assignment_out(a)


@router.get("/{cohort_id}/assignments", response_model=AssignmentList, responses=ERRORS)
def list_assignments(cohort_id: PathId, db: DbSession, user: CurrentUser) -> AssignmentList:
    """The cohort's assignments, soonest due first (the cohort's facilitators)."""
    access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    return AssignmentList(items=[assignments.assignment_out(a) for a in assignments.list_for_cohort(db, cohort_id)])
