"""API tests: a fresh database per test (a SQLite file), a scripted fake engine, two fake
scenarios, and signed-in clients (``client`` is the learner ``lena``; ``anon`` has no token)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from actions.settings import Settings
from api.auth.bootstrap import create_user
from api.auth.tokens import issue_access_token
from api.engine.fake import FakeEngine
from api.main import create_app
from api.models import User
from api.web.session import COOKIE
from tests.api.fakes import SCENARIOS
from tests.api.postgres import postgres_database

PASSWORD = "correct horse battery"
# How long a refusal under overload ("a quick 503") may take before a test calls it a hang. A
# hang is SQLAlchemy's default 30 s wait for a connection, or forever; a refusal takes about
# half a second here but over a second on a busy CI machine. Speed itself is bench work.
NOT_A_HANG = 5.0


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at its smallest cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from api.auth import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Iterator[Settings]:
    """Every API test runs twice: on a fresh SQLite file, and on a fresh PostgreSQL database
    (the second skips, saying why, unless PRACTICE_TEST_POSTGRES_URL names a server that answers)."""
    base = {"rasa_timeout": 5, "secret_key": SECRET, "var_dir": tmp_path / "var"}
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / 'var' / 'practice.db'}", **base)
        return
    with postgres_database() as url:
        yield Settings(database_url=url, **base)


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)


@pytest.fixture
async def running(app):
    """The app with its lifespan entered: migrated database, sessionmaker on ``app.state``."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def db(running):
    with running.state.sessionmaker() as session:
        yield session


@pytest.fixture
def make_user(running) -> Callable[..., User]:
    def _make(username: str, role: str = "learner", password: str = PASSWORD) -> User:
        with running.state.sessionmaker() as session:
            return create_user(session, username=username, password=password, role=role)

    return _make


def bearer(app, user: User, **kwargs: Any) -> dict[str, str]:
    token, _ = issue_access_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=app.state.secret_key,
        minutes=app.state.settings.access_token_minutes,
        **kwargs,
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client_for(running) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """``client_for(user)``: a client signed in as ``user`` (``None``: not signed in)."""
    clients: list[httpx.AsyncClient] = []

    def _client(user: User | None) -> httpx.AsyncClient:
        headers = bearer(running, user) if user is not None else {}
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=running), base_url="http://testserver", headers=headers)
        clients.append(c)
        return c

    yield _client
    for c in clients:
        await c.aclose()


@pytest.fixture
def learner(make_user) -> User:
    return make_user("lena", "learner")


@pytest.fixture
def client(client_for, learner) -> httpx.AsyncClient:
    return client_for(learner)


@pytest.fixture
def anon(client_for) -> httpx.AsyncClient:
    return client_for(None)


@pytest.fixture
def start(client) -> Callable[..., Any]:
    async def _start(scenario_id: str = "front_desk", *, as_client: httpx.AsyncClient | None = None) -> dict[str, Any]:
        response = await (as_client or client).post("/api/sessions", json={"scenario_id": scenario_id})
        assert response.status_code == 201, response.text
        return response.json()

    return _start


class World:
    """Two cohorts: ``course`` (facilitator fay, reviewer rae, learners lena and omar) and
    ``other`` (facilitator fred, reviewer rita, learner olga); and the admin ada."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)


@pytest.fixture
async def world(running, make_user, client_for, learner, client) -> World:
    users = {
        "ada": make_user("ada", "admin"),
        "fay": make_user("fay", "facilitator"),
        "rae": make_user("rae", "reviewer"),
        "omar": make_user("omar", "learner"),
        "fred": make_user("fred", "facilitator"),
        "rita": make_user("rita", "reviewer"),
        "olga": make_user("olga", "learner"),
        "lena": learner,
    }
    clients = {name: client_for(user) for name, user in users.items()}
    clients["lena"] = client
    admin = clients["ada"]
    course = (await admin.post("/api/cohorts", json={"name": "De-escalation, 3 March"})).json()
    other = (await admin.post("/api/cohorts", json={"name": "Compassion, 10 March"})).json()
    for cohort, members in (
        (course, {"fay": "facilitator", "rae": "reviewer", "lena": "learner", "omar": "learner"}),
        (other, {"fred": "facilitator", "rita": "reviewer", "olga": "learner"}),
    ):
        for name, role in members.items():
            r = await admin.put(f"/api/cohorts/{cohort['id']}/members/{users[name].id}", json={"role": role})
            assert r.status_code == 200, r.text
    return World(users=users, clients=clients, course=course, other=other, **clients)


@pytest.fixture
async def browser_for(running):
    """``browser_for(user)``: a cookie-carrying client as a signed-in browser would be."""
    clients: list[httpx.AsyncClient] = []

    def _client(
        user: User | None = None, *, minutes: int | None = None, now: datetime | None = None
    ) -> httpx.AsyncClient:
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=running), base_url="http://testserver", headers={"accept": "text/html"}
        )
        if user is not None:
            token, _ = issue_access_token(
                user_id=user.id,
                token_version=user.token_version,
                secret=running.state.secret_key,
                minutes=minutes or 30,
                now=now,
            )
            c.cookies.set(COOKIE, token)
        clients.append(c)
        return c

    yield _client
    for c in clients:
        await c.aclose()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)
