"""Simulated learners for the fault-injection tests (``test_fault_injection*.py``): each practises
through the public API in its own thread, retries as a patient client would, and remembers
exactly what it was told; afterwards the database and the transcripts are checked against that.

A refusal is a 5xx: 503 ``engine_unavailable`` (the turn is kept pending: the learner retries
it) or 503 ``database_unavailable`` (the connection broke mid-request: the turn may not be
stored, be pending, or even be answered with the answer lost on the way, so the learner
reloads the transcript and says it again, retries it, or takes the answer from there).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from practice.supervisor import Stack

LEARNERS = 10
RESUME_WITHIN = 60.0  # seconds from a fault until every learner has been answered again
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
UNAVAILABLE = ("engine_unavailable", "database_unavailable")  # the 503s, each with Retry-After


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

    def _refused(self, response: httpx.Response, *, conflict_ok: bool = False) -> str:
        """Check and note a refusal; its code. A 409 counts only after the database broke
        mid-request (the learner cannot know what was kept: it reloads next)."""
        allowed = (409, 502, 503, 504) if conflict_ok else (502, 503, 504)
        assert response.status_code in allowed, response.text
        code = str(response.json()["error"]["code"])
        if response.status_code == 503:
            assert code in UNAVAILABLE and response.headers.get("Retry-After"), (code, response.headers)
        self.refusals.append((time.monotonic(), response.status_code, code))
        return code

    def _start(self, api: httpx.Client, stop: threading.Event) -> str | None:
        while not stop.is_set():
            response = api.post("/api/sessions", json={"scenario_id": SCENARIO})
            if response.status_code == 201:
                session_id = str(response.json()["id"])
                self.told[session_id] = {}
                return session_id
            self._refused(response)  # a session may have been stored anyway: it has no turns
            time.sleep(RETRY_PAUSE)
        return None

    def _transcript(self, api: httpx.Client, session_id: str, drain_until: list[float]) -> dict[str, Any] | None:
        """The session as stored, asked again while refused; None once the test is over."""
        while True:
            response = api.get(f"/api/sessions/{session_id}")
            if response.status_code == 200:
                transcript: dict[str, Any] = response.json()
                return transcript
            self._refused(response)
            if time.monotonic() > drain_until[0]:
                return None
            time.sleep(RETRY_PAUSE)

    def _turn(self, api: httpx.Client, session_id: str, said: str, drain_until: list[float]) -> dict[str, Any] | None:
        sent = time.monotonic()
        response = api.post(f"/api/sessions/{session_id}/turns", json={"text": said})
        checked, database_broke = False, False
        while response.status_code != 200:
            code = self._refused(response, conflict_ok=database_broke)
            database_broke = database_broke or code == "database_unavailable"
            again = "retry"
            if database_broke or not checked:  # see what was kept
                transcript = self._transcript(api, session_id, drain_until)
                if transcript is None:
                    return None
                last = transcript["turns"][-1] if transcript["turns"] else None
                if not database_broke:  # the engine was away: the learner's words are kept, pending
                    assert last is not None and last["status"] == "pending" and last["learner_text"] == said, last
                    checked = True
                elif last is None or last["learner_text"] != said:
                    again = "say"  # never stored
                elif last["status"] == "answered":  # answered, the answer lost on its way back
                    self.answers.append(Answer(sent=sent, received=time.monotonic()))
                    return self._told(session_id, said, last, transcript["summary"])
                else:
                    assert last["status"] == "pending", last
            if time.monotonic() > drain_until[0]:
                return None  # the test is over: leave it pending
            time.sleep(RETRY_PAUSE)
            sent = time.monotonic()
            if again == "say":
                response = api.post(f"/api/sessions/{session_id}/turns", json={"text": said})
            else:
                response = api.post(f"/api/sessions/{session_id}/turns/retry")
        self.answers.append(Answer(sent=sent, received=time.monotonic()))
        body: dict[str, Any] = response.json()
        return self._told(session_id, said, body["turn"], body["summary"])

    def _told(self, session_id: str, said: str, turn: dict[str, Any], summary: Any) -> dict[str, Any]:
        assert turn["learner_text"] == said and turn["status"] == "answered" and turn["patient_lines"]
        assert turn["index"] not in self.told[session_id], "a turn answered twice"
        self.told[session_id][turn["index"]] = (said, turn["patient_lines"])
        return {"turn": turn, "summary": summary}

    def refused_since(self, when: float) -> list[str]:
        return [f"{status} {code}" for at, status, code in self.refusals if at > when]


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

    def failures(self) -> list[tuple[float, int | str, str]]:
        return [seen for seen in self.seen if seen[1] != 200]


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


def everyone_answered_since(learners: list[Learner], when: float) -> float:
    """Wait until every learner has been answered by a request sent after ``when``; the time then."""
    return wait_until(
        lambda: all(any(a.sent > when for a in learner.answers) for learner in learners),
        120,
        "every learner to be answered again",
    )


def refusals_since(learners: list[Learner], when: float) -> str:
    """``3 x 503 engine_unavailable, 1 x 504 engine_timeout``, or ``none``."""
    seen = Counter(what for learner in learners for what in learner.refused_since(when))
    return ", ".join(f"{n} x {what}" for what, n in seen.most_common()) or "none"


class Practice:
    """Ten learners (and a health watch) practising against ``stack`` until the block ends;
    then they finish the turn in flight (up to 30 s) and stop."""

    def __init__(self, stack: Stack, prefix: str) -> None:
        run_id = f"{time.time_ns():x}"[-8:]
        self.stack = stack
        self.learners = [
            Learner(name=name, token=sign_in(stack, name), base_url=stack.config.api_url)
            for name in (f"{prefix}-{run_id}-{n}" for n in range(LEARNERS))
        ]
        self.health = HealthWatch(f"{stack.config.api_url}/api/health")
        self._stop, self._drain_until = threading.Event(), [float("inf")]
        self._threads = [threading.Thread(target=lr.run, args=(self._stop, self._drain_until)) for lr in self.learners]
        self._threads.append(threading.Thread(target=self.health.run, args=(self._stop,)))

    def __enter__(self) -> Practice:
        for thread in self._threads:
            thread.start()
        try:
            wait_until(lambda: all(lr.answers for lr in self.learners), 120, "every learner's first answer")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._drain_until[0] = time.monotonic() + 30  # let a turn in flight finish, then stop
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=180)

    def check(self) -> None:
        """No learner failed, health always answered, and the database and transcripts agree."""
        for learner in self.learners:
            assert learner.error is None, f"{learner.name}: {learner.error!r}"
        assert self.health.seen and not self.health.failures(), self.health.failures()
        check_turns_and_transcripts(self.stack, self.learners)


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
                if status == "failed" or session_id not in learner.told:
                    # refused at its start, during an outage (or its start's answer was lost): never practised
                    assert not turns, (status, turns)
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
