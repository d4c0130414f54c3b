"""Dependencies the routes share, read from ``app.state`` (wired by ``create_app``)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request

from actions.settings import Settings
from api.engine import DialogueEngine
from api.exceptions import ScenarioLibraryError

log = logging.getLogger(__name__)

ScenarioLoader = Callable[[], Mapping[str, Any]]


class ScenarioCatalog:
    """The scenario library, loaded on first use; a failed load is retried on the next request."""

    def __init__(self, loader: ScenarioLoader) -> None:
        self._loader = loader

    def load(self) -> Mapping[str, Any]:
        try:
            return self._loader()
        except Exception as exc:  # ScenarioError, a missing directory, a broken import
            log.error("scenario library failed to load: %s", type(exc).__name__)
            raise ScenarioLibraryError(f"the scenario library could not be loaded: {exc}") from exc


class SessionLocks:
    """One asyncio lock per practice session, so one process never talks to Rasa twice at once
    for the same conversation (e.g. a double-clicked retry)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        async with lock:
            yield


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> DialogueEngine:
    return request.app.state.engine


def get_scenarios(request: Request) -> Mapping[str, Any]:
    return request.app.state.scenarios.load()


def get_locks(request: Request) -> SessionLocks:
    return request.app.state.session_locks


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[DialogueEngine, Depends(get_engine)]
ScenariosDep = Annotated[Mapping[str, Any], Depends(get_scenarios)]
LocksDep = Annotated[SessionLocks, Depends(get_locks)]
