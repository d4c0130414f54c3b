from fastapi import APIRouter, Response, status

from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.schemas import CheckInCreate, CheckInDetail, CheckInList, CheckInOut, ErrorResponse, PathId, Responses
from api.services import check_ins

router = APIRouter(tags=["check-ins"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 404, 422)}


@router.get("/me/check-ins", response_model=CheckInList, responses=ERRORS)
def my_check_ins(db: DbSession, user: CurrentUser) -> CheckInList:
    """Your private check-ins after practice, newest first. Only you can read them: they are
    never scored, and no facilitator, reviewer or admin can see them or count them."""
    return CheckInList(items=[CheckInOut.model_validate(c) for c in check_ins.mine(db, user)])


@router.post("/me/check-ins", status_code=status.HTTP_201_CREATED, response_model=CheckInDetail, responses=ERRORS)
def check_in(body: CheckInCreate, db: DbSession, user: CurrentUser) -> CheckInDetail:
    """Check in: how you are feeling now, and whether anything in the practice affected you
    (every answer optional, at least one given), after a session of yours or on its own. The
    answer carries support that fits what you said and a self-compassion prompt. A session
    that is not yours, or a note too long, is refused (422 `invalid_check_in`) with every problem."""
    saved = check_ins.create(
        db,
        user,
        session_id=body.session_id,
        feeling=body.feeling,
        feeling_note=body.feeling_note,
        affected=body.affected,
        affected_note=body.affected_note,
    )
    return check_ins.detail(db, saved)


@router.get("/me/check-ins/{check_in_id}", response_model=CheckInDetail, responses=ERRORS)
def my_check_in(check_in_id: PathId, db: DbSession, user: CurrentUser) -> CheckInDetail:
    """One of your check-ins, with its support and prompt."""
    return check_ins.detail(db, check_ins.own(db, user, check_in_id))


@router.delete("/me/check-ins/{check_in_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_my_check_in(check_in_id: PathId, db: DbSession, user: CurrentUser) -> Response:
    """Delete one of your check-ins. Cannot be undone."""
    check_ins.remove(db, user, check_in_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
