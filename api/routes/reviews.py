from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from actions.vocabulary import SessionStatus
from api.auth.dependencies import CurrentUser, require_role
from api.db import DbSession
from api.exceptions import Forbidden
from api.models import PracticeSession, User
from api.schemas import (
    MAX_ID,
    CommentCreate,
    CommentList,
    CommentOut,
    CorrectionCreate,
    CorrectionList,
    CorrectionOut,
    ErrorResponse,
    PathId,
    Responses,
    ReviewList,
    ReviewListItem,
)
from api.services import access, reviews

router = APIRouter(tags=["reviews"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 422)}


def _reviewed(db: DbSession, user: User, session_id: str) -> PracticeSession:
    """The session for a reviewer of its learner's cohort; the learner themself is told why not."""
    session = db.get(PracticeSession, session_id)
    if session is not None and session.owner_id == user.id:
        raise Forbidden("only a reviewer of your cohort can comment on or correct your practice")
    return access.reviewed_session(db, user, session_id)


@router.get("/reviews/sessions", response_model=ReviewList, responses=ERRORS)
def sessions_to_review(
    db: DbSession,
    user: CurrentUser,
    cohort_id: int | None = Query(None, ge=1, le=MAX_ID, description="Only this cohort's learners."),
    status: SessionStatus | None = Query(None),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> ReviewList:
    """Transcripts of the learners in the cohorts you review (and only those), newest first."""
    rows, total = reviews.review_list(db, reviewer=user, cohort_id=cohort_id, status=status, limit=limit, offset=offset)
    items = [
        ReviewListItem(
            id=s.id,
            scenario_id=s.scenario_id,
            status=s.status,
            outcome=s.outcome,
            created_at=s.created_at,
            ended_at=s.ended_at,
            turn_count=n,
            owner_id=u.id,
            owner=u.display_name or u.username,
        )
        for s, n, u in rows
    ]
    return ReviewList(items=items, total=total, limit=limit, offset=offset)


@router.get("/sessions/{session_id}/comments", response_model=CommentList, responses=ERRORS)
def list_comments(session_id: str, db: DbSession, user: CurrentUser) -> CommentList:
    """Reviewers' comments on a session, by turn (the learner, and the cohort's staff)."""
    access.readable_session(db, user, session_id)
    return CommentList(items=reviews.comments(db, session_id))


@router.post(
    "/sessions/{session_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentOut, responses=ERRORS
)
def add_comment(session_id: str, body: CommentCreate, db: DbSession, user: CurrentUser) -> CommentOut:
    """Comment on one turn of a learner's session (reviewers of the learner's cohort); the learner sees it."""
    session = _reviewed(db, user, session_id)
    comment = reviews.add_comment(db, session=session, author=user, turn_index=body.turn_index, body=body.body)
    return reviews.comment_out(comment)


@router.get("/sessions/{session_id}/corrections", response_model=CorrectionList, responses=ERRORS)
def list_corrections(session_id: str, db: DbSession, user: CurrentUser) -> CorrectionList:
    """Reviewers' corrections of the cues detected in a session."""
    access.readable_session(db, user, session_id)
    return CorrectionList(items=reviews.corrections(db, session_id))


@router.post(
    "/sessions/{session_id}/turns/{turn_index}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionOut,
    responses=ERRORS,
)
def correct_cue(
    session_id: str, turn_index: PathId, body: CorrectionCreate, db: DbSession, user: CurrentUser
) -> CorrectionOut:
    """Mark a detected cue as wrong, or add one the scorer missed (reviewers of the learner's cohort).
    Correcting the same cue on the same turn again replaces the earlier correction. The correction
    keeps who made it, when, and the scorer build whose card it corrects (`scorer_version`)."""
    session = _reviewed(db, user, session_id)
    c = reviews.correct(db, session=session, reviewer=user, turn_index=turn_index, cue=body.cue, kind=body.kind)
    return CorrectionOut(
        turn_index=turn_index,
        cue=c.cue,
        kind=c.kind,
        reviewer_id=c.reviewer_id,
        created_at=c.created_at,
        scorer_version=c.scorer_version,
    )


@router.delete(
    "/sessions/{session_id}/turns/{turn_index}/corrections/{cue}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
def remove_correction(session_id: str, turn_index: PathId, cue: str, db: DbSession, user: CurrentUser) -> Response:
    """Withdraw a correction."""
    session = _reviewed(db, user, session_id)
    reviews.remove_correction(db, session=session, turn_index=turn_index, cue=cue)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/reviews/corrections.jsonl",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/jsonl": {"schema": {"type": "string"}}},
            "description": 'One {"text", "context", "cues"} object a line, the scorer\'s labelled-data format.',
        },
        **ERRORS,
    },
)
def export_corrections(db: DbSession, user: Annotated[User, require_role("reviewer", "admin")]) -> StreamingResponse:
    """Corrected turns as labelled data for the scorer (reviewers: their cohorts; admins: all)."""
    lines = list(reviews.export_lines(db, reviewer=user))  # read now: the DB session closes with the request
    return StreamingResponse(
        iter(lines),
        media_type="application/jsonl",
        headers={"Content-Disposition": 'attachment; filename="corrections.jsonl"'},
    )
