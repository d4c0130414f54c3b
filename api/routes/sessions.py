from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from actions.vocabulary import Outcome, SessionStatus
from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.deps import EngineDep, LocksDep, ScenariosDep, SettingsDep
from api.models import PracticeSession
from api.schemas import (
    MAX_ID,
    BranchCreate,
    BranchLink,
    EndResult,
    ErrorResponse,
    Responses,
    SessionCreate,
    SessionEnd,
    SessionList,
    SessionListItem,
    SessionOut,
    SessionState,
    Transcript,
    TurnCreate,
    TurnOut,
    TurnResult,
)
from api.services import access, authoring, branches, reviews, sessions, xapi

router = APIRouter(prefix="/sessions", tags=["sessions"])

ENGINE_RESPONSES: Responses = {code: {"model": ErrorResponse} for code in (401, 404, 409, 502, 503, 504)}


def _brief(scenarios: Mapping[str, Any], scenario_id: str) -> dict[str, Any] | None:
    scenario = scenarios.get(scenario_id)
    return scenario.brief() if scenario is not None else None


def _session_out(session: PracticeSession, scenarios: Mapping[str, Any]) -> SessionOut:
    out = SessionOut.model_validate(session, from_attributes=True)
    out.scenario = _brief(scenarios, session.scenario_id)
    return out


def _turn_result(turn: Any) -> TurnResult:
    """The turn and its session: reading ``turn.session`` may query the database (the service's
    session object may be gone from the identity map), so async routes call this in a thread."""
    session = turn.session
    return TurnResult(
        turn=TurnOut.model_validate(turn),
        session=SessionState.model_validate(session),
        summary=session.summary if session.status == "ended" else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionOut, responses=ENGINE_RESPONSES)
async def create_session(
    body: SessionCreate,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> SessionOut:
    """Start practising a scenario: the patient speaks first. The session is yours.

    A scenario written in the browser plays the version published to your cohorts; its author
    may name any ``version`` to preview it."""
    session, target = await sessions.start_playable(
        db,
        engine=engine,
        user=user,
        scenario_id=body.scenario_id,
        version=body.version,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
        seed=body.seed,
    )
    out = _session_out(session, scenarios)
    if target.version is not None:
        out.scenario = authoring.authored_brief(target.scenario, version=target.version)
    return out


@router.get("", response_model=SessionList, responses={401: {"model": ErrorResponse}})
def list_sessions(
    db: DbSession,
    user: CurrentUser,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_ID),
    scenario_id: str | None = Query(None, max_length=100, description="Only this scenario."),
    status: SessionStatus | None = Query(None, description="Only sessions in this state."),
    outcome: Outcome | None = Query(None),
    since: datetime | None = Query(None, description="Started at or after (ISO 8601)."),
    until: datetime | None = Query(None, description="Started before (ISO 8601)."),
) -> SessionList:
    """Your practice sessions, newest first, optionally filtered."""
    rows, total = sessions.list_sessions(
        db=db,
        owner_id=user.id,
        limit=limit,
        offset=offset,
        scenario_id=scenario_id,
        status=status,
        outcome=outcome,
        since=since,
        until=until,
    )
    items = [
        SessionListItem(
            id=s.id,
            scenario_id=s.scenario_id,
            scenario_version=s.scenario_version,
            status=s.status,
            outcome=s.outcome,
            created_at=s.created_at,
            ended_at=s.ended_at,
            turn_count=n,
        )
        for s, n in rows
    ]
    return SessionList(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{session_id}", response_model=Transcript, responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}
)
def get_session(session_id: str, db: DbSession, scenarios: ScenariosDep, user: CurrentUser) -> Transcript:
    """The transcript: opening, every turn with its score card and patient lines, the summary.

    Yours, or (read only) a learner's in a cohort you facilitate or review."""
    session = access.readable_session(db, user, session_id)
    out = Transcript.model_validate(session, from_attributes=True)
    if session.scenario_version is not None:
        out.scenario = authoring.version_brief(db, session.scenario_id, session.scenario_version)
    else:
        out.scenario = _brief(scenarios, session.scenario_id)
    out.comments = reviews.comments(db, session.id)
    out.corrections = reviews.corrections(db, session.id)
    if session.owner_id == user.id:
        out.branches = [BranchLink.model_validate(b) for b in branches.branches_of(db, session)]
    return out


@router.post(
    "/{session_id}/branches",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOut,
    responses={422: {"model": ErrorResponse}, **ENGINE_RESPONSES},
)
async def create_branch(
    session_id: str,
    body: BranchCreate,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> SessionOut:
    """Try a different reply: a new session that replays your finished session up to reply
    ``turn`` (same scenario version, same seed, your same replies before it, checked to come
    back the same; 409 ``branch_diverged`` if not) and waits for your new reply ``turn``."""
    branch = await branches.start_branch(
        db,
        engine=engine,
        user=user,
        session_id=session_id,
        turn=body.turn,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
        max_chars=settings.max_message_chars,
    )
    return await run_in_threadpool(_branch_out, db, branch, scenarios)


def _branch_out(db: Any, branch: PracticeSession, scenarios: Mapping[str, Any]) -> SessionOut:
    out = _session_out(branch, scenarios)
    if branch.scenario_version is not None:
        out.scenario = authoring.version_brief(db, branch.scenario_id, branch.scenario_version)
    return out


@router.get(
    "/{session_id}/xapi",
    response_model=list[dict[str, Any]],
    responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
)
def get_session_xapi(
    session_id: str, request: Request, db: DbSession, scenarios: ScenariosDep, settings: SettingsDep, user: CurrentUser
) -> list[dict[str, Any]]:
    """The finished session as xAPI 1.0.3 statements (attempted, completed), for a learning
    record store. Who may read the transcript may read these; 409 until the session has ended."""
    session = access.readable_session(db, user, session_id)
    return xapi.statements(db, session, settings=settings, secret_key=request.app.state.secret_key, scenarios=scenarios)


@router.post(
    "/{session_id}/turns", response_model=TurnResult, responses={422: {"model": ErrorResponse}, **ENGINE_RESPONSES}
)
async def create_turn(
    session_id: str,
    body: TurnCreate,
    db: DbSession,
    engine: EngineDep,
    settings: SettingsDep,
    locks: LocksDep,
    user: CurrentUser,
) -> TurnResult:
    """Say something to the patient; the reply comes back with feedback on what you said."""
    owner_id = user.id  # read now: waiting for the turn expires what the request loaded
    async with locks.hold(session_id):
        turn = await sessions.send_turn(
            db=db,
            engine=engine,
            session_id=session_id,
            owner_id=owner_id,
            text=body.text,
            max_chars=settings.max_message_chars,
        )
    return await run_in_threadpool(_turn_result, turn)


@router.post("/{session_id}/turns/retry", response_model=TurnResult, responses=ENGINE_RESPONSES)
async def retry_turn(
    session_id: str, db: DbSession, engine: EngineDep, locks: LocksDep, user: CurrentUser
) -> TurnResult:
    """Send the message that is still waiting for a reply again."""
    owner_id = user.id  # read now: waiting for the turn expires what the request loaded
    async with locks.hold(session_id):
        turn = await sessions.retry_turn(db=db, engine=engine, session_id=session_id, owner_id=owner_id)
    return await run_in_threadpool(_turn_result, turn)


@router.post("/{session_id}/end", response_model=EndResult, responses=ENGINE_RESPONSES)
async def end_session(
    session_id: str,
    db: DbSession,
    engine: EngineDep,
    locks: LocksDep,
    user: CurrentUser,
    body: SessionEnd | None = None,
) -> EndResult:
    """End the conversation (``finished``, or ``safety`` to step away) and get the summary."""
    reason = body.reason if body is not None else "finished"
    owner_id = user.id  # read now: waiting for the turn expires what the request loaded
    async with locks.hold(session_id):
        session = await sessions.end_session(
            db=db, engine=engine, session_id=session_id, owner_id=owner_id, reason=reason
        )
    return EndResult(
        session=SessionState.model_validate(session),
        end_reason=session.end_reason,
        patient_lines=session.closing or [],
        summary=session.summary or {},
    )
