"""Group practice led by a facilitator (api/services/group_runs.py): open a run for a cohort,
join it with the code, propose, pick or vote, pause, try again, end; and its live events.

Sending a reply and ending take the session's turn lock, as a learner's own turn does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from actions.vocabulary import COHORT_STAFF_ROLES
from api.auth.dependencies import CurrentUser
from api.db import DbSession, utcnow
from api.deps import EngineDep, GroupEventsDep, LocksDep, ReplyScorerDep, ScenariosDep, SettingsDep, TurnLock
from api.exceptions import PracticeError
from api.models import GroupRun, User
from api.schemas import (
    ErrorResponse,
    GroupJoin,
    GroupRunCreate,
    GroupRunListItem,
    GroupRunOut,
    GroupViewer,
    PathId,
    ProposalCreate,
    ProposalPick,
    Responses,
    VoteCast,
    VoteClose,
    VoteOpen,
)
from api.services import access, group_live, group_runs, turn_lease

log = logging.getLogger(__name__)

router = APIRouter(prefix="/group-runs", tags=["group practice"])

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)}
ENGINE_ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422, 502, 503, 504)}

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# A vote is closed this long after its deadline, so no vote cast in time is left out.
CLOSE_AFTER_SECONDS = 0.2


def _view(db: Session, user: User, run_id: int, scenarios: Mapping[str, Any]) -> GroupRunOut:
    run, viewer = group_runs.visible_run(db, user, run_id)
    return group_runs.view(db, run=run, viewer=viewer, user_id=user.id, scenarios=scenarios)


async def view_after(db: Session, user: User, run_id: int, scenarios: Mapping[str, Any]) -> GroupRunOut:
    return await run_in_threadpool(_view, db, user, run_id, scenarios)


def score_later(
    background: BackgroundTasks,
    *,
    make_session: sessionmaker[Session],
    scorer: group_runs.ReplyScorer,
    events: group_live.GroupEvents,
    run_id: int,
    turn_index: int,
) -> None:
    """Score the replies not sent once the response has gone (the turn is shown first; the
    alternatives' scores follow on the live views)."""

    async def work() -> None:
        with make_session() as db:
            if await group_runs.score_alternatives(db, scorer=scorer, run_id=run_id, turn_index=turn_index):
                events.changed(run_id)

    background.add_task(work)


def warm_later(background: BackgroundTasks, scorer: group_runs.ReplyScorer) -> None:
    """Load the scorer of the replies not sent while members join: loading it (spaCy and the
    classifier, about 1.5 s of imports holding the interpreter) after the first reply would hold
    up the live views of that reply."""

    async def work() -> None:
        await group_runs.score_quietly(scorer)

    background.add_task(work)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GroupRunOut, responses=ENGINE_ERRORS)
async def open_run(
    body: GroupRunCreate,
    background: BackgroundTasks,
    scorer: ReplyScorerDep,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> GroupRunOut:
    """Open a group practice of a scenario for a cohort you facilitate: the patient speaks
    first, and the answer carries the code its members join with."""
    run = await group_runs.open_run(
        db,
        engine=engine,
        user=user,
        cohort_id=body.cohort_id,
        scenario_id=body.scenario_id,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
        seed=body.seed,
    )
    warm_later(background, scorer)
    return await view_after(db, user, run.id, scenarios)


@router.get("", response_model=list[GroupRunListItem], responses=ERRORS)
def list_runs(db: DbSession, user: CurrentUser, cohort_id: int = Query(ge=1, le=2**31 - 1)) -> list[GroupRunListItem]:
    """A cohort's group runs, newest first (its facilitators and reviewers)."""
    access.visible_cohort(db, user, cohort_id, roles=COHORT_STAFF_ROLES)
    return group_runs.runs_for_cohort(db, cohort_id)


@router.post("/join", response_model=GroupRunOut, responses=ERRORS)
async def join(
    body: GroupJoin, db: DbSession, scenarios: ScenariosDep, events: GroupEventsDep, user: CurrentUser
) -> GroupRunOut:
    """Join a group practice of your cohort with the code your facilitator shows."""
    run = await run_in_threadpool(group_runs.join, db, user=user, code=body.code)
    events.changed(run.id)
    return await view_after(db, user, run.id, scenarios)


@router.get("/{run_id}", response_model=GroupRunOut, responses=ERRORS)
def get_run(run_id: PathId, db: DbSession, scenarios: ScenariosDep, user: CurrentUser) -> GroupRunOut:
    """The run as you may see it: members never see who proposed what; the cohort's staff do."""
    return _view(db, user, run_id, scenarios)


@router.post("/{run_id}/proposals", status_code=status.HTTP_201_CREATED, response_model=GroupRunOut, responses=ERRORS)
async def propose(
    run_id: PathId,
    body: ProposalCreate,
    db: DbSession,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    events: GroupEventsDep,
    user: CurrentUser,
) -> GroupRunOut:
    """Propose a reply for this turn (a member; proposing again replaces yours)."""
    await run_in_threadpool(
        group_runs.propose, db, user=user, run_id=run_id, text=body.text, max_chars=settings.max_message_chars
    )
    events.changed(run_id)
    return await view_after(db, user, run_id, scenarios)


@dataclass(frozen=True)
class GroupSender:
    """What sending a group run's reply needs besides who sends which reply: the one engine
    path (database, engine, turn lock, size limit) and what follows it (live updates, scoring
    the replies not sent). One dependency, so every route that sends names it once."""

    request: Request
    background: BackgroundTasks
    db: Session
    engine: Any
    locks: Any
    max_chars: int
    events: group_live.GroupEvents
    scorer: group_runs.ReplyScorer

    async def send(self, user: User, *, run_id: int, proposal_id: int | None, by_vote: bool) -> None:
        session_id = await run_in_threadpool(group_runs.session_id_of, self.db, user, run_id)
        try:
            async with self.locks.hold(session_id):
                _, turn = await group_runs.send(
                    self.db,
                    engine=self.engine,
                    user=user,
                    run_id=run_id,
                    proposal_id=proposal_id,
                    max_chars=self.max_chars,
                    by_vote=by_vote,
                )
        finally:
            self.events.changed(run_id)  # a reply set aside or kept pending changes the view too
        score_later(
            self.background,
            make_session=self.request.app.state.sessionmaker,
            scorer=self.scorer,
            events=self.events,
            run_id=run_id,
            turn_index=turn.index,
        )


def get_group_sender(
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    engine: EngineDep,
    locks: LocksDep,
    settings: SettingsDep,
    events: GroupEventsDep,
    scorer: ReplyScorerDep,
) -> GroupSender:
    return GroupSender(request, background, db, engine, locks, settings.max_message_chars, events, scorer)


GroupSenderDep = Annotated[GroupSender, Depends(get_group_sender)]


@router.post("/{run_id}/pick", response_model=GroupRunOut, responses=ENGINE_ERRORS)
async def pick(
    run_id: PathId,
    body: ProposalPick,
    sender: GroupSenderDep,
    db: DbSession,
    scenarios: ScenariosDep,
    user: CurrentUser,
) -> GroupRunOut:
    """Send one of this turn's proposals to the patient (the facilitator leading the run)."""
    await sender.send(user, run_id=run_id, proposal_id=body.proposal_id, by_vote=False)
    return await view_after(db, user, run_id, scenarios)


def _due(db: Session, run_id: int, round_: int, lead_id: int) -> tuple[User, str] | None:
    """The lead and the session, if the vote of ``round_`` is still open and has one winner."""
    run = db.get(GroupRun, run_id)
    lead = db.get(User, lead_id)
    due = None
    voting = run is not None and run.round == round_ and run.status == "open" and run.phase == "voting"
    if voting and lead is not None and run is not None and len(group_runs.leaders(db, run)) == 1:
        due = (lead, run.session_id)
    db.commit()
    return due


async def close_at_deadline(app: Any, *, run_id: int, round_: int, lead_id: int, delay: float) -> None:
    """When the vote's time is up, send the reply with the most votes, as the facilitator closing
    it would (the session's turn lock, the same engine path). A tie, a vote already closed, a
    paused run: nothing is sent, and the facilitator decides. Runs in the process that opened the
    vote; if that process stops, the facilitator closes the vote by hand."""
    await asyncio.sleep(delay)
    events: group_live.GroupEvents = app.state.group_events
    make_session: sessionmaker[Session] = app.state.sessionmaker
    settings = app.state.settings
    with make_session() as db:
        due = await run_in_threadpool(_due, db, run_id, round_, lead_id)
        if due is None:
            events.changed(run_id)  # the vote is over: members see the counts
            return
        lead, session_id = due
        lock = TurnLock(
            locks=app.state.session_locks,
            db=db,
            leases=make_session,
            wait=settings.turn_lock_wait,
            lease_seconds=turn_lease.lease_seconds(settings.rasa_timeout),
        )
        try:
            async with lock.hold(session_id):
                _, turn = await group_runs.send(
                    db,
                    engine=app.state.engine,
                    user=lead,
                    run_id=run_id,
                    proposal_id=None,
                    max_chars=settings.max_message_chars,
                    by_vote=True,
                )
        except PracticeError as exc:  # closed by hand meanwhile, or the engine failed: the lead sees it
            log.info("group run %s: the vote was not closed at its deadline (%s)", run_id, exc.code)
            return
        finally:
            events.changed(run_id)
        if await group_runs.score_alternatives(db, scorer=app.state.reply_scorer, run_id=run_id, turn_index=turn.index):
            events.changed(run_id)


def schedule_close(request: Request, run: GroupRun, lead_id: int) -> None:
    deadline = run.vote_deadline
    if deadline is None:
        return
    delay = max(0.0, (deadline - utcnow()).total_seconds()) + CLOSE_AFTER_SECONDS
    request.app.state.group_events.later(
        close_at_deadline(request.app, run_id=run.id, round_=run.round, lead_id=lead_id, delay=delay)
    )


@router.post("/{run_id}/vote", response_model=GroupRunOut, responses=ERRORS)
async def open_vote(
    request: Request,
    run_id: PathId,
    body: VoteOpen,
    db: DbSession,
    scenarios: ScenariosDep,
    events: GroupEventsDep,
    user: CurrentUser,
) -> GroupRunOut:
    """Let the members vote on this turn's proposals for ``seconds`` (the facilitator). When the
    time is up the reply with the most votes is sent; a tie waits for the facilitator."""
    run = await run_in_threadpool(group_runs.open_vote, db, user=user, run_id=run_id, seconds=body.seconds)
    schedule_close(request, run, user.id)
    events.changed(run_id)
    return await view_after(db, user, run_id, scenarios)


@router.post("/{run_id}/votes", response_model=GroupRunOut, responses=ERRORS)
async def cast_vote(
    run_id: PathId, body: VoteCast, db: DbSession, scenarios: ScenariosDep, events: GroupEventsDep, user: CurrentUser
) -> GroupRunOut:
    """Vote for one proposal (a member; voting again moves your vote) before the deadline."""
    await run_in_threadpool(group_runs.vote, db, user=user, run_id=run_id, proposal_id=body.proposal_id)
    events.changed(run_id)
    return await view_after(db, user, run_id, scenarios)


@router.post("/{run_id}/vote/close", response_model=GroupRunOut, responses=ENGINE_ERRORS)
async def close_vote(
    run_id: PathId,
    sender: GroupSenderDep,
    db: DbSession,
    scenarios: ScenariosDep,
    user: CurrentUser,
    body: VoteClose | None = None,
) -> GroupRunOut:
    """Close the vote (at or before its deadline) and send the reply with the most votes; a tie
    is 409 ``vote_tied`` until the facilitator names one of the leaders."""
    proposal_id = body.proposal_id if body is not None else None
    await sender.send(user, run_id=run_id, proposal_id=proposal_id, by_vote=True)
    return await view_after(db, user, run_id, scenarios)


async def _control(
    db: Session, user: User, run_id: int, scenarios: Mapping[str, Any], events: Any, work: Any, **kwargs: Any
) -> GroupRunOut:
    await run_in_threadpool(work, db, user=user, run_id=run_id, **kwargs)
    events.changed(run_id)
    return await view_after(db, user, run_id, scenarios)


@router.post("/{run_id}/pause", response_model=GroupRunOut, responses=ERRORS)
async def pause(
    run_id: PathId, db: DbSession, scenarios: ScenariosDep, events: GroupEventsDep, user: CurrentUser
) -> GroupRunOut:
    """Pause: nothing can be proposed, voted or sent until the facilitator resumes."""
    return await _control(db, user, run_id, scenarios, events, group_runs.pause, paused=True)


@router.post("/{run_id}/resume", response_model=GroupRunOut, responses=ERRORS)
async def resume(
    run_id: PathId, db: DbSession, scenarios: ScenariosDep, events: GroupEventsDep, user: CurrentUser
) -> GroupRunOut:
    """Resume a paused run: members propose and vote again, and the facilitator sends."""
    return await _control(db, user, run_id, scenarios, events, group_runs.pause, paused=False)


@router.post("/{run_id}/try-again", response_model=GroupRunOut, responses=ERRORS)
async def try_again(
    run_id: PathId, db: DbSession, scenarios: ScenariosDep, events: GroupEventsDep, user: CurrentUser
) -> GroupRunOut:
    """Open proposals again for another attempt. The engine has no undo: the last reply stays in
    the conversation and the patient's reaction with it; the turn is marked as tried again."""
    return await _control(db, user, run_id, scenarios, events, group_runs.try_again)


@router.post("/{run_id}/end", response_model=GroupRunOut, responses=ENGINE_ERRORS)
async def end(
    run_id: PathId,
    db: DbSession,
    engine: EngineDep,
    locks: LocksDep,
    scenarios: ScenariosDep,
    events: GroupEventsDep,
    user: CurrentUser,
) -> GroupRunOut:
    """End the conversation and the run; the code stops working. The transcript stays with the cohort."""
    session_id = await run_in_threadpool(group_runs.session_id_of, db, user, run_id)
    async with locks.hold(session_id):
        await group_runs.end(db, engine=engine, user=user, run_id=run_id)
    events.changed(run_id)
    return await view_after(db, user, run_id, scenarios)


def json_state(scenarios: Mapping[str, Any]) -> group_live.Render:
    def render(db: Session, run: GroupRun, viewer: GroupViewer, user: User) -> str:
        return group_runs.view(db, run=run, viewer=viewer, user_id=user.id, scenarios=scenarios).model_dump_json()

    return render


@router.get("/{run_id}/events", include_in_schema=False)
def events_stream(
    request: Request, run_id: PathId, db: DbSession, scenarios: ScenariosDep, user: CurrentUser
) -> StreamingResponse:
    """Server-sent events: ``state`` (the run as ``GET /api/group-runs/{id}`` gives it) on every
    change, until the run ends."""
    group_runs.visible_run(db, user, run_id)
    user_id = user.id
    db.commit()
    return StreamingResponse(
        group_live.stream(request, run_id=run_id, user_id=user_id, render=json_state(scenarios)),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
