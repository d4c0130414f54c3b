"""Fault injection: ten learners practise while the Rasa server, then the action server, are
killed with SIGKILL (as a crash or the OOM killer would); the supervisor starts each again.

Throughout, ``/api/health`` answers. A turn sent during an outage is refused with a 5xx (503
``engine_unavailable`` with Retry-After while Rasa is down), kept as ``pending`` with the
learner's words, and the learner's retries succeed once the server is back: within
``RESUME_WITHIN`` seconds of each kill, every learner has been answered again. Afterwards every
turn in the database is answered once or still pending with its words, and each learner's
transcript is exactly what that learner was told.

The third fault, the API's database connections broken mid-practice, needs PostgreSQL (this
stack's database is the default SQLite file, which has no connection to break): see
``test_fault_injection_database.py``. The learners and the checks are ``tests/e2e/learners.py``.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from practice.supervisor import Stack
from tests.e2e.learners import (
    RESUME_WITHIN,
    THINK,
    Learner,
    Practice,
    everyone_answered_since,
    refusals_since,
    wait_until,
)

pytestmark = pytest.mark.e2e


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
    resumed = everyone_answered_since(learners, killed)
    seen = refusals_since(learners, killed)
    assert seen != "none", f"no learner noticed the {server} was down"
    return restarted - killed, resumed - killed, seen


def test_practice_survives_killed_servers(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    recoveries: dict[str, tuple[float, float, str]] = {}
    with Practice(stack, "fault") as practice:
        for server in ("Rasa server", "action server"):
            recoveries[server] = kill(stack, server, practice.learners)
            time.sleep(THINK)
    with capsys.disabled():
        for server, (restarted, resumed, seen) in recoveries.items():
            print(
                f"\n{server} killed: answering again after {restarted:.1f} s, "
                f"every learner answered again after {resumed:.1f} s; refusals meanwhile: {seen}"
            )
    for learner in practice.learners:
        assert learner.error is None, f"{learner.name}: {learner.error!r}"
    for server, (_, resumed, _) in recoveries.items():
        assert resumed <= RESUME_WITHIN, f"practice resumed {resumed:.0f} s after the {server} was killed"
    practice.check()
