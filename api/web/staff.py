"""Facilitators' pages (cohorts, assignments, completion, CSV) and reviewers' pages
(transcripts to review, comments, cue corrections). Access is the JSON API's: a cohort you do
not facilitate or review answers as missing; a learner is told these pages are not for them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from actions.vocabulary import ASSIGNMENT_STATUSES, CorrectionKind, SessionStatus
from api.db import DbSession
from api.deps import ScenariosDep
from api.exceptions import FormProblems, PracticeError
from api.models import Cohort, CohortMember, GroupRun, User
from api.schemas import AssignmentCreate
from api.services import access, assignments, cohorts, group_runs, reviews, surveys
from api.web.errors import WebRoute, error_page
from api.web.render import cue_catalogue, meter_for, render
from api.web.session import FormUser, WebUser, staff_only
from api.web.surveys import cohort_section

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _titles(scenarios: Mapping[str, Any]) -> dict[str, str]:
    return {sid: s.brief()["title"] for sid, s in scenarios.items()}


def _my_cohorts(db: DbSession, user: User, role: str) -> list[Cohort]:
    return list(
        db.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, CohortMember.role == role)
            .order_by(Cohort.name)
        )
    )


# --- facilitators ----------------------------------------------------------------------


@router.get("/facilitate")
def facilitate(request: Request, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    staff_only(user)
    rows = [
        (c, assignments.list_for_cohort(db, c.id), len(assignments.cohort_learners(db, c.id)))
        for c in _my_cohorts(db, user, "facilitator")
    ]
    return render(request, "facilitate.html", {"rows": rows, "titles": _titles(scenarios)})


@router.get("/facilitate/cohorts/{cohort_id}")
def cohort_page(
    request: Request, cohort_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep, post: str = ""
) -> Response:
    staff_only(user)
    cohort = access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    items = assignments.list_for_cohort(db, cohort.id)
    notice = {
        "opened": "The after-course questionnaire is open: learners see it on their practice and assignments pages.",
        "closed": "The after-course questionnaire is closed.",
    }.get(post)
    return render(
        request,
        "cohort.html",
        {
            "cohort": cohort,
            "members": cohorts.members(db, cohort.id),
            "items": items,
            "titles": _titles(scenarios),
            "notice": notice,
            **cohort_section(db, cohort),
            "group_runs": group_runs.runs_for_cohort(db, cohort.id),
            "scenarios": sorted(scenarios.values(), key=lambda s: (s.brief()["difficulty"], s.id)),
        },
    )


@router.get("/facilitate/cohorts/{cohort_id}/measures.csv")
def measures_csv(cohort_id: int, user: WebUser, db: DbSession) -> Response:
    """The cohort's confidence and satisfaction aggregates as CSV (never a learner's answers)."""
    staff_only(user)
    cohort = access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    return Response(
        surveys.measures_csv(surveys.cohort_measures(db, cohort)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort.id}-confidence-satisfaction.csv"'},
    )


@router.post("/facilitate/cohorts/{cohort_id}/post-questionnaire")
def post_questionnaire(
    cohort_id: int, user: FormUser, db: DbSession, open_it: Annotated[str, Form(alias="open")] = ""
) -> Response:
    staff_only(user)
    is_open = open_it == "1"
    surveys.set_post_open(db, user, cohort_id, is_open=is_open)
    return RedirectResponse(
        f"/facilitate/cohorts/{cohort_id}?post={'opened' if is_open else 'closed'}#measures-heading", status_code=303
    )


def _form_values(a: Any | None) -> dict[str, Any]:
    if a is None:
        return {"scenario_ids": [], "due": "", "min_attempts": 1, "note": "", "learner_ids": []}
    return {
        "scenario_ids": list(a.scenario_ids),
        "due": a.due_at.date().isoformat(),
        "min_attempts": a.min_attempts,
        "note": a.note or "",
        "learner_ids": [x.user_id for x in a.learners],
    }


def _posted_values(
    scenario_ids: list[str], due: str, min_attempts: str, note: str, learner_ids: list[str]
) -> dict[str, Any]:
    """What the facilitator sent, to show the form again as they filled it in."""
    return {
        "scenario_ids": scenario_ids,
        "due": due,
        "min_attempts": min_attempts,
        "note": note,
        "learner_ids": [int(i) for i in learner_ids if i.isdigit()],
    }


def _assignment_form(
    request: Request,
    db: DbSession,
    cohort: Cohort,
    scenarios: Mapping[str, Any],
    *,
    values: dict[str, Any],
    action: str,
    heading: str,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "assignment_form.html",
        {
            "cohort": cohort,
            "scenarios": sorted(scenarios.values(), key=lambda s: (s.brief()["difficulty"], s.id)),
            "learners": assignments.cohort_learners(db, cohort.id),
            "values": values,
            "action": action,
            "heading": heading,
            "errors": errors or [],
        },
        status_code=status_code,
    )


FIELD_NAMES = {
    "scenario_ids": "Scenarios",
    "min_attempts": "Attempts needed",
    "note": "Note",
    "learner_ids": "Learners",
}


def _parse_assignment(
    scenario_ids: list[str], due: str, min_attempts: str, note: str, learner_ids: list[str]
) -> AssignmentCreate:
    """The form as the JSON API's body (validated by the same schema); a due date means the end
    of that day (UTC)."""
    problems: list[str] = []
    due_at = datetime.now(UTC)
    try:
        due_at = datetime.combine(date.fromisoformat(due), time(23, 59), tzinfo=UTC)
    except ValueError:
        problems.append("Due date: choose the date it is due.")
    if not scenario_ids:
        problems.append("Scenarios: choose at least one scenario.")
    attempts = int(min_attempts) if min_attempts.strip().isdigit() else 0
    try:
        body = AssignmentCreate(
            scenario_ids=scenario_ids or ["-"],
            due_at=due_at,
            min_attempts=attempts,
            note=note.strip() or None,
            learner_ids=[int(i) for i in learner_ids if i.isdigit()] or None,
        )
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else ""
            if field == "min_attempts":
                problems.append("Attempts needed: a whole number from 1 to 20.")
            else:
                problems.append(f"{FIELD_NAMES.get(field, field or 'Form')}: {e['msg']}.")
        body = None
    if problems or body is None:
        raise FormProblems(problems)
    return body


FormList = Annotated[list[str], Form()]


@router.get("/facilitate/cohorts/{cohort_id}/assignments/new")
def new_assignment(request: Request, cohort_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    staff_only(user)
    cohort = access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    return _assignment_form(
        request,
        db,
        cohort,
        scenarios,
        values=_form_values(None),
        action=f"/facilitate/cohorts/{cohort.id}/assignments/new",
        heading=f"New assignment for {cohort.name}",
    )


@router.post("/facilitate/cohorts/{cohort_id}/assignments/new")
def create_assignment(
    request: Request,
    cohort_id: int,
    user: FormUser,
    db: DbSession,
    scenarios: ScenariosDep,
    due: Annotated[str, Form()] = "",
    min_attempts: Annotated[str, Form()] = "1",
    note: Annotated[str, Form()] = "",
    scenario_ids: FormList = [],  # noqa: B006 - FastAPI copies a default for each request
    learner_ids: FormList = [],  # noqa: B006 - as above
) -> Response:
    staff_only(user)
    cohort = access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    values = _posted_values(scenario_ids, due, min_attempts, note, learner_ids)
    try:
        body = _parse_assignment(scenario_ids, due, min_attempts, note, learner_ids)
        a = assignments.create_assignment(db, cohort_id=cohort.id, body=body, created_by=user.id, scenarios=scenarios)
    except PracticeError as exc:  # FormProblems among them
        problems = exc.problems if isinstance(exc, FormProblems) else [exc.message]
        return _assignment_form(
            request,
            db,
            cohort,
            scenarios,
            values=values,
            errors=problems,
            status_code=exc.status_code,
            action=f"/facilitate/cohorts/{cohort.id}/assignments/new",
            heading=f"New assignment for {cohort.name}",
        )
    return RedirectResponse(f"/facilitate/assignments/{a.id}?created=1", status_code=303)


@router.get("/facilitate/assignments/{assignment_id}/edit")
def edit_assignment_page(
    request: Request, assignment_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep
) -> Response:
    staff_only(user)
    a = assignments.facilitated_assignment(db, user, assignment_id)
    cohort = db.get_one(Cohort, a.cohort_id)
    return _assignment_form(
        request,
        db,
        cohort,
        scenarios,
        values=_form_values(a),
        action=f"/facilitate/assignments/{a.id}/edit",
        heading="Change the assignment",
    )


@router.post("/facilitate/assignments/{assignment_id}/edit")
def edit_assignment(
    request: Request,
    assignment_id: int,
    user: FormUser,
    db: DbSession,
    scenarios: ScenariosDep,
    due: Annotated[str, Form()] = "",
    min_attempts: Annotated[str, Form()] = "1",
    note: Annotated[str, Form()] = "",
    scenario_ids: FormList = [],  # noqa: B006 - FastAPI copies a default for each request
    learner_ids: FormList = [],  # noqa: B006 - as above
) -> Response:
    staff_only(user)
    a = assignments.facilitated_assignment(db, user, assignment_id)
    cohort = db.get_one(Cohort, a.cohort_id)
    values = _posted_values(scenario_ids, due, min_attempts, note, learner_ids)
    try:
        body = _parse_assignment(scenario_ids, due, min_attempts, note, learner_ids)
        assignments.update_assignment(db, a, body=body, scenarios=scenarios)
    except PracticeError as exc:  # FormProblems among them
        db.rollback()
        problems = exc.problems if isinstance(exc, FormProblems) else [exc.message]
        return _assignment_form(
            request,
            db,
            cohort,
            scenarios,
            values=values,
            errors=problems,
            status_code=exc.status_code,
            action=f"/facilitate/assignments/{a.id}/edit",
            heading="Change the assignment",
        )
    return RedirectResponse(f"/facilitate/assignments/{a.id}?saved=1", status_code=303)


@router.get("/facilitate/assignments/{assignment_id}")
def completion(
    request: Request,
    assignment_id: int,
    user: WebUser,
    db: DbSession,
    scenarios: ScenariosDep,
    status: str = "",
    q: str = "",
    created: bool = False,
    saved: bool = False,
) -> Response:
    staff_only(user)
    a = assignments.facilitated_assignment(db, user, assignment_id)
    rows = assignments.learner_progress(db, a)
    counts = {s: sum(1 for r in rows if r.status == s) for s in ASSIGNMENT_STATUSES}
    needle = q.strip().lower()
    shown = [
        r
        for r in rows
        if (not status or r.status == status)
        and (not needle or needle in r.username.lower() or needle in (r.display_name or "").lower())
    ]
    notice = (
        "Assignment set. Its learners see it under My assignments." if created else "Changes saved." if saved else None
    )
    return render(
        request,
        "completion.html",
        {
            "a": a,
            "cohort": db.get(Cohort, a.cohort_id),
            "rows": shown,
            "all": len(rows),
            "counts": counts,
            "status": status,
            "q": q,
            "titles": _titles(scenarios),
            "notice": notice,
        },
    )


@router.get("/facilitate/assignments/{assignment_id}/progress.csv")
def completion_csv(assignment_id: int, user: WebUser, db: DbSession) -> Response:
    staff_only(user)
    a = assignments.facilitated_assignment(db, user, assignment_id)
    body = assignments.progress_csv(a, assignments.learner_progress(db, a))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="assignment-{a.id}-progress.csv"'},
    )


@router.post("/facilitate/assignments/{assignment_id}/withdraw")
def withdraw(assignment_id: int, user: FormUser, db: DbSession) -> Response:
    staff_only(user)
    a = assignments.facilitated_assignment(db, user, assignment_id)
    cohort_id = a.cohort_id
    db.delete(a)
    db.commit()
    return RedirectResponse(f"/facilitate/cohorts/{cohort_id}", status_code=303)


# --- reviewers -------------------------------------------------------------------------


@router.get("/review")
def review_list(
    request: Request,
    user: WebUser,
    db: DbSession,
    scenarios: ScenariosDep,
    cohort: str = "",
    status: str = "",
) -> Response:
    staff_only(user)
    mine = _my_cohorts(db, user, "reviewer")
    cohort_id = int(cohort) if cohort.isdigit() and any(c.id == int(cohort) for c in mine) else None
    state: SessionStatus | None = "active" if status == "active" else "ended" if status == "ended" else None
    rows, total = reviews.review_list(db, reviewer=user, cohort_id=cohort_id, status=state, limit=100, offset=0)
    return render(
        request,
        "review_list.html",
        {
            "rows": rows,
            "total": total,
            "cohorts": mine,
            "cohort": cohort_id,
            "status": state or "",
            "titles": _titles(scenarios),
            "conflicts": reviews.conflicts(db, viewer=user),
        },
    )


@router.get("/review/sessions/{session_id}")
def review_transcript(
    request: Request, session_id: str, user: WebUser, db: DbSession, scenarios: ScenariosDep, saved: str = ""
) -> Response:
    staff_only(user)
    session = access.reviewed_session(db, user, session_id)
    owner = db.get(User, session.owner_id)
    comments: dict[int, list[Any]] = {}
    for c in reviews.comments(db, session.id):
        comments.setdefault(c.turn_index, []).append(c)
    corrections: dict[int, list[Any]] = {}
    for correction in reviews.corrections(db, session.id):
        corrections.setdefault(correction.turn_index, []).append(correction)
    scenario = scenarios.get(session.scenario_id)
    brief = scenario.brief() if scenario is not None else {}
    group_run_id = db.scalar(select(GroupRun.id).where(GroupRun.session_id == session.id))
    speaker = "The group" if group_run_id else (owner.display_name or owner.username) if owner else "Learner"
    notice = {
        "comment": "Comment saved. The learner sees it with their transcript.",
        "correction": "Correction saved.",
        "withdrawn": "Correction withdrawn.",
    }.get(saved)
    return render(
        request,
        "review_transcript.html",
        {
            "session": session,
            "owner": owner,
            "title": brief.get("title", session.scenario_id),
            "patient": brief.get("persona", {}).get("name", "The patient"),
            "comments": comments,
            "corrections": corrections,
            "cues": sorted(cue_catalogue().values(), key=lambda c: (c.family, c.label)),
            "notice": notice,
            "meter": meter_for(session.opening or [], session.turns),
            "learner_label": speaker,
            "group_run_id": group_run_id,
        },
    )


@router.post("/review/sessions/{session_id}/comments")
def add_comment(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    turn_index: Annotated[int, Form(ge=1)],
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    staff_only(user)
    session = access.reviewed_session(db, user, session_id)
    if not body.strip():
        return error_page(request, 422, "Write a comment before saving it.")
    reviews.add_comment(db, session=session, author=user, turn_index=turn_index, body=body)
    return RedirectResponse(f"/review/sessions/{session.id}?saved=comment#turn-{turn_index}", status_code=303)


@router.post("/review/sessions/{session_id}/corrections")
def correct(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    turn_index: Annotated[int, Form(ge=1)],
    cue: Annotated[str, Form(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
    kind: Annotated[str, Form(pattern="^(wrong|missed|withdraw)$")],
) -> Response:
    staff_only(user)
    session = access.reviewed_session(db, user, session_id)
    if kind == "withdraw":
        reviews.remove_correction(db, session=session, turn_index=turn_index, cue=cue)
        saved = "withdrawn"
    else:
        correction_kind = cast(CorrectionKind, kind)  # the pattern let only wrong or missed through here
        reviews.correct(db, session=session, reviewer=user, turn_index=turn_index, cue=cue, kind=correction_kind)
        saved = "correction"
    return RedirectResponse(f"/review/sessions/{session.id}?saved={saved}#turn-{turn_index}", status_code=303)
