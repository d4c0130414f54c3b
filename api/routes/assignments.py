from fastapi import APIRouter, Response, status

from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.deps import ScenariosDep
from api.schemas import (
    AssignmentCreate,
    AssignmentOut,
    AssignmentProgress,
    ErrorResponse,
    MyAssignmentList,
    PathId,
    Responses,
)
from api.services import assignments

router = APIRouter(tags=["assignments"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 404)}
EDIT_ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 404, 422)}


@router.get("/me/assignments", response_model=MyAssignmentList, responses=ERRORS)
def my_assignments(db: DbSession, user: CurrentUser) -> MyAssignmentList:
    """What you have been asked to practise, with your status: not_started, in_progress, done or overdue."""
    return MyAssignmentList(items=assignments.my_assignments(db, user))


@router.get("/assignments/{assignment_id}", response_model=AssignmentProgress, responses=ERRORS)
def assignment_progress(assignment_id: PathId, db: DbSession, user: CurrentUser) -> AssignmentProgress:
    """Per-learner completion, attempts, best and latest scores (the cohort's facilitators)."""
    a = assignments.facilitated_assignment(db, user, assignment_id)
    return AssignmentProgress(
        **assignments.assignment_out(a).model_dump(), learners=assignments.learner_progress(db, a)
    )


@router.put("/assignments/{assignment_id}", response_model=AssignmentOut, responses=EDIT_ERRORS)
def edit_assignment(
    assignment_id: PathId, body: AssignmentCreate, db: DbSession, user: CurrentUser, scenarios: ScenariosDep
) -> AssignmentOut:
    """Change an assignment (the cohort's facilitators): the whole of it, as when it was created.
    Attempts made since it was first set still count."""
    a = assignments.facilitated_assignment(db, user, assignment_id)
    return assignments.assignment_out(assignments.update_assignment(db, a, body=body, scenarios=scenarios))


@router.get(
    "/assignments/{assignment_id}/progress.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "One row per learner."},
        **ERRORS,
    },
)
def assignment_progress_csv(assignment_id: PathId, db: DbSession, user: CurrentUser) -> Response:
    """The same per-learner progress as CSV, for a spreadsheet."""
    a = assignments.facilitated_assignment(db, user, assignment_id)
    body = assignments.progress_csv(a, assignments.learner_progress(db, a))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="assignment-{a.id}-progress.csv"'},
    )


@router.delete("/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_assignment(assignment_id: PathId, db: DbSession, user: CurrentUser) -> Response:
    """Withdraw an assignment (the cohort's facilitators); learners' sessions stay."""
    a = assignments.facilitated_assignment(db, user, assignment_id)
    db.delete(a)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
