from datetime import datetime

from fastapi import APIRouter, Query

from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.schemas import ErrorResponse, Progress
from api.services import history

router = APIRouter(tags=["history"])


@router.get("/me/progress", response_model=Progress, responses={401: {"model": ErrorResponse}})
def my_progress(
    db: DbSession,
    user: CurrentUser,
    scenario_id: str | None = Query(None, max_length=100, description="Only this scenario."),
    since: datetime | None = Query(None, description="Only sessions started at or after (ISO 8601)."),
) -> Progress:
    """Your progress over finished sessions: cue families (active listening, de-escalation,
    anti-patterns), reflection-to-question ratio, mean score and outcomes."""
    return history.progress(db, owner_id=user.id, scenario_id=scenario_id, since=since)
