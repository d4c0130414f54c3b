"""Sign-in throttling (api/auth/throttle.py): failed sign-ins counted per username and per
address, in the database; past the limit 429 ``too_many_attempts`` with ``Retry-After``, no
password check, and the same answer for unknown usernames. A fake clock stands in for time."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.auth import passwords, signin
from api.auth.throttle import SignInThrottle, ThrottlePolicy, get_sign_in_throttle
from api.exceptions import TooManyAttempts, wait_in_words
from api.main import create_app
from api.models import SignInFailure
from tests.api.conftest import PASSWORD
from tests.api.fakes import SCENARIOS

WRONG = "not the password"
START = datetime(2026, 12, 13, 9, 0, tzinfo=UTC)


class Clock:
    """Time for the throttle: stands still unless a test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def use_clock(app: FastAPI, clock: Clock) -> None:
    def throttle() -> SignInThrottle:
        return SignInThrottle(ThrottlePolicy.from_settings(app.state.settings), app.state.secret_key, clock=clock)

    app.dependency_overrides[get_sign_in_throttle] = throttle


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch, cheap_password_hashing) -> None:
    """Unknown names are checked against a dummy hash made at import with the full cost; made
    cheap here too, as the conftest makes every other hash (the same code path)."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords.hash_password("not a real password"))


@pytest.fixture
def clock(running) -> Clock:
    clock = Clock()
    use_clock(running, clock)
    return clock


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Every password ``authenticate`` checks (a spy on ``verify_password``)."""
    checked: list[str] = []
    real = signin.verify_password

    def spy(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(signin, "verify_password", spy)
    return checked


@pytest.fixture
async def client_at(running) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """``client_at(address)``: an unsigned client whose requests come from ``address``."""
    clients: list[httpx.AsyncClient] = []

    def _client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=running, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield _client
    for c in clients:
        await c.aclose()


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/token", data={"username": username, "password": password})


def answer(r: httpx.Response) -> tuple[int, Any, str | None]:
    return r.status_code, r.json(), r.headers.get("retry-after")


async def test_twenty_wrong_passwords_in_a_minute_are_refused_after_the_limit(
    anon, learner, clock, verifications, settings
):
    limit = settings.signin_max_failures_per_account
    assert limit == 10  # the default
    statuses = []
    for attempt in range(20):
        r = await sign_in(anon, "lena", WRONG)
        statuses.append(r.status_code)
        if attempt == limit:  # the first refusal, 30 s after the first failure
            assert r.json()["error"]["code"] == "too_many_attempts"
            assert r.headers["retry-after"] == str(900 - 3 * limit)
            assert r.json()["error"]["message"] == "too many failed sign-in attempts; try again in 15 minutes"
        clock.advance(3)
    assert statuses == [401] * limit + [429] * (20 - limit)
    assert len(verifications) == limit  # no Argon2 work once refused


async def test_the_right_password_is_refused_while_throttled_and_works_after_the_window(
    anon, learner, clock, verifications, db
):
    for _ in range(10):
        assert (await sign_in(anon, "lena", WRONG)).status_code == 401
        clock.advance(1)
    checked = len(verifications)
    refused = await sign_in(anon, "lena")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    wait = int(refused.headers["retry-after"])
    assert wait == 900 - 10
    assert len(verifications) == checked  # the right password was not even looked at

    clock.advance(wait - 1)
    still = await sign_in(anon, "lena")
    assert still.status_code == 429 and still.headers["retry-after"] == "1"
    clock.advance(1)  # the first failure is out of the window: one slot is free
    r = await sign_in(anon, "lena")
    assert r.status_code == 200, r.text
    assert len(verifications) == checked + 1

    # A successful sign-in clears the account's failures: ten more wrong ones are allowed again.
    accounts = select(SignInFailure).where(SignInFailure.key_kind == "account")
    assert db.scalars(accounts).all() == []
    for _ in range(9):
        assert (await sign_in(anon, "lena", WRONG)).status_code == 401


async def test_an_unknown_account_is_throttled_exactly_like_a_real_one(anon, learner, clock, verifications):
    answers: dict[str, list[tuple[int, Any, str | None]]] = {}
    for username in ("lena", "nobody"):
        answers[username] = []
        for _ in range(12):
            answers[username].append(answer(await sign_in(anon, username, WRONG)))
            clock.advance(2)
        answers[username].append(answer(await sign_in(anon, username, PASSWORD)))
        clock.advance(3600)  # the next name starts with nothing in the window
    assert answers["lena"] == answers["nobody"]
    assert [status for status, _, _ in answers["nobody"]] == [401] * 10 + [429] * 3
    assert len(verifications) == 20  # ten each, and none for the unknown name once refused either


async def test_the_address_limit_counts_failures_across_usernames(client_at, make_user, clock, verifications, settings):
    make_user("lena")
    spray = client_at("203.0.113.7")
    limit = settings.signin_max_failures_per_address
    assert limit == 50  # the default
    for n in range(limit):  # one guess per name: no account reaches its own limit
        assert (await sign_in(spray, f"user{n}", WRONG)).status_code == 401
        clock.advance(1)
    refused = await sign_in(spray, "lena")  # a name not tried yet, its right password
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    assert refused.headers["retry-after"] == str(900 - limit)
    assert len(verifications) == limit
    # The account is not locked for everyone: another address signs in.
    assert (await sign_in(client_at("198.51.100.2"), "lena")).status_code == 200


async def test_the_web_sign_in_page_is_throttled_with_the_same_count(running, learner, clock, verifications, anon):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running), base_url="http://testserver", headers={"accept": "text/html"}
    ) as browser:
        for _ in range(5):
            assert (await sign_in(anon, "lena", WRONG)).status_code == 401  # the API's failures count here too
        for _ in range(5):
            page = await browser.post("/sign-in", data={"username": "lena", "password": WRONG})
            assert page.status_code == 401
        clock.advance(60)
        page = await browser.post("/sign-in", data={"username": "lena", "password": PASSWORD, "next": "/practise"})
    assert page.status_code == 429
    assert page.headers["retry-after"] == str(900 - 60)
    assert "set-cookie" not in page.headers
    text = html.unescape(page.text)
    assert "Please wait 14 minutes and try again" in text
    assert 'value="lena"' in page.text  # the typed username is kept
    assert len(verifications) == 10
    assert (await sign_in(anon, "lena")).status_code == 429  # and the API refuses too


async def test_the_limits_come_from_the_settings(settings, engine, verifications):
    strict = settings.model_copy(
        update={"signin_max_failures_per_account": 2, "signin_max_failures_per_address": 3, "signin_window_seconds": 5}
    )
    app = create_app(strict, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    clock = Clock()
    use_clock(app, clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c,
    ):
        assert [(await sign_in(c, "nobody", WRONG)).status_code for _ in range(3)] == [401, 401, 429]
        assert (await sign_in(c, "someone", WRONG)).status_code == 401  # the address's third failure
        r = await sign_in(c, "someone-else", WRONG)
        assert r.status_code == 429 and r.headers["retry-after"] == "5"
        clock.advance(5)
        assert (await sign_in(c, "nobody", WRONG)).status_code == 401
    assert len(verifications) == 4


async def test_every_worker_counts_the_same_failures(settings, engine, running, learner, anon, clock):
    """A second app on the same database (another uvicorn worker) sees the first one's failures."""
    for _ in range(10):
        assert (await sign_in(anon, "lena", WRONG)).status_code == 401
    other = create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    use_clock(other, clock)
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://testserver") as c,
    ):
        assert (await sign_in(c, "lena")).status_code == 429


async def test_only_keyed_hashes_are_stored(anon, learner, clock, db, settings):
    await sign_in(anon, "lena", WRONG)
    rows = db.scalars(select(SignInFailure)).all()
    assert sorted(row.key_kind for row in rows) == ["account", "address"]
    stored = " ".join(row.key for row in rows)
    assert "lena" not in stored and "127.0.0.1" not in stored
    assert all(len(row.key) == 64 for row in rows)
    other_secret = SignInThrottle(ThrottlePolicy.from_settings(settings), "another secret")
    assert other_secret.key("account", "lena") not in stored  # keyed: the secret is needed to match a name


async def test_old_failures_are_pruned_as_new_ones_come_in(anon, clock, db):
    for _ in range(3):
        await sign_in(anon, "nobody", WRONG)
    clock.advance(900)
    await sign_in(anon, "someone", WRONG)
    rows = db.scalars(select(SignInFailure)).all()
    assert {row.at for row in rows} == {clock.now} and len(rows) == 2


def test_a_refusal_waits_at_least_a_second_and_words_it() -> None:
    assert TooManyAttempts(0).headers == {"Retry-After": "1"}
    refusal = TooManyAttempts(61)
    assert (refusal.status_code, refusal.code, refusal.retry_after) == (429, "too_many_attempts", 61)
    assert [wait_in_words(s) for s in (1, 45, 60, 61, 900)] == [
        "1 second",
        "45 seconds",
        "1 minute",
        "2 minutes",
        "15 minutes",
    ]


async def test_the_openapi_document_describes_the_refusal(anon):
    doc = (await anon.get("/openapi.json")).json()
    refused = doc["paths"]["/api/auth/token"]["post"]["responses"]["429"]
    assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert refused["headers"]["Retry-After"]["schema"]["type"] == "integer"


async def test_a_class_signing_in_at_once_from_one_address_waits_a_moment_and_is_never_locked_out(
    running, client_at, make_user, clock, verifications, settings
):
    """Fifty attempts still checking their passwords fill the address's count: the next is told
    to try again in a moment (503, Retry-After: 2), not locked out for minutes (429), since
    nobody has failed; once those attempts settle as failures, the address is locked out."""
    make_user("lena")
    throttle = SignInThrottle(ThrottlePolicy.from_settings(settings), running.state.secret_key, clock=clock)
    with running.state.sessionmaker() as db:
        in_flight = [
            throttle.begin(db, username=f"learner{n}", address="192.0.2.10")
            for n in range(settings.signin_max_failures_per_address)
        ]
    room = client_at("192.0.2.10")
    crowded = await sign_in(room, "lena")
    assert crowded.status_code == 503 and crowded.json()["error"]["code"] == "service_busy"
    assert crowded.headers["retry-after"] == "2" and verifications == []
    with running.state.sessionmaker() as db:  # the class's sign-ins finish: every one succeeded
        for attempt in in_flight:
            throttle.withdrawn(db, attempt)
        db.commit()
    assert (await sign_in(room, "lena")).status_code == 200  # the deferred one, a moment later
    with running.state.sessionmaker() as db:  # fifty wrong passwords instead: real failures
        for n in range(settings.signin_max_failures_per_address):
            throttle.failed(db, throttle.begin(db, username=f"guess{n}", address="192.0.2.10"))
        db.commit()
    assert (await sign_in(room, "lena")).status_code == 429
