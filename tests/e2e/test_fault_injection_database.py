"""Fault injection, the third fault: the API's database connections broken mid-practice.

A stack of its own whose API keeps its data in a throwaway PostgreSQL database (copied from a
migrated template on the server ``PRACTICE_TEST_POSTGRES_URL`` names, dropped afterwards;
without the variable the test skips, saying so). Ten learners practise as in
``test_fault_injection.py`` while every connection to that database is ended twice with
``pg_terminate_backend`` (as a database restart or an administrator would): once whenever it
comes (mostly idle connections in the API's pool), once at a moment one is busy with a request.

Throughout, ``/api/health`` answers. A request caught with its connection broken answers 503
``database_unavailable`` with Retry-After (never a 500, never a hang beyond the client's
timeout); the learner reloads the transcript and says it again, retries it, or takes the
answer from there. The API reconnects by itself (``pool_pre_ping``): within ``RESUME_WITHIN``
seconds of each break every learner has been answered again. Afterwards every turn in the
database is answered once, or pending or failed with its words, none twice, and each
learner's transcript is exactly what that learner was told.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from practice.supervisor import Stack, StackConfig, free_port
from tests.api.postgres import postgres_database
from tests.e2e.learners import RESUME_WITHIN, THINK, Learner, Practice, everyone_answered_since, refusals_since

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack like the shared one, its API on a fresh PostgreSQL database (skips without one)."""
    with postgres_database() as database_url:
        model: Path = request.getfixturevalue("trained_model")
        config = StackConfig(
            model=model,
            rasa_port=free_port(),
            action_port=free_port(),
            api_port=free_port(),
            state_dir=tmp_path_factory.mktemp("practice-postgres-state"),
            database_url=database_url,
        )
        running = Stack(config)
        running.start(timeout=400)
        try:
            yield running
        finally:
            running.stop()  # before the database is dropped


TERMINATE = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
# The same, only at a moment when one of those connections is busy with a request's query or
# transaction (so that request breaks, not just idle connections in the API's pool).
TERMINATE_MID_REQUEST = (
    f"{TERMINATE} AND EXISTS (SELECT 1 FROM pg_stat_activity "
    "WHERE datname = :db AND pid <> pg_backend_pid() AND state <> 'idle')"
)


def terminate_connections(database_url: str, *, mid_request: bool) -> int:
    """End every other connection to the database (the API's); how many there were. With
    ``mid_request``, wait (up to 20 s, then regardless) for a moment a request is using one."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    params = {"db": make_url(database_url).database}
    try:
        with admin.connect() as c:
            deadline = time.monotonic() + 20
            while mid_request and time.monotonic() < deadline:
                if ended := c.execute(text(TERMINATE_MID_REQUEST), params).all():
                    return len(ended)
            return len(c.execute(text(TERMINATE), params).all())
    finally:
        admin.dispose()


def break_connections(stack: Stack, learners: list[Learner], *, mid_request: bool) -> tuple[int, float, float, str]:
    """Terminate the API's connections: how many, seconds until the last refusal learners saw
    and until every learner was answered again, and those refusals."""
    broken = time.monotonic()
    ended = terminate_connections(stack.config.resolved_database_url, mid_request=mid_request)
    assert ended >= 1, "the API held no connection to the database to break"
    resumed = everyone_answered_since(learners, broken)
    refused_at = [at for learner in learners for at, _, _ in learner.refusals if at > broken]
    last_refusal = max(refused_at) - broken if refused_at else 0.0
    return ended, last_refusal, resumed - broken, refusals_since(learners, broken)


def test_practice_survives_broken_database_connections(
    postgres_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    breaks: list[tuple[int, float, float, str]] = []
    with Practice(postgres_stack, "dbfault") as practice:
        for mid_request in (False, True):  # idle pooled connections, then one a request is using
            breaks.append(break_connections(postgres_stack, practice.learners, mid_request=mid_request))
            time.sleep(THINK)
    with capsys.disabled():
        for n, (ended, last_refusal, resumed, seen) in enumerate(breaks, 1):
            print(
                f"\ndatabase connections broken ({n}/{len(breaks)}): {ended} ended; last refusal after "
                f"{last_refusal:.1f} s, every learner answered again after {resumed:.1f} s; refusals meanwhile: {seen}"
            )
    for learner in practice.learners:
        assert learner.error is None, f"{learner.name}: {learner.error!r}"
    for n, (_, _, resumed, _) in enumerate(breaks, 1):
        assert resumed <= RESUME_WITHIN, f"practice resumed {resumed:.0f} s after break {n}"
    practice.check()
