"""The learner's private check-ins (issue 21, "Looking after yourself"): the form, what it says
back (signposting that fits the answers and a self-compassion prompt), the list of their own
check-ins and deleting one. Every page calls ``api.services.check_ins`` with the signed-in user,
so only that user's check-ins are ever reached; staff have no page here, and nothing on a staff
page mentions check-ins. A refused check-in shows the form again with what was typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.db import DbSession
from api.deps import ScenariosDep
from api.exceptions import CheckInProblems
from api.models import CheckIn, PracticeSession, User
from api.schemas import PathId
from api.services import check_ins
from api.web.errors import WebRoute
from api.web.learner import _own, _title, _with_authored
from api.web.render import render
from api.web.session import FormUser, WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# A form field longer than this is refused before the service sees it (the service's own limit,
# 2,000 characters a note, is what the form explains and checks, keeping the words typed).
FORM_MAX_CHARS = 20_000
AFFECTED_ANSWERS = {"yes": True, "no": False, "": None}


def _session(db: DbSession, user: User, session_id: str) -> PracticeSession | None:
    """The learner's own session named by the form (None if none is named); else 404."""
    return _own(db, user, session_id) if session_id else None


def _form(
    request: Request,
    db: DbSession,
    user: User,
    scenarios: ScenariosDep,
    *,
    values: Mapping[str, str],
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    session = None
    session_id = values.get("session_id", "")
    if session_id:
        session = db.get(PracticeSession, session_id)
        if session is None or session.owner_id != user.id:
            # Listed as a problem; the form no longer names it, so saving again keeps the
            # check-in on its own rather than failing the same way.
            session = None
            values = {**values, "session_id": ""}
            errors = [*(errors or []), "Save again to keep your check-in on its own, not linked to a conversation."]
    title = _title(_with_authored(db, session, scenarios), session.scenario_id) if session is not None else None
    skip = f"/practise/sessions/{session.id}/report" if session is not None else "/practise/history"
    return render(
        request,
        "check_in_form.html",
        {
            "session": session,
            "title": title,
            "offered": session is not None and check_ins.offered_after(session),
            "values": values,
            "errors": errors or [],
            "skip_url": skip,
        },
        status_code=status_code,
    )


@router.get("/practise/check-in")
def check_in_form(
    request: Request, user: WebUser, db: DbSession, scenarios: ScenariosDep, session: str = ""
) -> Response:
    """How are you feeling now, and did anything affect you: after a conversation (``session``)
    or on its own. Someone else's conversation answers as missing."""
    own = _session(db, user, session)
    values = {"session_id": own.id if own is not None else "", "feeling": "", "feeling_note": ""}
    return _form(request, db, user, scenarios, values={**values, "affected": "", "affected_note": ""})


@router.post("/practise/check-in")
def save_check_in(
    request: Request,
    user: FormUser,
    db: DbSession,
    scenarios: ScenariosDep,
    session_id: Annotated[str, Form(max_length=FORM_MAX_CHARS)] = "",
    feeling: Annotated[str, Form(max_length=FORM_MAX_CHARS)] = "",
    feeling_note: Annotated[str, Form(max_length=FORM_MAX_CHARS)] = "",
    affected: Annotated[str, Form(max_length=FORM_MAX_CHARS)] = "",
    affected_note: Annotated[str, Form(max_length=FORM_MAX_CHARS)] = "",
) -> Response:
    values = {
        "session_id": session_id,
        "feeling": feeling,
        "feeling_note": feeling_note,
        "affected": affected,
        "affected_note": affected_note,
    }
    try:
        if affected not in AFFECTED_ANSWERS:
            raise CheckInProblems(["Did anything in it affect you: choose yes or no, or leave it."])
        saved = check_ins.create(
            db,
            user,
            session_id=session_id or None,
            feeling=feeling or None,
            feeling_note=feeling_note,
            affected=AFFECTED_ANSWERS[affected],
            affected_note=affected_note,
        )
    except CheckInProblems as exc:
        db.rollback()
        return _form(request, db, user, scenarios, values=values, errors=exc.problems, status_code=exc.status_code)
    return RedirectResponse(f"/practise/check-ins/{saved.id}?saved=1", status_code=303)


def _titles(db: DbSession, items: list[CheckIn], scenarios: ScenariosDep) -> dict[str, str]:
    """The title of the conversation each check-in followed, by session id."""
    titles: dict[str, str] = {}
    for item in items:
        if item.session_id and item.session_id not in titles:
            session = db.get(PracticeSession, item.session_id)
            if session is not None:
                titles[item.session_id] = _title(_with_authored(db, session, scenarios), session.scenario_id)
    return titles


@router.get("/practise/check-ins")
def my_check_ins(
    request: Request, user: WebUser, db: DbSession, scenarios: ScenariosDep, deleted: bool = False
) -> Response:
    items = check_ins.mine(db, user)
    return render(
        request,
        "check_ins.html",
        {"items": items, "titles": _titles(db, items, scenarios), "deleted": deleted},
    )


@router.get("/practise/check-ins/{check_in_id}")
def one_check_in(
    request: Request, check_in_id: PathId, user: WebUser, db: DbSession, scenarios: ScenariosDep, saved: bool = False
) -> Response:
    item = check_ins.own(db, user, check_in_id)
    context: dict[str, Any] = {
        "item": item,
        "detail": check_ins.detail(db, item),
        "titles": _titles(db, [item], scenarios),
        "saved": saved,
    }
    return render(request, "check_in.html", context)


@router.post("/practise/check-ins/{check_in_id}/delete")
def delete_check_in(check_in_id: PathId, user: FormUser, db: DbSession) -> Response:
    check_ins.remove(db, user, check_in_id)
    return RedirectResponse("/practise/check-ins?deleted=1", status_code=303)
