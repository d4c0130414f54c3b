"""Confidence before and after the course, and satisfaction with each session (api/services/surveys.py).

A learner answers and reads only their own; a cohort's staff read its aggregates only."""

from fastapi import APIRouter, Response

from actions.vocabulary import SurveyPhase
from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.exceptions import NotFound
from api.schemas import (
    CohortMeasures,
    ConfidenceAnswers,
    ConfidenceOut,
    ErrorResponse,
    MyConfidence,
    PathId,
    PostQuestionnaire,
    RatingCreate,
    RatingOut,
    Responses,
)
from api.services import surveys

router = APIRouter(tags=["confidence and satisfaction"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 404, 409, 422)}


@router.get("/me/confidence", response_model=MyConfidence, responses=ERRORS)
def my_confidence(db: DbSession, user: CurrentUser) -> MyConfidence:
    """The confidence questionnaire (its items are ours, written from the course's aims), where
    you are with it in each of your cohorts, and your own answers."""
    return MyConfidence(
        scale=surveys.scale_out(), cohorts=surveys.my_states(db, user), responses=surveys.my_responses(db, user)
    )


@router.put("/me/confidence/{cohort_id}/{phase}", response_model=ConfidenceOut, responses=ERRORS)
def answer_confidence(
    cohort_id: PathId, phase: SurveyPhase, body: ConfidenceAnswers, db: DbSession, user: CurrentUser
) -> ConfidenceOut:
    """Answer (or answer again) the `pre` questionnaire (taken until the after-course one opens)
    or the `post` one (once your facilitator has opened it) of a cohort you are a learner in:
    every item, each a point on the scale (422 `invalid_answers` lists each problem)."""
    return surveys.save_answers(db, user, cohort_id=cohort_id, phase=phase, answers=body.answers)


@router.get("/cohorts/{cohort_id}/measures", response_model=CohortMeasures, responses=ERRORS)
def cohort_measures(cohort_id: PathId, db: DbSession, user: CurrentUser) -> CohortMeasures:
    """The cohort's change in confidence and its satisfaction: aggregates only, each hidden when
    fewer than `min_n` learners stand behind it (the cohort's facilitators and reviewers, admins)."""
    return surveys.cohort_measures(db, surveys.measured_cohort(db, user, cohort_id))


@router.get(
    "/cohorts/{cohort_id}/measures.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "One figure a row."},
        **ERRORS,
    },
)
def cohort_measures_csv(cohort_id: PathId, db: DbSession, user: CurrentUser) -> Response:
    """The same aggregates as CSV (`measure, n, value, note`)."""
    cohort = surveys.measured_cohort(db, user, cohort_id)
    return csv_response(surveys.measures_csv(surveys.cohort_measures(db, cohort)), cohort.id)


def csv_response(body: str, cohort_id: int) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort_id}-confidence-satisfaction.csv"'},
    )


@router.put("/cohorts/{cohort_id}/post-questionnaire", response_model=CohortMeasures, responses=ERRORS)
def open_post_questionnaire(
    cohort_id: PathId, body: PostQuestionnaire, db: DbSession, user: CurrentUser
) -> CohortMeasures:
    """Open the after-course confidence questionnaire to the cohort's learners (or close it
    again): the cohort's facilitators."""
    cohort = surveys.set_post_open(db, user, cohort_id, is_open=body.open)
    return surveys.cohort_measures(db, cohort)


@router.get("/sessions/{session_id}/satisfaction", response_model=RatingOut, responses=ERRORS)
def my_rating(session_id: str, db: DbSession, user: CurrentUser) -> RatingOut:
    """Your rating of your session (404 `rating_not_found` if you have not rated it)."""
    rating = surveys.my_rating(db, user, session_id)
    if rating is None:
        raise NotFound(f"session {session_id!r} has no rating", code="rating_not_found")
    return rating


@router.put("/sessions/{session_id}/satisfaction", response_model=RatingOut, responses=ERRORS)
def rate_session(session_id: str, body: RatingCreate, db: DbSession, user: CurrentUser) -> RatingOut:
    """Say how satisfied you are with a session you finished: a rating 1-5 and an optional
    comment (yours alone; staff see only the cohort's mean and share of 4-5)."""
    return surveys.rate_session(db, user, session_id, rating=body.rating, comment=body.comment)
