"""A real practice service for the end-to-end and browser tests: trained Rasa model, action
server, API (a pytest plugin, registered in tests/conftest.py, so both folders share one stack).

The model is trained once and cached by the hash of its inputs (models/), so only a changed
assistant retrains. The stack listens on free loopback ports with its state in a temporary
folder, so it runs beside a developer's `make run`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from practice.engine import ensure_model
from practice.supervisor import Stack, StackConfig, free_port
from tests.e2e.latency import TURN_LATENCIES


@pytest.fixture(scope="session")
def trained_model() -> Path:
    return ensure_model(quiet=True)


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = StackConfig(
        model=trained_model,
        rasa_port=free_port(),
        action_port=free_port(),
        api_port=free_port(),
        state_dir=tmp_path_factory.mktemp("practice-state"),
    )
    running = Stack(config)
    running.start(timeout=400)
    yield running
    running.stop()


LEARNER = {"username": "e2e-learner", "password": "a long e2e practice password"}


@pytest.fixture(scope="session")
def learner_token(stack: Stack) -> str:
    """A learner account in the stack's database, signed in as a learner would."""
    from api.auth.bootstrap import create_user_at

    create_user_at(stack.config.resolved_database_url, role="learner", **LEARNER)
    response = httpx.post(f"{stack.config.api_url}/api/auth/token", data=LEARNER, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def api(stack: Stack, learner_token: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {learner_token}"}
    with httpx.Client(base_url=stack.config.api_url, timeout=120, headers=headers) as client:
        yield client


@dataclass
class Conversation:
    """A whole practice session driven through the API, as a learner would."""

    api: httpx.Client
    scenario_id: str
    seed: int | None = None
    session: dict[str, Any] = field(default_factory=dict)
    turns: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] | None = None

    def start(self) -> Conversation:
        request: dict[str, Any] = {"scenario_id": self.scenario_id}
        if self.seed is not None:
            request["seed"] = self.seed
        response = self.api.post("/api/sessions", json=request)
        assert response.status_code == 201, response.text
        self.session = response.json()
        return self

    @property
    def ended(self) -> bool:
        return self.summary is not None

    def say(self, text: str) -> dict[str, Any]:
        started = time.perf_counter()
        response = self.api.post(f"/api/sessions/{self.session['id']}/turns", json={"text": text})
        TURN_LATENCIES.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        body = response.json()
        self.turns.append(body)
        if body.get("summary"):
            self.summary = body["summary"]
        return body

    def end(self, reason: str = "finished") -> dict[str, Any]:
        if self.summary is None:
            response = self.api.post(f"/api/sessions/{self.session['id']}/end", json={"reason": reason})
            assert response.status_code == 200, response.text
            self.summary = response.json()["summary"]
        return self.summary


class Converse(Protocol):
    """The ``converse`` fixture: ``converse(scenario_id, seed=...)`` starts a conversation."""

    def __call__(self, scenario_id: str, seed: int | None = None) -> Conversation: ...


@pytest.fixture
def converse(api: httpx.Client) -> Converse:
    def _start(scenario_id: str, seed: int | None = None) -> Conversation:
        return Conversation(api=api, scenario_id=scenario_id, seed=seed).start()

    return _start
