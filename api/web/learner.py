"""The learner's pages: the scenario catalogue, the practice chat, stepping away, the report,
history with progress, assignments. Each calls the same services as the JSON routes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from actions.vocabulary import END_REASONS, OUTCOMES, EndReason, Theme
from api.db import DbSession
from api.deps import EngineDep, LocksDep, ScenariosDep, SettingsDep
from api.engine import DialogueEngine
from api.error_handlers import log_failure, practice_error_response
from api.exceptions import Conflict, EngineFailure, InvalidMessage, InvalidRequest, PracticeError, TurnInProgress
from api.models import GroupRun, PracticeSession, ScenarioVersion, Turn, User
from api.services import access, assignments, authoring, branches, check_ins, history, reviews, sessions, surveys
from api.web.charts import Bar, Point, Series, bar_chart, column_chart, line_chart
from api.web.errors import WebRoute, engine_message, sentence, wants_json
from api.web.render import DIFFICULTY, FAMILY_LABELS, THEME_LABELS, cue_info, meter_for, render, templates
from api.web.session import FormUser, WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# The end form's ``reason`` must be one of the vocabulary's end reasons (a pattern, so a wrong
# one is refused with the same validation message as before).
END_REASON_PATTERN = f"^({'|'.join(END_REASONS)})$"


def _briefs(scenarios: Mapping[str, Any]) -> list[dict[str, Any]]:
    briefs = [s.brief() for s in scenarios.values()]
    briefs.sort(key=lambda b: (b.get("difficulty") or 0, b.get("id") or ""))
    return briefs


def _with_authored(db: DbSession, session: PracticeSession, scenarios: Mapping[str, Any]) -> Mapping[str, Any]:
    """The library, with the version of a scenario written in the browser that ``session`` plays."""
    if session.scenario_version is None:
        return scenarios
    row = db.get(ScenarioVersion, (session.scenario_id, session.scenario_version))
    return {**scenarios, session.scenario_id: authoring.parsed(row)} if row is not None else scenarios


def _title(scenarios: Mapping[str, Any], scenario_id: str) -> str:
    scenario = scenarios.get(scenario_id)
    return scenario.brief()["title"] if scenario is not None else scenario_id.replace("_", " ")


@dataclass(frozen=True)
class CatalogueFilter:
    """One drop-down on the catalogue: the brief's values it matches and how an option reads."""

    name: str  # the query parameter
    element_id: str
    label: str
    any_label: str
    values: Callable[[Mapping[str, Any]], list[str]]
    text: Callable[[str], str]
    order_by_text: bool = False


CATALOGUE_FILTERS = (
    CatalogueFilter("staff_role", "f-role", "Staff role", "Any role", lambda b: [b["staff_role"]], str.capitalize),
    CatalogueFilter("setting", "f-setting", "Setting", "Any setting", lambda b: [b["setting"]], str),
    CatalogueFilter(
        "difficulty",
        "f-difficulty",
        "Difficulty",
        "Any difficulty",
        lambda b: [str(b["difficulty"])],
        lambda v: DIFFICULTY.get(int(v), v),
    ),
    CatalogueFilter(
        "skill",
        "f-skill",
        "Skill in focus",
        "Any skill",
        lambda b: list(b["skills"]),
        lambda v: cue_info(v).label,
        order_by_text=True,
    ),
    CatalogueFilter(
        "theme",
        "f-theme",
        "Situation",
        "Any situation",
        lambda b: list(b.get("themes", [])),
        lambda v: THEME_LABELS.get(cast(Theme, v), v).capitalize(),  # an unknown theme reads as itself
    ),
)


@router.get("/practise")
def catalogue(
    request: Request,
    user: WebUser,
    db: DbSession,
    scenarios: ScenariosDep,
    staff_role: str = "",
    setting: str = "",
    difficulty: str = "",
    skill: str = "",
    theme: str = "",
) -> Response:
    briefs = _briefs(scenarios) + authoring.catalogue(db, user_id=user.id)
    briefs.sort(key=lambda b: (b.get("difficulty") or 0, b.get("id") or ""))
    chosen = {"staff_role": staff_role, "setting": setting, "difficulty": difficulty, "skill": skill, "theme": theme}
    filters = []
    for spec in CATALOGUE_FILTERS:
        options = [(v, spec.text(v)) for v in {v for b in briefs for v in spec.values(b)}]
        options.sort(key=lambda option: option[1] if spec.order_by_text else option[0])
        filters.append({"spec": spec, "options": options, "chosen": chosen[spec.name]})
    shown = [b for b in briefs if all(not chosen[f.name] or chosen[f.name] in f.values(b) for f in CATALOGUE_FILTERS)]
    active = [s for s, _ in sessions.list_sessions(db=db, owner_id=user.id, limit=5, offset=0, status="active")[0]]
    return render(
        request,
        "catalogue.html",
        {
            "scenarios": shown,
            "total": len(briefs),
            "filters": filters,
            "active": active,
            "titles": {b["id"]: b["title"] for b in briefs},
            "questionnaires": surveys.my_states(db, user),
        },
    )


@router.post("/practise/start")
async def start(
    request: Request,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    scenario_id: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    """Start a built-in scenario, or the version of one written in the browser published to
    one of the learner's cohorts."""
    session, _ = await sessions.start_playable(
        db,
        engine=engine,
        user=user,
        scenario_id=scenario_id,
        version=None,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
    )
    return RedirectResponse(f"/practise/sessions/{session.id}", status_code=303)


@router.post("/practise/sessions/{session_id}/branches")
async def branch(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    scenarios: ScenariosDep,
    settings: SettingsDep,
    turn: Annotated[int, Form(ge=1, le=1_000_000)],
) -> Response:
    """ "Try a different reply here": replay the learner's finished session up to reply ``turn``
    and continue in the chat from there (``branches.start_branch``, as the JSON API)."""
    started = await branches.start_branch(
        db,
        engine=engine,
        user=user,
        session_id=session_id,
        turn=turn,
        builtins=scenarios,
        directory=settings.authored_scenario_dir,
        max_chars=settings.max_message_chars,
    )
    return RedirectResponse(f"/practise/sessions/{started.id}", status_code=303)


def _then_and_now(db: DbSession, session: PracticeSession) -> dict[str, Any] | None:
    """A branch's report part: turn by turn from the branching point, then and now, and the
    patient's tension in both as a two-line chart (with the same numbers in a table)."""
    compared = branches.comparison(db, session)
    if compared is None:
        return None
    k = compared.turn
    labels = [f"before {k}"] + [f"reply {step.index}" for step in compared.steps]
    then = Series("Then", [compared.start_tension, *(step.then_tension for step in compared.steps)])
    now = Series("Now", [compared.start_tension, *(step.now_tension for step in compared.steps)], dashed=True)
    chart = line_chart(
        labels,
        [then, now],
        title=f"The patient's tension from reply {k} on, then and now (0 calm, 100 most upset)",
        chart_id="then-now",
        y_label="tension",
    )
    return {"compared": compared, "chart": chart}


def _own(db: DbSession, user: User, session_id: str) -> PracticeSession:
    """The learner's own session (anyone else's answers as missing, like the JSON API)."""
    session = access.readable_session(db, user, session_id)
    if session.owner_id != user.id:
        raise access.session_not_found(session_id)
    return session


def _chat_context(session: PracticeSession, scenarios: Mapping[str, Any]) -> dict[str, Any]:
    scenario = scenarios.get(session.scenario_id)
    brief = scenario.brief() if scenario is not None else None
    pending = next((t for t in session.turns if t.status == "pending"), None)
    return {
        "session": session,
        "brief": brief,
        "title": _title(scenarios, session.scenario_id),
        "patient": (brief or {}).get("persona", {}).get("name") or "The patient",
        "meter": meter_for(session.opening or [], session.turns),
        "pending": pending,
    }


def _branch_notice(db: DbSession, session: PracticeSession) -> dict[str, Any] | None:
    """For a branch's chat: the reply it tries differently, and whether the original is still kept."""
    if session.branch_of is None:
        return None
    original = db.get(PracticeSession, session.branch_of)
    kept = original is not None and original.owner_id == session.owner_id
    return {"turn": session.branch_turn, "original_id": session.branch_of if kept else None}


@router.get("/practise/sessions/{session_id}")
def chat(request: Request, session_id: str, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    session = _own(db, user, session_id)
    group_run_id = db.scalar(select(GroupRun.id).where(GroupRun.session_id == session.id))
    if group_run_id is not None:  # a group's conversation is led from its group page
        return RedirectResponse(f"/group/{group_run_id}", status_code=303)
    if session.status == "ended":
        return RedirectResponse(f"/practise/sessions/{session.id}/report", status_code=303)
    scenarios = _with_authored(db, session, scenarios)
    return render(
        request,
        "chat.html",
        {**_chat_context(session, scenarios), "draft": "", "error": None, "branch": _branch_notice(db, session)},
    )


def _turn_json(request: Request, session: PracticeSession, turn: Turn, scenarios: Mapping[str, Any]) -> JSONResponse:
    ctx = {"request": request, **_chat_context(session, scenarios)}
    turn_html = templates.get_template("_turn.html").render(turn=turn, **ctx)
    meter_html = templates.get_template("_meter.html").render(**ctx)
    lines = [line.get("text") for line in turn.patient_lines or [] if isinstance(line, dict)]
    return JSONResponse(
        {
            "turn_html": turn_html,
            "meter_html": meter_html,
            "ended": session.status == "ended",
            "report_url": f"/practise/sessions/{session.id}/report",
            "patient_said": " ".join(t for t in lines if t),
        }
    )


@router.post("/practise/sessions/{session_id}/turns")
async def say(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    settings: SettingsDep,
    locks: LocksDep,
    scenarios: ScenariosDep,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Send a reply. If the last one is still waiting for the patient (the engine was down),
    sending the same words again retries it; the words typed are never lost on an error.

    Async for the engine's sake only: reading the session and building the page that follows
    (which may read the database again) run in worker threads, never on the event loop."""
    owner_id = user.id  # read now: waiting for the turn expires what the request loaded
    session = await run_in_threadpool(_own, db, user, session_id)
    scenarios = await run_in_threadpool(_with_authored, db, session, scenarios)
    try:
        async with locks.hold(session_id):
            turn = await _reply_or_retry(
                db=db,
                engine=engine,
                session=session,
                session_id=session_id,
                owner_id=owner_id,
                text=text,
                max_chars=settings.max_message_chars,
            )
    except PracticeError as exc:  # the engine's failures among them
        log_failure(request, exc)
        message = _reply_error(exc)
        if wants_json(request):
            return practice_error_response(exc, message)
        return await run_in_threadpool(_chat_again, request, db, user, session_id, scenarios, text, message, exc)
    return await run_in_threadpool(_after_reply, request, db, session, turn, scenarios)


async def _reply_or_retry(
    *,
    db: DbSession,
    engine: DialogueEngine,
    session: PracticeSession,
    session_id: str,
    owner_id: int,
    text: str,
    max_chars: int,
) -> Turn:
    """Retry the pending reply if these are its words; refuse other words while it is pending."""
    pending = await run_in_threadpool(_pending_of, session)
    cleaned = sessions.normalise_message(text, max_chars=max_chars)
    if pending is not None and pending.learner_text == cleaned:
        return await sessions.retry_turn(db=db, engine=engine, session_id=session_id, owner_id=owner_id)
    if pending is not None:
        raise Conflict(
            "Your previous reply is still waiting for the patient. Send it again first "
            "(it is shown above), then carry on.",
            code="turn_pending",
        )
    return await sessions.send_turn(
        db=db, engine=engine, session_id=session_id, owner_id=owner_id, text=text, max_chars=max_chars
    )


def _pending_of(session: PracticeSession) -> Turn | None:
    """The session's pending turn, its turns read again (waiting for the turn expired them)."""
    return next((t for t in session.turns if t.status == "pending"), None)


def _reply_error(exc: PracticeError) -> str:
    """What the chat says when a reply was not answered."""
    if isinstance(exc, EngineFailure):
        return engine_message(exc, turn=True)
    if isinstance(exc, InvalidMessage):
        return "Please type a reply first." if exc.code == "message_empty" else sentence(exc.message) + "."
    return exc.message


def _chat_again(
    request: Request,
    db: DbSession,
    user: User,
    session_id: str,
    scenarios: Mapping[str, Any],
    draft: str,
    error: str,
    exc: PracticeError,
) -> Response:
    """The chat as stored now, the words typed kept in the box, saying what went wrong (the
    report if the session has ended meanwhile)."""
    db.expire_all()
    session = _own(db, user, session_id)
    if session.status == "ended":
        return RedirectResponse(f"/practise/sessions/{session.id}/report", status_code=303)
    ctx = {**_chat_context(session, scenarios), "draft": draft, "error": error, "error_code": exc.code}
    response = render(request, "chat.html", ctx, status_code=exc.status_code)
    response.headers.update(exc.headers or {})
    return response


def _after_reply(
    request: Request, db: DbSession, session: PracticeSession, turn: Turn, scenarios: Mapping[str, Any]
) -> Response:
    """The answered turn for the chat's script, else back to the chat (or the report if the
    patient ended the conversation)."""
    db.refresh(session)
    if wants_json(request):
        return _turn_json(request, session, turn, scenarios)
    if session.status == "ended":
        return RedirectResponse(f"/practise/sessions/{session.id}/report", status_code=303)
    return RedirectResponse(f"/practise/sessions/{session.id}#turn-{turn.index}", status_code=303)


def _support(session: PracticeSession | None) -> dict[str, Any]:
    """Wellbeing signposting: the session summary's, else the same text from data/support.yml."""
    summary = session.summary if session is not None else None
    if isinstance(summary, dict) and isinstance(summary.get("support"), dict) and summary["support"].get("options"):
        return summary["support"]
    from actions.feedback import support_info  # plain Python + YAML

    return support_info()


# Stepping away while the patient is still answering the last reply (``TurnInProgress``).
STILL_ANSWERING = "The practice patient was still answering your last reply, so the conversation could not be closed."


@router.post("/practise/sessions/{session_id}/end")
async def end(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    engine: EngineDep,
    locks: LocksDep,
    scenarios: ScenariosDep,
    reason: Annotated[str, Form(pattern=END_REASON_PATTERN)] = "finished",
) -> Response:
    owner_id = user.id  # read now: waiting for the turn expires what the request loaded
    session = await run_in_threadpool(_own, db, user, session_id)
    scenarios = await run_in_threadpool(_with_authored, db, session, scenarios)
    try:
        async with locks.hold(session_id):
            session = await sessions.end_session(
                db=db,
                engine=engine,
                session_id=session_id,
                owner_id=owner_id,
                reason=cast(EndReason, reason),  # END_REASON_PATTERN let only an EndReason through
            )
    except (EngineFailure, TurnInProgress) as exc:
        if reason == "safety":  # support comes first: show it even if the engine cannot close the conversation
            not_closed = engine_message(exc) if isinstance(exc, EngineFailure) else STILL_ANSWERING
            return await run_in_threadpool(_not_closed_page, request, session, scenarios, not_closed)
        raise
    if reason == "safety":
        return RedirectResponse(f"/practise/sessions/{session.id}/step-away", status_code=303)
    return RedirectResponse(f"/practise/sessions/{session.id}/report", status_code=303)


def _not_closed_page(
    request: Request, session: PracticeSession, scenarios: Mapping[str, Any], not_closed: str
) -> Response:
    """The step-away page with its support, saying the conversation could not be closed (in a
    worker thread: the failed end expired the session, which is read again)."""
    return render(
        request,
        "step_away.html",
        {
            "session": session,
            "title": _title(scenarios, session.scenario_id),
            "support": _support(None),
            "not_closed": not_closed,
        },
    )


@router.get("/practise/sessions/{session_id}/step-away")
def step_away(request: Request, session_id: str, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    session = _own(db, user, session_id)
    scenarios = _with_authored(db, session, scenarios)
    return render(
        request,
        "step_away.html",
        {
            "session": session,
            "title": _title(scenarios, session.scenario_id),
            "support": _support(session),
            "not_closed": None,
        },
    )


def cue_profile(summary: Mapping[str, Any]) -> list[Bar]:
    counts = summary.get("cue_counts")
    if not isinstance(counts, dict):
        counts = {}
    bars = [
        Bar(cue_info(c).label, float(n), cue_info(c).helpful) for c, n in counts.items() if isinstance(n, int | float)
    ]
    bars.sort(key=lambda b: (not b.helpful, -b.value, b.label))
    return bars


@router.get("/practise/sessions/{session_id}/report")
def report(
    request: Request, session_id: str, user: WebUser, db: DbSession, scenarios: ScenariosDep, rated: bool = False
) -> Response:
    """The end-of-session report and the transcript with reviewers' comments (the learner's own,
    or a learner's in a cohort the reader facilitates or reviews, as in the JSON API)."""
    session = access.readable_session(db, user, session_id)
    if session.status != "ended" and session.owner_id == user.id:
        return RedirectResponse(f"/practise/sessions/{session.id}", status_code=303)
    return _report_page(request, db, user, session, scenarios, rated=rated)


def _report_page(
    request: Request,
    db: DbSession,
    user: User,
    session: PracticeSession,
    scenarios: Mapping[str, Any],
    *,
    rated: bool = False,
    rating_form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The report; for its learner, with the optional satisfaction line (``rating_form``: what
    they sent and what to fix, when it was refused)."""
    scenarios = _with_authored(db, session, scenarios)
    summary = session.summary or {}
    bars = cue_profile(summary)
    comments = reviews.comments(db, session.id)
    by_turn: dict[int, list[Any]] = {}
    for c in comments:
        by_turn.setdefault(c.turn_index, []).append(c)
    own = session.owner_id == user.id
    if own and rating_form is None:
        saved = surveys.my_rating(db, user, session.id)
        rating_form = {
            "rating": str(saved.rating) if saved else "",
            "comment": saved.comment or "" if saved else "",
            "error": None,
            "saved": saved is not None,
        }
    return render(
        request,
        "report.html",
        {
            "session": session,
            "summary": summary,
            "title": _title(scenarios, session.scenario_id),
            "chart": bar_chart(bars, title="How often each cue was heard in your replies", chart_id="cue-profile"),
            "bars": bars,
            "support": _support(session),
            "comments": by_turn,
            "comment_count": len(comments),
            "corrections": reviews.corrections(db, session.id),
            "own": own,
            # The learner's alone: staff reading the report never see the offer.
            "check_in_offered": session.owner_id == user.id and check_ins.offered_after(session),
            "patient": _chat_context(session, scenarios)["patient"],
            "learner_label": None if own else _owner_name(db, session),
            "rating_form": rating_form if own and session.status == "ended" else None,
            "satisfaction": surveys.scale() if own else None,
            "rated": rated,
            "then_and_now": _then_and_now(db, session),
            # Only the learner tries again, and only their own finished practice (not a group's).
            "can_branch": own and session.status == "ended" and not _is_group(db, session),
            "branches": branches.branches_of(db, session) if own else [],
            "replayable_upto": _replayable_upto(session),
        },
        status_code=status_code,
    )


@router.post("/practise/sessions/{session_id}/satisfaction")
def rate(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    scenarios: ScenariosDep,
    rating: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """The report's one optional line of satisfaction; refused, the report shows again with the
    rating and comment as sent and what to fix."""
    session = surveys.own_session(db, user, session_id)
    try:
        if not rating.strip().isdigit():
            raise InvalidRequest("Choose a rating from 1 to 5 before saving.", code="invalid_rating")
        surveys.rate_session(db, user, session.id, rating=int(rating), comment=comment)
    except PracticeError as exc:
        db.rollback()
        message = (
            "Choose a rating from 1 to 5 before saving." if exc.code == "invalid_rating" else sentence(exc.message)
        )
        form = {"rating": rating, "comment": comment, "error": message.rstrip(".") + ".", "saved": False}
        return _report_page(request, db, user, session, scenarios, rating_form=form, status_code=exc.status_code)
    return RedirectResponse(f"/practise/sessions/{session.id}/report?rated=1#satisfaction", status_code=303)


def _replayable_upto(session: PracticeSession) -> int:
    """How many of the session's replies can be tried differently: up to and including the
    first the patient never answered (the replay cannot go past it)."""
    for position, turn in enumerate(session.turns, start=1):
        if turn.status != "answered":
            return position
    return len(session.turns)


def _is_group(db: DbSession, session: PracticeSession) -> bool:
    return db.scalar(select(GroupRun.id).where(GroupRun.session_id == session.id)) is not None


def _owner_name(db: DbSession, session: PracticeSession) -> str:
    owner = db.get(User, session.owner_id) if session.owner_id is not None else None
    return (owner.display_name or owner.username) if owner is not None else "Learner"


@router.get("/practise/history")
def history_page(
    request: Request, user: WebUser, db: DbSession, scenarios: ScenariosDep, outcome: str = ""
) -> Response:
    rows, total = sessions.list_sessions(
        db=db, owner_id=user.id, limit=100, offset=0, outcome=outcome if outcome in OUTCOMES else None
    )
    progress = history.progress(db, owner_id=user.id)
    points = [Point(p.created_at.strftime("%-d %b %H:%M"), p.score) for p in progress.points]
    chart = column_chart(points, title="Your mean score per finished session, oldest first", chart_id="progress")
    return render(
        request,
        "history.html",
        {
            "rows": rows,
            "total": total,
            "progress": progress,
            "chart": chart,
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "titles": {
                sid: _title(scenarios, sid)
                for sid in {s.scenario_id for s, _ in rows} | {p.scenario_id for p in progress.points}
            },
            "comments": reviews.comments_for_learner(db, user.id, limit=20),
            "families": FAMILY_LABELS,
        },
    )


@router.get("/practise/assignments")
def my_assignments(request: Request, user: WebUser, db: DbSession, scenarios: ScenariosDep) -> Response:
    items = assignments.my_assignments(db, user)
    titles = {sid: _title(scenarios, sid) for a in items for sid in a.scenario_ids}
    return render(
        request,
        "my_assignments.html",
        {"items": items, "titles": titles, "difficulty": DIFFICULTY, "questionnaires": surveys.my_states(db, user)},
    )
