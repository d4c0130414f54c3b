"""The admin's scorer page: the builds, and a button that rebuilds the classifier with the
reviewers' corrections in the background (api/services/scorer_builds.py, as the JSON API's
`POST /api/admin/scorer/rebuilds`), with the before/after table when it ends."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from api.db import DbSession
from api.exceptions import Forbidden
from api.models import User
from api.services import reviews, scorer_builds
from api.web.errors import WebRoute
from api.web.render import render
from api.web.session import FormUser, WebUser

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def admin_only(user: User) -> User:
    if user.role != "admin":
        raise Forbidden("The scorer page is for admins.")
    return user


@router.get("/admin/scorer")
def scorer_page(request: Request, user: WebUser, db: DbSession, started: str = "") -> Response:
    admin_only(user)
    overview = scorer_builds.builds_overview()
    rebuilds = scorer_builds.recent(db)
    return render(
        request,
        "admin_scorer.html",
        {
            "current": overview["current"],
            "builds": list(reversed(overview["builds"])),
            "rebuilds": rebuilds,
            "running": any(r.status == "running" for r in rebuilds),
            "conflicts": reviews.conflicts(db, viewer=user),
            "started": started,
        },
    )


@router.post("/admin/scorer/rebuilds")
def start_rebuild(request: Request, user: FormUser, db: DbSession, background: BackgroundTasks) -> Response:
    admin_only(user)
    row, corrections = scorer_builds.start(db, admin=user)
    background.add_task(
        scorer_builds.finish, request.app.state.sessionmaker, row.id, corrections, request.app.state.scorer_rebuilder
    )
    return RedirectResponse(f"/admin/scorer?started={row.id}", status_code=303)
