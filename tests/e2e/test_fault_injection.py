"""Fault injection: ten learners practise while the Rasa server, then the action server, are
killed with SIGKILL (as a crash or the OOM killer would); the supervisor starts each again.

Throughout, ``/api/health`` answers. A turn sent during an outage is refused with a 5xx (503
``engine_unavailable`` with Retry-After while Rasa is down), kept as ``pending`` with the
learner's words, and the learner's retries succeed once the server is back: within
``RESUME_WITHIN`` seconds of each kill, every learner has been answered again. Afterwards every
turn in the database is answered once or still pending with its words, and each learner's
transcript is exactly what that learner was told.

The API's database is the default SQLite file, which has no connection to break; with
PostgreSQL this test would also ``pg_terminate_backend`` the API's connections (not done here).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from practice.supervisor import Stack

pytestmark = pytest.mark.e2e

LEARNERS = 10
RESUME_WITHIN = 60.0  # seconds from a kill until every learner has been answered again
THINK = 1.5  # seconds a learner takes between turns
RETRY_PAUSE = 1.0
PASSWORD = "a long fault-injection practice password"
SCENARIO = "gp_reception_appointment"
REPLIES = [
    "I can see how upset you are. Can you tell me what happened?",
    "That sounds really frustrating, and I'm sorry it happened.",
    "What would help you most right now?",
    "So you need someone to take this seriously today.",
    "I can book you the next appointment, or ask the doctor to call you. Which would you prefer?",
    "I'll do that for you right now.",
]


@dataclass
class Answer:
    sent: float  # when the request that got this answer was sent
    received: float


@dataclass
class Learner:
    """One simulated learner: practises through the public API and remembers what it was told."""

    name: str
    token: str
    base_url: str
    told: dict[str, dict[int, tuple[str, list[Any]]]] = field(default_factory=dict)  # session -> index -> (said, lines)
    answers: list[Answer] = field(default_factory=list)
    refusals: list[tuple[float, int, str]] = field(default_factory=list)  # (when, status, code)
    error: BaseException | None = None

    def run(self, stop: threading.Event, drain_until: list[float]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(base_url=self.base_url, headers=headers, timeout=120) as api:
                while not stop.is_set():
                    session_id = self._start(api, stop)
                    if session_id is None:
                        return
                    for said in REPLIES:
                        body = self._turn(api, session_id, said, drain_until)
                        if body is None or body["summary"] or stop.is_set():
                            break
                        time.sleep(THINK)
        except BaseException as exc:  # reported by the test, which cannot see a thread's failure
            self.error = exc

    def _refused(self, response: httpx.Response) -> None:
        assert response.status_code in (502, 503, 504), response.text
        code = response.json()["error"]["code"]
        if response.status_code == 503:
            assert code == "engine_unavailable" and response.headers.get("Retry-After"), response.headers
        self.refusals.append((time.monotonic(), response.status_code, code))

    def _start(self, api: httpx.Client, stop: threading.Event) -> str | None:
        while not stop.is_set():
            response = api.post("/api/sessions", json={"scenario_id": SCENARIO})
            if response.status_code == 201:
                session_id = str(response.json()["id"])
                self.told[session_id] = {}
                return session_id
            self._refused(response)
            time.sleep(RETRY_PAUSE)
        return None

    def _turn(self, api: httpx.Client, session_id: str, said: str, drain_until: list[float]) -> dict[str, Any] | None:
        sent = time.monotonic()
        response = api.post(f"/api/sessions/{session_id}/turns", json={"text": said})
        first_refusal = True
        while response.status_code != 200:
            self._refused(response)
            if first_refusal:  # the learner's words are kept while the engine is away
                turns = api.get(f"/api/sessions/{session_id}").json()["turns"]
                assert turns[-1]["status"] == "pending" and turns[-1]["learner_text"] == said, turns[-1]
                first_refusal = False
            if time.monotonic() > drain_until[0]:
                return None  # the test is over: leave it pending
            time.sleep(RETRY_PAUSE)
            sent = time.monotonic()
            response = api.post(f"/api/sessions/{session_id}/turns/retry")
        self.answers.append(Answer(sent=sent, received=time.monotonic()))
        body: dict[str, Any] = response.json()
        turn = body["turn"]
        assert turn["learner_text"] == said and turn["status"] == "answered" and turn["patient_lines"]
        assert turn["index"] not in self.told[session_id], "a turn answered twice"
        self.told[session_id][turn["index"]] = (said, turn["patient_lines"])
        return body


@dataclass
class HealthWatch:
    """Asks /api/health twice a second; every answer and failure is kept."""

    url: str
    seen: list[tuple[float, int | str, str]] = field(default_factory=list)  # (when, status or error, engine)

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.wait(0.5):
                try:
                    response = client.get(self.url)
                    self.seen.append((time.monotonic(), response.status_code, response.json().get("engine", "")))
                except httpx.HTTPError as exc:
                    self.seen.append((time.monotonic(), type(exc).__name__, ""))


def sign_in(stack: Stack, name: str) -> str:
    from api.auth.bootstrap import create_user_at

    create_user_at(stack.config.resolved_database_url, role="learner", username=name, password=PASSWORD)
    response = httpx.post(
        f"{stack.config.api_url}/api/auth/token", data={"username": name, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def wait_until(condition: Any, timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(0.2)
    return time.monotonic()


def kill(stack: Stack, server: str, learners: list[Learner]) -> tuple[float, float, str]:
    """SIGKILL the server: seconds until the supervisor had it answering, until every learner was
    answered, and the refusals learners saw meanwhile."""
    pid = stack.pid(server)
    assert pid is not None and stack.is_ready(server)
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    restarted = wait_until(
        lambda: stack.pid(server) not in (None, pid) and stack.is_ready(server), 120, f"the {server} to restart"
    )

    def everyone_answered() -> bool:
        return all(any(a.sent > killed for a in learner.answers) for learner in learners)

    resumed = wait_until(everyone_answered, 120, "every learner to be answered again")
    seen = Counter(
        f"{status} {code}" for learner in learners for when, status, code in learner.refusals if when > killed
    )
    assert seen, f"no learner noticed the {server} was down"
    return restarted - killed, resumed - killed, ", ".join(f"{n} x {what}" for what, n in seen.most_common())


def test_practice_survives_killed_servers(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = f"{time.time_ns():x}"[-8:]
    learners = [
        Learner(name=name, token=sign_in(stack, name), base_url=stack.config.api_url)
        for name in (f"fault-{run_id}-{n}" for n in range(LEARNERS))
    ]
    stop, drain_until = threading.Event(), [float("inf")]
    health = HealthWatch(f"{stack.config.api_url}/api/health")
    threads = [threading.Thread(target=learner.run, args=(stop, drain_until)) for learner in learners]
    threads.append(threading.Thread(target=health.run, args=(stop,)))
    for thread in threads:
        thread.start()
    recoveries: dict[str, tuple[float, float, str]] = {}
    try:
        wait_until(lambda: all(learner.answers for learner in learners), 120, "every learner's first answer")
        for server in ("Rasa server", "action server"):
            recoveries[server] = kill(stack, server, learners)
            time.sleep(THINK)
    finally:
        drain_until[0] = time.monotonic() + 30  # let a turn in flight finish, then stop
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
    with capsys.disabled():
        for server, (restarted, resumed, seen) in recoveries.items():
            print(
                f"\n{server} killed: answering again after {restarted:.1f} s, "
                f"every learner answered again after {resumed:.1f} s; refusals meanwhile: {seen}"
            )
    for learner in learners:
        assert learner.error is None, f"{learner.name}: {learner.error!r}"
    assert health.seen and all(status == 200 for _, status, _ in health.seen), [s for s in health.seen if s[1] != 200]
    for server, (_, resumed, _) in recoveries.items():
        assert resumed <= RESUME_WITHIN, f"practice resumed {resumed:.0f} s after the {server} was killed"
    check_turns_and_transcripts(stack, learners)


def check_turns_and_transcripts(stack: Stack, learners: list[Learner]) -> None:
    """Every stored turn is answered once or pending with its words, and is what the learner was told."""
    database = create_engine(stack.config.resolved_database_url)
    with database.connect() as db:
        for learner in learners:
            sessions = db.execute(
                text(
                    "SELECT s.id, s.status FROM practice_sessions s JOIN users u ON u.id = s.owner_id "
                    "WHERE u.username = :name"
                ),
                {"name": learner.name},
            ).all()
            assert {row.id for row in sessions} >= set(learner.told)
            for session_id, status in sessions:
                turns = db.execute(
                    text('SELECT "index", status, learner_text FROM turns WHERE session_id = :id ORDER BY "index"'),
                    {"id": session_id},
                ).all()
                if status == "failed":  # refused at its start, during an outage: never practised
                    assert not turns
                    continue
                assert [t.index for t in turns] == list(range(1, len(turns) + 1)), "no gaps, no duplicates"
                assert len({t.learner_text for t in turns}) == len(turns), "each thing said is stored once"
                assert all(t.status in ("answered", "pending", "failed") and t.learner_text for t in turns)
                assert all(t.status == "answered" for t in turns[:-1]), "only the last turn may wait"
                check_transcript(stack, learner, session_id)
    database.dispose()


def check_transcript(stack: Stack, learner: Learner, session_id: str) -> None:
    headers = {"Authorization": f"Bearer {learner.token}"}
    transcript = httpx.get(f"{stack.config.api_url}/api/sessions/{session_id}", headers=headers, timeout=30).json()
    answered = {
        turn["index"]: (turn["learner_text"], turn["patient_lines"])
        for turn in transcript["turns"]
        if turn["status"] == "answered"
    }
    assert answered == learner.told[session_id], f"{learner.name}'s transcript differs from what it was told"
