"""Writing scenarios in the browser (issue 20): the author's list, the form for a scenario's
brief and lines, checking, saving versions, history, preview and publishing. Every action is a
call to ``api.services.authoring``, the JSON API's service, so the permission (``can_author``,
facilitators and admins), ownership and checks are the API's; a refused save shows the form
as the author filled it in, with every problem listed at the top and beside its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from actions.scenarios import REACTION_MOVES, THEME_LABELS
from actions.vocabulary import ACTS, LEVELS, THEMES, TOPICS
from api.db import DbSession
from api.deps import EngineDep, ScenariosDep, SettingsDep
from api.exceptions import PracticeError, ScenarioProblems
from api.models import Cohort, CohortMember, ScenarioVersion, User
from api.services import authoring, sessions
from api.web import scenario_form
from api.web.errors import WebRoute
from api.web.render import cue_catalogue, render
from api.web.session import FormUser, WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)

ACT_LABELS = {
    "vent": "Venting",
    "accuse": "Accusing",
    "demand": "Demanding",
    "disclose_need": "Telling the hidden need",
    "soften": "Softening",
    "accept": "Accepting",
    "escalate": "Escalating",
    "walk_out": "Walking out",
    "thank": "Thanking",
    "answer": "Answering",
    "confused": "Confused",
    "handover": "Handing over",
}
MOVE_LABELS = {
    "threaten": "a threat",
    "command": "an order",
    "blame": "blame",
    "argue": "arguing",
    "dismiss": "dismissing",
    "advise": "unasked-for advice",
    "jargon": "jargon",
}
TOPIC_LABELS = {
    "what_happened": "What happened",
    "how_long": "How long",
    "who": "Who",
    "symptoms": "Symptoms",
    "home": "Home",
    "want": "What they want",
    "afraid": "What they are afraid of",
    "practical": "Practical matters",
}


def author_only(user: User) -> User:
    """The pages need the author permission (403, saying why, otherwise)."""
    return authoring.require_author(user)


def _facilitated(db: DbSession, user: User) -> list[Cohort]:
    return list(
        db.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, CohortMember.role == "facilitator")
            .order_by(Cohort.name)
        )
    )


def _title(data: Mapping[str, Any], fallback: str) -> str:
    title = data.get("title")
    return title if isinstance(title, str) and title else fallback


async def posted(request: Request) -> FormData:
    return await request.form()  # already read and cached by the CSRF check


Posted = Annotated[FormData, Depends(posted)]


# --- the list --------------------------------------------------------------------------


def _list_page(
    request: Request,
    db: DbSession,
    user: User,
    builtins: Mapping[str, Any],
    *,
    error: str | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    cohort_names = {c.id: c.name for c in db.scalars(select(Cohort))}
    rows = []
    for s in authoring.my_scenarios(db, user=user):
        latest = s.versions[-1] if s.versions else None
        rows.append(
            {
                "id": s.id,
                "title": _title(latest.data, s.id) if latest else s.id,
                "latest": latest,
                "publications": [
                    (cohort_names.get(p.cohort_id, f"cohort {p.cohort_id}"), p.version)
                    for p in authoring.publications(db, s.id)
                ],
            }
        )
    library = sorted(((sid, b.brief()["title"]) for sid, b in builtins.items()), key=lambda x: x[1])
    return render(
        request,
        "author_list.html",
        {"rows": rows, "library": library, "error": error, "values": values or {}},
        status_code=status_code,
    )


@router.get("/author")
def author_list(request: Request, user: WebUser, db: DbSession, builtins: ScenariosDep) -> Response:
    author_only(user)
    return _list_page(request, db, user, builtins)


@router.post("/author/copy")
def copy_scenario(
    request: Request,
    user: FormUser,
    db: DbSession,
    builtins: ScenariosDep,
    new_id: Annotated[str, Form(max_length=200)] = "",
    copy_of: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    author_only(user)
    new_id = new_id.strip()
    try:
        authoring.create_scenario(db, user=user, scenario_id=new_id, builtins=builtins, copy_of=copy_of)
    except PracticeError as exc:
        db.rollback()
        message = "; ".join(exc.problems) if isinstance(exc, ScenarioProblems) else exc.message
        return _list_page(
            request,
            db,
            user,
            builtins,
            error=message[:1].upper() + message[1:],
            values={"new_id": new_id, "copy_of": copy_of},
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/author/scenarios/{new_id}?saved=1", status_code=303)


# --- the form --------------------------------------------------------------------------


def _form_context(form: FormData, problems: list[dict[str, str | None]]) -> dict[str, Any]:
    """What the form template needs: the values, the vocabularies, and problems by field."""
    by_field: dict[str, list[str]] = {}
    for p in problems:
        if p["field"]:
            by_field.setdefault(str(p["field"]), []).append(str(p["text"]))
    return {
        "form": form,
        "fid": scenario_form.field_id,
        "problems": problems,
        "by_field": by_field,
        "has_errors": lambda prefix: any(name.startswith(prefix) for name in by_field),
        "fact_count": scenario_form.fact_count(form),
        "ACTS": ACTS,
        "ACT_LABELS": ACT_LABELS,
        "LEVELS": LEVELS,
        "THEMES": THEMES,
        "THEME_LABELS": THEME_LABELS,
        "TOPICS": TOPICS,
        "TOPIC_LABELS": TOPIC_LABELS,
        "MOVES": REACTION_MOVES,
        "MOVE_LABELS": MOVE_LABELS,
        "LEVEL_TEMPLATES": scenario_form.LEVEL_TEMPLATES,
        "TEMPLATE_LABELS": scenario_form.TEMPLATE_LABELS,
        "cues": sorted(cue_catalogue().values(), key=lambda c: (c.family, c.label)),
    }


def _new_page(
    request: Request,
    form: FormData,
    *,
    problems: list[dict[str, str | None]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "author_edit.html", {"scenario": None, **_form_context(form, problems or [])}, status_code=status_code
    )


@router.get("/author/new")
def new_scenario(request: Request, user: WebUser) -> Response:
    author_only(user)
    return _new_page(
        request, scenario_form.form_from_data({"difficulty": 1, "start_level": "upset", "turn_budget": 12})
    )


@router.post("/author/new")
def create_scenario(request: Request, user: FormUser, db: DbSession, builtins: ScenariosDep, form: Posted) -> Response:
    author_only(user)
    data = scenario_form.data_from_form(form)
    new_id = str(form.get("id") or "").strip()
    shown = FormData([("id", new_id), *scenario_form.form_from_data(data).multi_items()])
    if form.get("action") == "check":
        authoring.check_size(data)
        found = authoring.problems_in(data, scenario_id=new_id or "draft")
        placed = scenario_form.place_problems(found, scenario_id=new_id or "draft", data=data)
        return render(
            request,
            "author_edit.html",
            {
                "scenario": None,
                "checked": True,
                "notice": None if found else "No problems found. Save to keep it as version 1.",
                **_form_context(shown, placed),
            },
        )
    try:
        authoring.create_scenario(db, user=user, scenario_id=new_id, builtins=builtins, data=data)
    except ScenarioProblems as exc:
        db.rollback()
        placed = scenario_form.place_problems(exc.problems, scenario_id=new_id, data=data)
        return _new_page(request, shown, problems=placed, status_code=exc.status_code)
    except PracticeError as exc:  # the id: taken, or not an id
        db.rollback()
        problem: dict[str, str | None] = {
            "text": f"id: {exc.message}",
            "field": "id",
            "anchor": scenario_form.field_id("id"),
        }
        return _new_page(request, shown, problems=[problem], status_code=exc.status_code)
    return RedirectResponse(f"/author/scenarios/{new_id}?saved=1", status_code=303)


def _edit_page(
    request: Request,
    db: DbSession,
    user: User,
    scenario_id: str,
    *,
    form: FormData | None = None,
    number: int | None = None,
    problems: list[dict[str, str | None]] | None = None,
    notice: str | None = None,
    checked: bool = False,
    status_code: int = 200,
) -> Response:
    scenario = authoring.scenario(db, user=user, scenario_id=scenario_id)
    versions = list(scenario.versions)
    latest = versions[-1].number if versions else 0
    shown = authoring.version(db, user=user, scenario_id=scenario_id, number=number or latest)
    authors = {u.id: u for u in db.scalars(select(User).where(User.id.in_({v.author_id for v in versions})))}
    mine = _facilitated(db, user)
    names = {c.id: c.name for c in db.scalars(select(Cohort))}
    publications = authoring.publications(db, scenario_id)
    return render(
        request,
        "author_edit.html",
        {
            "scenario": scenario,
            "title": _title(shown.data, scenario_id),
            "versions": list(reversed(versions)),
            "authors": authors,
            "shown": shown,
            "latest": latest,
            "cohorts": mine,
            "publications": [(p, names.get(p.cohort_id, f"cohort {p.cohort_id}")) for p in publications],
            "published_to": {p.cohort_id for p in publications},
            "notice": notice,
            "checked": checked,
            **_form_context(form or scenario_form.form_from_data(shown.data), problems or []),
        },
        status_code=status_code,
    )


@router.get("/author/scenarios/{scenario_id}")
def edit_scenario(
    request: Request,
    scenario_id: str,
    user: WebUser,
    db: DbSession,
    version: int | None = None,
    saved: str = "",
    published: str = "",
    unpublished: str = "",
) -> Response:
    author_only(user)
    notice = None
    if saved:
        notice = "Saved as a new version. Learners keep playing the published version until you publish this one."
    elif published:
        notice = "Published. Learners in the cohorts you chose now see this version in their catalogue."
    elif unpublished:
        notice = "Unpublished. Learners in that cohort no longer see this scenario."
    return _edit_page(request, db, user, scenario_id, number=version, notice=notice)


@router.post("/author/scenarios/{scenario_id}")
def save_scenario(request: Request, scenario_id: str, user: FormUser, db: DbSession, form: Posted) -> Response:
    """Save the form as the next version (``action=save``), or only check it (``action=check``)."""
    author_only(user)
    authoring.scenario(db, user=user, scenario_id=scenario_id)  # yours, or 404
    data = scenario_form.data_from_form(form)
    shown = scenario_form.form_from_data(data)
    if form.get("action") == "check":
        authoring.check_size(data)
        found = authoring.problems_in(data, scenario_id=scenario_id)
        placed = scenario_form.place_problems(found, scenario_id=scenario_id, data=data)
        notice = None if found else "No problems found. Save to keep these changes as a new version."
        return _edit_page(request, db, user, scenario_id, form=shown, problems=placed, notice=notice, checked=True)
    try:
        version = authoring.save_version(db, user=user, scenario_id=scenario_id, data=data)
    except ScenarioProblems as exc:
        db.rollback()
        placed = scenario_form.place_problems(exc.problems, scenario_id=scenario_id, data=data)
        return _edit_page(request, db, user, scenario_id, form=shown, problems=placed, status_code=exc.status_code)
    return RedirectResponse(f"/author/scenarios/{scenario_id}?version={version.number}&saved=1", status_code=303)


# --- preview and publishing ------------------------------------------------------------


@router.post("/author/scenarios/{scenario_id}/preview")
async def preview(
    scenario_id: str,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    builtins: ScenariosDep,
    settings: SettingsDep,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    """Play this version in the practice chat (as the learner's page), before publishing it."""
    author_only(user)
    session, _ = await sessions.start_playable(
        db,
        engine=engine,
        user=user,
        scenario_id=scenario_id,
        version=version,
        builtins=builtins,
        directory=settings.authored_scenario_dir,
    )
    return RedirectResponse(f"/practise/sessions/{session.id}", status_code=303)


@router.post("/author/scenarios/{scenario_id}/publish")
def publish(
    request: Request,
    scenario_id: str,
    user: FormUser,
    db: DbSession,
    settings: SettingsDep,
    version: Annotated[int, Form(ge=1)],
    cohort_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies a default for each request
) -> Response:
    author_only(user)
    if not cohort_ids:
        problem: dict[str, str | None] = {
            "text": "Choose at least one cohort to publish to.",
            "field": None,
            "anchor": "publish",
        }
        return _edit_page(request, db, user, scenario_id, number=version, problems=[problem], status_code=422)
    try:
        authoring.publish(
            db,
            user=user,
            scenario_id=scenario_id,
            number=version,
            cohort_ids=cohort_ids,
            directory=settings.authored_scenario_dir,
        )
    except ScenarioProblems as exc:
        db.rollback()
        row = db.get(ScenarioVersion, (scenario_id, version))
        placed = scenario_form.place_problems(exc.problems, scenario_id=scenario_id, data=row.data if row else {})
        return _edit_page(request, db, user, scenario_id, number=version, problems=placed, status_code=422)
    return RedirectResponse(f"/author/scenarios/{scenario_id}?version={version}&published=1", status_code=303)


@router.post("/author/scenarios/{scenario_id}/unpublish")
def unpublish(scenario_id: str, user: FormUser, db: DbSession, cohort_id: Annotated[int, Form(ge=1)]) -> Response:
    author_only(user)
    authoring.unpublish(db, user=user, scenario_id=scenario_id, cohort_id=cohort_id)
    return RedirectResponse(f"/author/scenarios/{scenario_id}?unpublished=1", status_code=303)
