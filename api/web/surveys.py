"""Confidence and satisfaction pages (api/services/surveys.py): the learner's questionnaires and
their own answers, the satisfaction line under a session's report (in ``learner``), and the
cohort's aggregates on the facilitator's cohort page (in ``staff``). Plain forms, CSRF-checked
like every other; a refused form shows again as it was filled in, saying what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from actions.vocabulary import SurveyPhase
from api.db import DbSession
from api.exceptions import AnswerProblems
from api.models import Cohort, User
from api.schemas import CohortMeasures
from api.services import surveys
from api.web.charts import Bar, bar_chart
from api.web.errors import WebRoute
from api.web.render import render
from api.web.session import FormUser, WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PHASE_HEADINGS: dict[SurveyPhase, str] = {
    "pre": "Before the course: how confident do you feel?",
    "post": "After the course: how confident do you feel now?",
}
PHASE_NAMES: dict[SurveyPhase, str] = {"pre": "Before the course", "post": "After the course"}


@router.get("/practise/confidence")
def my_confidence(request: Request, user: WebUser, db: DbSession, saved: str = "") -> Response:
    """The learner's questionnaires in each cohort, and their own answers (theirs alone)."""
    scale = surveys.scale()
    texts = {i.id: i.text for i in scale.items}
    return render(
        request,
        "confidence.html",
        {
            "states": surveys.my_states(db, user),
            "responses": surveys.my_responses(db, user),
            "scale": scale,
            "texts": texts,
            "phase_names": PHASE_NAMES,
            "saved": saved in PHASE_NAMES,
        },
    )


def _form(
    request: Request,
    cohort: Cohort,
    phase: SurveyPhase,
    values: Mapping[str, Any],
    *,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    by_item: dict[str, list[str]] = {}
    for p in problems or []:
        item, _, text = p.partition(": ")
        by_item.setdefault(item, []).append(text)
    scale = surveys.scale()
    return render(
        request,
        "confidence_form.html",
        {
            "cohort": cohort,
            "phase": phase,
            "heading": PHASE_HEADINGS[phase],
            "scale": scale,
            "values": {k: str(v) for k, v in values.items()},
            "errors": [(item, text) for item, texts in by_item.items() for text in texts],
            "by_item": by_item,
        },
        status_code=status_code,
    )


@router.get("/practise/confidence/{cohort_id}/{phase}")
def questionnaire(request: Request, cohort_id: int, phase: SurveyPhase, user: WebUser, db: DbSession) -> Response:
    cohort = surveys.questionnaire_cohort(db, user, cohort_id, phase)
    return _form(request, cohort, phase, surveys.my_answers(db, user, cohort.id, phase))


@router.post("/practise/confidence/{cohort_id}/{phase}")
async def answer(request: Request, cohort_id: int, phase: SurveyPhase, user: FormUser, db: DbSession) -> Response:
    form = await request.form()
    sent = {key: str(value) for key, value in form.items() if key.startswith("item-")}
    answers = {key.removeprefix("item-"): value for key, value in sent.items()}
    return _save(request, db, user, cohort_id, phase, answers)


def _save(
    request: Request, db: DbSession, user: User, cohort_id: int, phase: SurveyPhase, answers: dict[str, str]
) -> Response:
    cohort = surveys.questionnaire_cohort(db, user, cohort_id, phase)
    try:
        surveys.save_answers(db, user, cohort_id=cohort.id, phase=phase, answers=answers)
    except AnswerProblems as exc:
        db.rollback()
        return _form(request, cohort, phase, answers, problems=exc.problems, status_code=exc.status_code)
    return RedirectResponse(f"/practise/confidence?saved={phase}", status_code=303)


# --- the facilitator's cohort page -------------------------------------------------------


def cohort_section(db: DbSession, cohort: Cohort) -> dict[str, Any]:
    """What the cohort page shows of confidence and satisfaction: aggregates, a chart of the
    paired means (with the same numbers in a table), and the scale's item texts."""
    m: CohortMeasures = surveys.cohort_measures(db, cohort)
    c = m.confidence
    chart = None
    if c.paired_mean_pre is not None and c.paired_mean_post is not None:
        chart = bar_chart(
            [
                Bar(f"Before the course (n={c.n_paired})", c.paired_mean_pre),
                Bar(f"After the course (n={c.n_paired})", c.paired_mean_post),
            ],
            title=f"Mean confidence, {m.scale_min} to {m.scale_max}, of the learners who answered both",
            chart_id="confidence-change",
            top=float(m.scale_max),
        )
    return {"measures": m, "confidence_chart": chart}
