"""The FastAPI application, built by a factory.

Serve it with ``uvicorn api.main:create_app --factory`` or ``python -m api`` (host and port
from settings). Nothing is created at import: no app, no database connection pool, no HTTP client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from actions.confidence import load_scale
from actions.settings import Settings, get_settings
from api.auth.hashing import make_password_workers
from api.auth.tokens import resolve_secret_key
from api.db import make_database, make_sessionmaker
from api.deps import ScenarioCatalog, ScenarioLoader, SessionLocks
from api.engine import DialogueEngine, EngineClient, EnginePool
from api.error_handlers import install_error_handlers
from api.migrate import upgrade
from api.routes import api_router
from api.security_headers import wrap as with_security_headers
from api.services.group_live import GroupEvents
from api.services.group_runs import ReplyScorer
from api.services.scorer_builds import Rebuilder, run_in_child
from api.services.xapi_push import make_pusher
from api.web import install as install_web_pages


def _library_loader(settings: Settings) -> ScenarioLoader:
    def load() -> Mapping[str, Any]:
        from actions.scenarios import load_library  # plain Python + pydantic, no Rasa

        return load_library(settings.scenario_dir)

    return load


def _reply_scorer(said: str, previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """A group run's replies not sent, read by the turn's own reader (loaded on first use)."""
    from actions.reply_card import alternative_card  # the cue scorer: spaCy, loaded only when needed

    return alternative_card(said, previous)


def _default_logging() -> None:
    """Show the API's own INFO logs (ids, statuses, timings) unless logging is configured already."""
    logger = logging.getLogger("api")
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class PracticeApp(FastAPI):
    """FastAPI with the security headers and the trusted proxies' headers outermost
    (``api.security_headers``): outside Starlette's error middleware, so every response,
    an unexpected 500 included, carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        swagger = [path for path in (self.docs_url, self.swagger_ui_oauth2_redirect_url) if path]
        return with_security_headers(
            super().build_middleware_stack(), trusted_proxies=settings.trusted_proxies, swagger_paths=swagger
        )


def make_engine(settings: Settings) -> DialogueEngine:
    """The Rasa server(s) ``PRACTICE_RASA_URL`` names, behind the pool's admission (api/engine/pool.py)."""
    clients = [
        EngineClient(
            url,
            timeout=settings.rasa_timeout,
            status_timeout=settings.rasa_status_timeout,
            tracker_url=settings.engine_tracker_url,
        )
        for url in settings.rasa_urls
    ]
    return EnginePool(
        clients,
        tracker_url=settings.engine_tracker_url,
        max_in_flight=settings.engine_max_in_flight,
        queue_timeout=settings.engine_queue_timeout,
    )


def create_app(
    settings: Settings | None = None,
    *,
    engine_client: DialogueEngine | None = None,
    scenario_loader: ScenarioLoader | None = None,
    reply_scorer: ReplyScorer | None = None,
    scorer_rebuilder: Rebuilder | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, a fake engine client and scenarios (and,
    for group runs, a stand-in for the scorer of the replies a group did not send, and for the
    admin page, one for the scorer's rebuild with corrections)."""
    settings = settings or get_settings()
    _default_logging()
    engine_client = engine_client or make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = make_database(settings)
        upgrade(database)  # Alembic: bring the tables up to date before serving
        app.state.database = database
        app.state.sessionmaker = make_sessionmaker(database)
        app.state.password_workers = make_password_workers(settings)  # bound to the serving loop
        # Off unless PRACTICE_XAPI_LRS_URL is set: finished sessions' statements, sent off the request path.
        app.state.xapi_pusher = make_pusher(
            settings,
            sessions=app.state.sessionmaker,
            secret_key=app.state.secret_key,
            scenarios=app.state.scenarios.load,
        )
        try:
            yield
        finally:
            if app.state.xapi_pusher is not None:
                app.state.xapi_pusher.close()
            await app.state.group_events.aclose()
            await engine_client.aclose()
            database.dispose()

    app = PracticeApp(
        title="compassion-practice",
        summary="Rehearse difficult conversations with a simulated patient; every turn is scored.",
        version="0.1.0",
        lifespan=lifespan,
        redoc_url=None,  # ReDoc styles itself with inline <style>, which the CSP refuses; /docs stays
    )
    app.state.settings = settings
    app.state.secret_key = resolve_secret_key(settings)
    app.state.engine = engine_client
    load_scale()  # data/confidence.yml: a malformed file stops the start, saying what is wrong
    app.state.scenarios = ScenarioCatalog(scenario_loader or _library_loader(settings))
    app.state.session_locks = SessionLocks()
    app.state.group_events = GroupEvents()
    app.state.reply_scorer = reply_scorer or _reply_scorer
    app.state.scorer_rebuilder = scorer_rebuilder or run_in_child  # tests pass a stand-in
    install_error_handlers(app)
    app.include_router(api_router)
    install_web_pages(app)  # the browser pages: sign in, practise, facilitate, review
    return app
