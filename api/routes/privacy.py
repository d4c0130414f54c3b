from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from api.auth.dependencies import AdminUser, CurrentUser
from api.db import DbSession
from api.deps import EngineDep, ScenariosDep
from api.exceptions import NotFound
from api.models import User
from api.schemas import ErrorResponse, MyExport, PathId, Responses, RetentionOut, RetentionSetting
from api.services import privacy

router = APIRouter(tags=["privacy"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 422)}


@router.get("/me/export", response_model=MyExport, responses=ERRORS)
def export_my_data(db: DbSession, user: CurrentUser, scenarios: ScenariosDep) -> JSONResponse:
    """Everything held about you, as one JSON document: account, cohorts, every session with
    its turns, score cards, summaries, comments and corrections, your assignments, the
    comments and corrections you wrote, your confidence answers, your ratings of sessions and
    your check-ins."""
    export = privacy.export_user(db, user, scenarios=scenarios)
    return JSONResponse(
        export.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="practice-export-{user.username}.json"'},
    )


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_my_account(db: DbSession, user: CurrentUser, engine: EngineDep) -> Response:
    """Delete your account and every transcript, comment, correction, confidence answer,
    rating and check-in about you. Cannot be undone."""
    privacy.delete_user(db, user.id, forget=engine.forget)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS, tags=["users"])
def delete_user(user_id: PathId, db: DbSession, admin: AdminUser, engine: EngineDep) -> Response:
    """Delete an account and everything that is theirs (admins only)."""
    if db.get(User, user_id) is None:
        raise NotFound(f"no user with id {user_id}", code="user_not_found")
    privacy.delete_user(db, user_id, forget=engine.forget)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/settings/retention", response_model=RetentionOut, responses=ERRORS, tags=["settings"])
def get_retention(db: DbSession, admin: AdminUser) -> RetentionOut:
    """How long transcripts are kept (admins only); null: until deleted."""
    return RetentionOut(days=privacy.retention_days(db))


@router.put("/settings/retention", response_model=RetentionOut, responses=ERRORS, tags=["settings"])
def set_retention(body: RetentionSetting, db: DbSession, admin: AdminUser) -> RetentionOut:
    """Set how long transcripts are kept (admins only); `practice retention apply` deletes older ones."""
    privacy.set_retention_days(db, body.days)
    return RetentionOut(days=body.days)
