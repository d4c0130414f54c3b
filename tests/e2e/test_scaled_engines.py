"""Two Rasa servers, one conversation: the scaled topology (`practice run --engines 2 --workers 2`).

The servers share a PostgreSQL tracker store and Rasa's Redis lock store (throwaway databases
on the server ``PRACTICE_TEST_POSTGRES_URL`` names; a redis-server of the test's own; the
test skips, saying why, without either). It proves that a conversation whose turns land on
different servers keeps its state and its order:

- sent turn by turn to alternating servers, a conversation gets exactly the replies it gets
  from one server (same seed, same words), so the second server picks up the first's state;
- sent all at once, half to each server, every turn is processed once, in a turn of its own:
  Rasa's lock store queues them across servers (two servers each reading the same tracker
  would number two turns alike);
- through the API's two workers, a learner's session is answered while one Rasa server is
  stopped mid-session: its turns go to the other (``api.engine.pool``), none lost or doubled;
- with Redis gone mid-session, a turn is refused 503 and kept pending; once Redis is back,
  retrying it answers it, once; the same for one engine's action server going away.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.engine import learner_message, start_scenario_message, webhook_body, webhook_url
from practice.supervisor import Stack, StackConfig, free_port, free_port_block, redis_answers
from tests.api.postgres import postgres_database

pytestmark = pytest.mark.e2e

SCENARIO = "gp_reception_appointment"
REPLIES = [
    "Hello, I'm sorry you've been kept waiting. What's happened?",
    "That sounds really frustrating.",
    "Calm down, please.",
    "So you swapped your shift and then the appointment was cancelled, is that right?",
    "What would help most right now?",
    "I can ask the duty doctor to call you this afternoon. Would that help?",
]
CALM_REPLIES = [REPLIES[0], REPLIES[1], REPLIES[3], REPLIES[4]]  # nothing that could end the session early
PASSWORD = "a long scaled-topology practice password"
REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """A Redis server of this test's own (nothing kept on disk), so it can be stopped mid-session
    without touching the machine's."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not redis_answers(self.url, timeout=0.5):
            assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="module")
def redis() -> Iterator[PrivateRedis]:
    if REDIS_SERVER is None:
        pytest.skip("the scaled topology's test needs redis-server (Debian's redis-server package) on PATH")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def scaled_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis: PrivateRedis
) -> Iterator[Stack]:
    redis_url = redis.url
    with postgres_database() as database_url, postgres_database(migrated=False) as tracker_url:
        model: Path = request.getfixturevalue("trained_model")
        base = free_port_block(5)  # two Rasa servers, two action servers, the API: consecutive ports
        config = StackConfig(
            model=model,
            rasa_port=base,
            action_port=base + 2,
            api_port=base + 4,
            state_dir=tmp_path_factory.mktemp("practice-scaled-state"),
            database_url=database_url,
            engine_tracker_url=tracker_url,
            redis_url=redis_url,
            engines=2,
            api_workers=2,
        )
        running = Stack(config)
        running.start(timeout=400)
        try:
            yield running
        finally:
            running.stop()  # before the databases are dropped


def converse_directly(stack: Stack, servers: list[int], seed: str = "7") -> list[list[Any]]:
    """A whole conversation sent straight to the Rasa servers, message n to ``servers[n % len]``."""
    sender = f"scaled-{uuid.uuid4().hex}"
    messages = [start_scenario_message(SCENARIO, seed), *(learner_message(said) for said in REPLIES)]
    urls = stack.config.rasa_urls
    replies = []
    with httpx.Client(timeout=120) as client:
        for n, message in enumerate(messages):
            response = client.post(webhook_url(urls[servers[n % len(servers)]]), json=webhook_body(sender, message))
            assert response.status_code == 200, response.text
            replies.append([m.get("custom") for m in response.json()])
    return replies


def test_turns_on_alternating_servers_get_what_one_server_gives(scaled_stack: Stack) -> None:
    on_one = converse_directly(scaled_stack, servers=[0])
    alternating = converse_directly(scaled_stack, servers=[0, 1])
    assert all(reply for reply in on_one)  # every message was answered
    assert alternating == on_one


def test_replies_sent_at_once_through_both_workers_are_answered_one_at_a_time(scaled_stack: Stack) -> None:
    """Four replies of one session at the same instant, each on its own connection (so both API
    workers take some) and spread over both Rasa servers: the session's lease lets one at a
    time reach the engine, so each is answered in a turn of its own. (Sent straight to two Rasa
    servers at once, Rasa 3.6's Redis lock store alone once let two of four share a turn, 1, 1,
    2, 3: the lease is what keeps one session's turns apart.)"""
    with closing(signed_in(scaled_stack)) as client:
        session = client.post("/api/sessions", json={"scenario_id": SCENARIO, "seed": 3}).json()
        headers = dict(client.headers)
    sender = session["id"]

    def send(n: int) -> int:
        with httpx.Client(base_url=scaled_stack.config.api_url, timeout=120, headers=headers) as own:
            return own.post(f"/api/sessions/{sender}/turns", json={"text": CALM_REPLIES[n]}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(send, range(4))) == [200, 200, 200, 200]
    with httpx.Client(base_url=scaled_stack.config.api_url, timeout=120, headers=headers) as owner:
        turns = owner.get(f"/api/sessions/{sender}").json()["turns"]
    assert sorted(turn["learner_text"] for turn in turns) == sorted(CALM_REPLIES)  # each once
    assert [turn["score_card"]["turn"] for turn in turns] == [1, 2, 3, 4]  # each in a turn of its own
    # The shared tracker holds the four replies, each followed by its own answer before the next.
    tracker = create_engine(scaled_stack.config.resolved_tracker_url)
    try:
        with tracker.connect() as connection:
            kinds = [
                row[0]
                for row in connection.execute(
                    text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
                )
            ]
    finally:
        tracker.dispose()
    user_at = [i for i, kind in enumerate(kinds) if kind == "user"]
    assert len(user_at) == 5  # the start and the four replies
    for here, after in zip(user_at, [*user_at[1:], len(kinds)], strict=True):
        assert "action" in kinds[here + 1 : after], f"a reply was not answered before the next: {kinds}"


def test_a_learner_goes_on_when_one_rasa_server_stops_mid_session(scaled_stack: Stack) -> None:
    from api.auth.bootstrap import create_user_at

    username = f"scaled-{uuid.uuid4().hex[:8]}"
    create_user_at(scaled_stack.config.resolved_database_url, role="learner", username=username, password=PASSWORD)
    base = scaled_stack.config.api_url
    with httpx.Client(base_url=base, timeout=120) as client:
        token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD}).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        session = client.post("/api/sessions", json={"scenario_id": SCENARIO, "seed": 5}).json()
        said = []
        try:
            for n, reply in enumerate(CALM_REPLIES):
                if n == 2:
                    scaled_stack.stop_service("Rasa server")  # the first server goes away mid-session
                response = client.post(f"/api/sessions/{session['id']}/turns", json={"text": reply})
                assert response.status_code == 200, response.text
                said.append(reply)
        finally:
            scaled_stack.start_service("Rasa server")
        transcript = client.get(f"/api/sessions/{session['id']}").json()
    turns = transcript["turns"]
    assert [turn["learner_text"] for turn in turns] == said  # each once, in order
    assert all(turn["status"] == "answered" for turn in turns)
    assert [turn["score_card"]["turn"] for turn in turns] == [1, 2, 3, 4]


def signed_in(stack: Stack) -> httpx.Client:
    from api.auth.bootstrap import create_user_at

    username = f"scaled-{uuid.uuid4().hex[:8]}"
    create_user_at(stack.config.resolved_database_url, role="learner", username=username, password=PASSWORD)
    client = httpx.Client(base_url=stack.config.api_url, timeout=120)
    token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD}).json()
    client.headers["Authorization"] = f"Bearer {token['access_token']}"
    return client


def retry_until_answered(client: httpx.Client, session_id: str, within: float = 60.0) -> dict[str, Any]:
    """Retry the pending turn, as the chat's Retry button does, until it is answered."""
    deadline = time.monotonic() + within
    while True:
        response = client.post(f"/api/sessions/{session_id}/turns/retry")
        if response.status_code == 200:
            return dict(response.json())
        assert response.status_code == 503 and "Retry-After" in response.headers, response.text
        assert time.monotonic() < deadline, f"still refused after {within:.0f} s: {response.text}"
        time.sleep(1.0)


def test_redis_going_away_mid_session_keeps_the_turn_for_a_retry(scaled_stack: Stack, redis: PrivateRedis) -> None:
    with closing(signed_in(scaled_stack)) as client:
        session = client.post("/api/sessions", json={"scenario_id": SCENARIO, "seed": 9}).json()
        first = client.post(f"/api/sessions/{session['id']}/turns", json={"text": CALM_REPLIES[0]})
        assert first.status_code == 200, first.text
        redis.stop()
        try:
            refused = client.post(f"/api/sessions/{session['id']}/turns", json={"text": CALM_REPLIES[1]})
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "engine_unavailable" and "Retry-After" in refused.headers
        finally:
            redis.start()
        retry_until_answered(client, session["id"])
        turns = client.get(f"/api/sessions/{session['id']}").json()["turns"]
    assert [turn["learner_text"] for turn in turns] == CALM_REPLIES[:2]  # the refused one kept, stored once
    assert [turn["status"] for turn in turns] == ["answered", "answered"]


def test_one_engine_s_action_server_going_away_keeps_the_turn_for_a_retry(scaled_stack: Stack) -> None:
    with closing(signed_in(scaled_stack)) as client:
        session = client.post("/api/sessions", json={"scenario_id": SCENARIO, "seed": 11}).json()
        scaled_stack.stop_service("action server")  # engine 1's; engine 2 keeps its own
        try:
            answered = 0
            for reply in CALM_REPLIES[:3]:
                response = client.post(f"/api/sessions/{session['id']}/turns", json={"text": reply})
                if response.status_code == 503:  # it reached engine 1: kept pending, retried
                    assert "Retry-After" in response.headers
                    retry_until_answered(client, session["id"])
                else:
                    assert response.status_code == 200, response.text
                answered += 1
        finally:
            scaled_stack.start_service("action server")
        turns = client.get(f"/api/sessions/{session['id']}").json()["turns"]
    assert answered == 3
    assert [turn["learner_text"] for turn in turns] == CALM_REPLIES[:3]
    assert all(turn["status"] == "answered" for turn in turns)
