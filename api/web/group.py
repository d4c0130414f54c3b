"""Group practice pages (api/services/group_runs.py): the join page, the run as each viewer sees
it (a member proposes and votes; the facilitator leading it picks, opens a vote, pauses, lets the
group try again, ends), the shared screen the facilitator shows over a video call, and the live
updates of all three over server-sent events.

Without JavaScript every page works by reloading (a Refresh link; the shared screen and the
facilitator's page also reload themselves every ``REFRESH_SECONDS``); with it, ``app.js`` listens
to ``/group/{id}/events`` and swaps in the live part of the page, rendered by the same template
for this viewer, so a member is never sent a name they may not see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.db import DbSession
from api.deps import EngineDep, GroupEventsDep, LocksDep, ReplyScorerDep, ScenariosDep, SettingsDep
from api.exceptions import Forbidden, NotFound
from api.models import GroupRun, User
from api.routes.group_runs import SSE_HEADERS, GroupSenderDep, schedule_close, warm_later
from api.schemas import MAX_ID, GroupRunOut, GroupViewer
from api.services import group_live, group_runs
from api.web.errors import WebRoute
from api.web.render import render, templates
from api.web.session import FormUser, WebUser, staff_only

router = APIRouter(route_class=WebRoute, include_in_schema=False)

REFRESH_SECONDS = 10
ID = Annotated[int, Form(ge=1, le=MAX_ID)]


def _run_view(
    db: Session, user: User, run_id: int, scenarios: Mapping[str, Any], *, anonymous: bool = False
) -> GroupRunOut:
    run, viewer = group_runs.visible_run(db, user, run_id)
    return group_runs.view(db, run=run, viewer=viewer, user_id=user.id, scenarios=scenarios, anonymous=anonymous)


def live_context(run: GroupRunOut, *, csrf_token: str, screen: bool) -> dict[str, Any]:
    return {"run": run, "csrf_token": csrf_token, "screen": screen, "controls": run.viewer == "lead" and not screen}


def can_propose(run: GroupRunOut) -> bool:
    return run.viewer == "member" and run.status == "open" and run.phase == "proposing"


def live_payload(run: GroupRunOut, *, csrf_token: str, screen: bool) -> str:
    """One ``state`` event for the pages: the live part of the page as HTML, and what the script
    needs to announce a change and show or hide the proposal form."""
    html = templates.env.get_template("_group_live.html").render(
        live_context(run, csrf_token=csrf_token, screen=screen)
    )
    last = run.turns[-1] if run.turns else None
    said = [str(line.get("text")) for line in (last.patient_lines if last else []) if line.get("text")]
    return json.dumps(
        {
            "version": run.version,
            "status": run.status,
            "phase": run.phase,
            "turns": len(run.turns),
            "patient_said": " ".join(said),
            "can_propose": can_propose(run),
            "html": html,
        }
    )


# --- joining ---------------------------------------------------------------------------


@router.get("/group")
def join_page(request: Request, user: WebUser, db: DbSession, code: str = "") -> Response:
    joined = group_runs.open_runs_for_member(db, user)
    return render(request, "group_join.html", {"joined": joined, "code": code[:20], "error": None})


@router.post("/group/join")
def join(request: Request, user: FormUser, db: DbSession, code: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        run = group_runs.join(db, user=user, code=code)
    except NotFound as exc:
        db.rollback()
        joined = group_runs.open_runs_for_member(db, user)
        return render(
            request, "group_join.html", {"joined": joined, "code": code, "error": exc.message}, status_code=404
        )
    return RedirectResponse(f"/group/{run.id}", status_code=303)


# --- opening (from the cohort page) ----------------------------------------------------


@router.post("/facilitate/cohorts/{cohort_id}/group-runs")
async def open_run(
    background: BackgroundTasks,
    scorer: ReplyScorerDep,
    cohort_id: int,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    scenario_id: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    staff_only(user)
    run = await group_runs.open_run(
        db,
        engine=engine,
        user=user,
        cohort_id=cohort_id,
        scenario_id=scenario_id,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
    )
    warm_later(background, scorer)
    return RedirectResponse(f"/group/{run.id}", status_code=303)


# --- the run ---------------------------------------------------------------------------


@router.get("/group/{run_id}")
def run_page(request: Request, run_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    run = _run_view(db, user, run_id, scenarios)
    ctx = live_context(run, csrf_token=request.state.csrf, screen=False)
    return render(
        request,
        "group_run.html",
        {**ctx, "can_propose": can_propose(run), "refresh": REFRESH_SECONDS if run.viewer != "member" else None},
    )


@router.get("/group/{run_id}/screen")
def screen_page(request: Request, run_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    run, viewer = group_runs.visible_run(db, user, run_id)
    if viewer == "member":
        raise Forbidden("The shared screen is for the facilitator to show. Your own view is the group page.")
    out = group_runs.view(db, run=run, viewer=viewer, user_id=user.id, scenarios=scenarios, anonymous=True)
    return render(
        request,
        "group_screen.html",
        {**live_context(out, csrf_token="", screen=True), "refresh": REFRESH_SECONDS},
    )


@router.get("/group/{run_id}/events")
def events(
    request: Request, run_id: int, user: WebUser, db: DbSession, scenarios: ScenariosDep, view: str = ""
) -> StreamingResponse:
    run, viewer = group_runs.visible_run(db, user, run_id)
    screen = view == "screen" and viewer != "member"
    csrf = "" if screen else request.state.csrf
    user_id = user.id
    db.commit()

    def render_state(db: Session, run: GroupRun, viewer: GroupViewer, user: User) -> str:
        out = group_runs.view(db, run=run, viewer=viewer, user_id=user.id, scenarios=scenarios, anonymous=screen)
        return live_payload(out, csrf_token=csrf, screen=screen)

    return StreamingResponse(
        group_live.stream(request, run_id=run.id, user_id=user_id, render=render_state),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


def _back(run_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/group/{run_id}{anchor}", status_code=303)


@router.post("/group/{run_id}/proposals")
async def propose(
    run_id: int,
    user: FormUser,
    db: DbSession,
    settings: SettingsDep,
    events_: GroupEventsDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    await run_in_threadpool(
        group_runs.propose, db, user=user, run_id=run_id, text=text, max_chars=settings.max_message_chars
    )
    events_.changed(run_id)
    return _back(run_id, "#proposals")


@router.post("/group/{run_id}/votes")
async def vote(run_id: int, user: FormUser, db: DbSession, events_: GroupEventsDep, proposal_id: ID) -> Response:
    await run_in_threadpool(group_runs.vote, db, user=user, run_id=run_id, proposal_id=proposal_id)
    events_.changed(run_id)
    return _back(run_id, "#proposals")


@router.post("/group/{run_id}/pick")
async def pick(run_id: int, user: FormUser, sender: GroupSenderDep, proposal_id: ID) -> Response:
    await sender.send(user, run_id=run_id, proposal_id=proposal_id, by_vote=False)
    return _back(run_id, "#latest")


@router.post("/group/{run_id}/vote/close")
async def close_vote(
    run_id: int, user: FormUser, sender: GroupSenderDep, proposal_id: Annotated[str, Form(max_length=12)] = ""
) -> Response:
    chosen = int(proposal_id) if proposal_id.isdigit() else None
    await sender.send(user, run_id=run_id, proposal_id=chosen, by_vote=True)
    return _back(run_id, "#latest")


@router.post("/group/{run_id}/vote")
async def open_vote(
    request: Request,
    run_id: int,
    user: FormUser,
    db: DbSession,
    events_: GroupEventsDep,
    seconds: Annotated[int, Form(ge=10, le=600)] = 60,
) -> Response:
    run = await run_in_threadpool(group_runs.open_vote, db, user=user, run_id=run_id, seconds=seconds)
    schedule_close(request, run, user.id)
    events_.changed(run_id)
    return _back(run_id, "#proposals")


@router.post("/group/{run_id}/{control}")
async def control(
    run_id: int,
    control: str,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    locks: LocksDep,
    events_: GroupEventsDep,
) -> Response:
    if control == "pause" or control == "resume":
        await run_in_threadpool(group_runs.pause, db, user=user, run_id=run_id, paused=control == "pause")
    elif control == "try-again":
        await run_in_threadpool(group_runs.try_again, db, user=user, run_id=run_id)
    elif control == "end":
        session_id = await run_in_threadpool(group_runs.session_id_of, db, user, run_id)
        async with locks.hold(session_id):
            await group_runs.end(db, engine=engine, user=user, run_id=run_id)
    else:
        raise NotFound(f"no such control: {control!r}", code="not_found")
    events_.changed(run_id)
    return _back(run_id)
