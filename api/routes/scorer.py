"""The scorer's builds and its rebuild with reviewers' corrections (admins only), and the
corrections reviewers disagree on (reviewers and admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from pydantic import BaseModel, Field

from api.auth.dependencies import require_role
from api.db import DbSession
from api.models import User
from api.schemas import ConflictList, ErrorResponse, PathId, Responses
from api.services import reviews, scorer_builds

router = APIRouter(tags=["scorer"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)}
Admin = Annotated[User, require_role("admin")]


class RebuildOut(BaseModel):
    id: int
    status: str = Field(description="running, installed, refused (dev macro-F1 would fall by more than 0.01) or failed")
    started_by: int | None
    started_at: Any
    finished_at: Any | None
    build_id: str | None
    result: dict[str, Any] | None = Field(
        description="The before/after report: dev_before, dev_after, change, per_cue, n_corrections, n_conflicts, reason."
    )
    error: str | None


class ScorerOut(BaseModel):
    current: str | None = Field(description="The build that scores now.")
    builds: list[dict[str, Any]] = Field(description="The builds of the current training data, each with its metadata.")
    rebuilds: list[RebuildOut] = Field(description="The latest rebuilds started from here, newest first.")


@router.get("/admin/scorer", response_model=ScorerOut, responses=ERRORS)
def scorer_state(db: DbSession, user: Admin) -> ScorerOut:
    """The scorer's builds and the latest rebuilds with reviewers' corrections."""
    overview = scorer_builds.builds_overview()
    rows = [RebuildOut(**scorer_builds.rebuild_out(r)) for r in scorer_builds.recent(db)]
    return ScorerOut(current=overview["current"], builds=overview["builds"], rebuilds=rows)


@router.post(
    "/admin/scorer/rebuilds", response_model=RebuildOut, status_code=status.HTTP_202_ACCEPTED, responses=ERRORS
)
def start_rebuild(request: Request, db: DbSession, user: Admin, background: BackgroundTasks) -> RebuildOut:
    """Rebuild the classifier with every reviewer's correction, in the background (minutes). It is
    installed unless dev macro-F1 falls by more than 0.01; read the result at
    `GET /api/admin/scorer/rebuilds/{id}`."""
    row, corrections = scorer_builds.start(db, admin=user)
    background.add_task(
        scorer_builds.finish, request.app.state.sessionmaker, row.id, corrections, request.app.state.scorer_rebuilder
    )
    return RebuildOut(**scorer_builds.rebuild_out(row))


@router.get("/admin/scorer/rebuilds/{rebuild_id}", response_model=RebuildOut, responses=ERRORS)
def rebuild_state(rebuild_id: PathId, db: DbSession, user: Admin) -> RebuildOut:
    """One rebuild: running, or what came of it."""
    return RebuildOut(**scorer_builds.rebuild_out(scorer_builds.get(db, rebuild_id)))


@router.get("/reviews/conflicts", response_model=ConflictList, responses=ERRORS)
def correction_conflicts(db: DbSession, user: Annotated[User, require_role("reviewer", "admin")]) -> ConflictList:
    """Words whose corrections disagree (one reviewer says a cue is wrong, another that it was
    missed): never merged, left out of rebuilds until reviewers settle them. Reviewers see those
    touching their cohorts' practice."""
    return ConflictList(items=reviews.conflicts(db, viewer=user))
