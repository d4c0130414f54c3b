"""API tests: a fresh SQLite file per test, a scripted fake engine, two fake scenarios."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.main import create_app
from api.settings import Settings
from tests.api.fakes import SCENARIOS, FakeEngine


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'var' / 'practice.db'}", rasa_timeout=5)


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
def start(client) -> Callable[..., Any]:
    async def _start(scenario_id: str = "front_desk") -> dict[str, Any]:
        response = await client.post("/api/sessions", json={"scenario_id": scenario_id})
        assert response.status_code == 201, response.text
        return response.json()

    return _start
