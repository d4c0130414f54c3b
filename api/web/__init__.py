"""The web pages: server-rendered templates with a little plain JavaScript, served by the API app.

``install(app)`` mounts the static files (every asset is local, no CDN) and the page routes.
Pages call the same service functions as the JSON routes, so access rules and validation are
the API's; they sign in with a cookie holding the same access token (see ``session``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_handlers import add_handler, http_error
from api.web import account, authoring, check_ins, group, learner, scorer, staff, surveys
from api.web.errors import error_page
from api.web.render import HERE


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (account, learner, check_ins, staff, authoring, surveys, group, scorer):
        app.include_router(module.router)

    async def not_found_page(request: Request, exc: StarletteHTTPException) -> Response:
        """A browser asking for a page that does not exist gets a page; /api keeps its JSON."""
        wants_page = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 404 and wants_page and not request.url.path.startswith("/api"):
            return error_page(
                request, 404, "There is no page at this address. Check it, or start again from your home page."
            )
        return await http_error(request, exc)

    add_handler(app, StarletteHTTPException, not_found_page)
