"""The supervisor reports a crashed server with its log, refuses a port in use, starts a server
that dies again with backoff, gives up on one that keeps dying at start, and stops everything
on SIGTERM. The servers here are tiny Python HTTP servers, so this runs in seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from practice.supervisor import RestartPolicy, Stack, StackConfig, StackError, _Service, free_port

# A server that writes its pid to argv[2] and answers GET / on argv[1], unless argv[3] exists:
# then it dies at once, as a server whose port is taken would.
FAKE_SERVER = (
    "import http.server, os, sys\n"
    "if os.path.exists(sys.argv[3]): sys.exit('cannot start: address already in use')\n"
    "open(sys.argv[2], 'w').write(str(os.getpid()))\n"
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()\n"
)
FAST = RestartPolicy(first_delay=0.2, max_delay=0.8, stable_after=60, max_start_failures=3, poll=0.05)


def fake_service(tmp_path: Path, port: int) -> _Service:
    return _Service(
        name="action server",
        argv=[sys.executable, "-c", FAKE_SERVER, str(port), str(tmp_path / "pid"), str(tmp_path / "broken")],
        health_url=f"http://127.0.0.1:{port}/",
        env=dict(os.environ),
        log_path=tmp_path / "log" / "actions.log",
    )


class FakeStack(Stack):
    """A stack of one fake server, on the port the config gives the action server."""

    def _build_services(self) -> list[_Service]:
        return [fake_service(self.config.state_dir, self.config.action_port)]


def fake_config(tmp_path: Path) -> StackConfig:
    return StackConfig(
        model=tmp_path / "model.tar.gz",
        state_dir=tmp_path,
        rasa_port=free_port(),
        action_port=free_port(),
        api_port=free_port(),
        restart=FAST,
    )


@pytest.fixture
def fake_stack(tmp_path: Path) -> Iterator[tuple[FakeStack, list[str]]]:
    reports: list[str] = []
    stack = FakeStack(fake_config(tmp_path), report=reports.append)
    stack.start(timeout=30)
    yield stack, reports
    stack.stop()


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_crashed_server_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", state_dir=tmp_path))
    service = _Service(
        name="action server",
        argv=[sys.executable, "-c", "import sys; print('cannot load actions.sdk'); sys.exit(3)"],
        health_url="http://127.0.0.1:9/health",
        env={},
        log_path=tmp_path / "actions.log",
    )
    stack._services = [service]
    stack._spawn(service)
    with pytest.raises(StackError) as raised:
        stack._wait_ready(30, [service])
    message = str(raised.value)
    assert "action server stopped unexpectedly (exit code 3)" in message
    assert "cannot load actions.sdk" in message
    assert stack.crashed() is service


def test_the_log_tail_leaves_out_earlier_runs_and_tracker_dumps(tmp_path: Path) -> None:
    service = fake_service(tmp_path, 9)
    service.log_path.parent.mkdir()
    service.log_path.write_text("learner said: my private words\n")
    service.log_start = service.log_path.stat().st_size
    with open(service.log_path, "a") as log:
        log.write("Starting\nCurrent tracker state: {'said': 'more private words'}\nOSError: port taken\n")
    assert service.log_tail() == "Starting\nOSError: port taken"


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", state_dir=tmp_path, api_port=port))
        with pytest.raises(StackError, match=f"Port {port} .* already in use"):
            stack.start()
    assert not (tmp_path / "run").exists()


def kill_and_time_restart(stack: Stack) -> float:
    """SIGKILL the server, as the OOM killer would; seconds until it answers again."""
    pid = stack.pid("action server")
    assert pid is not None
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: stack.pid("action server") not in (None, pid) and stack.is_ready("action server"))
    return time.monotonic() - killed


def test_a_server_that_dies_is_started_again_with_backoff(fake_stack: tuple[FakeStack, list[str]]) -> None:
    stack, reports = fake_stack
    first = kill_and_time_restart(stack)
    second = kill_and_time_restart(stack)
    assert 0.2 <= first < second and second >= 0.4
    deaths = [r for r in reports if "stopped unexpectedly" in r]
    assert len(deaths) == 2 and all("killed by SIGKILL" in r for r in deaths)
    assert "Starting it again in 0.2 s" in deaths[0] and "Starting it again in 0.4 s" in deaths[1]
    assert not any("What it wrote" in r for r in deaths), "a server that answered learners: no log lines"
    assert stack.crashed() is None and stack.gave_up is None
    assert httpx.get(stack._named("action server").health_url).status_code == 200


def test_the_backoff_doubles_up_to_its_cap() -> None:
    assert [RestartPolicy().delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_server_that_keeps_dying_at_start_is_given_up_on(
    fake_stack: tuple[FakeStack, list[str]], tmp_path: Path
) -> None:
    stack, reports = fake_stack
    (tmp_path / "broken").touch()
    pid = stack.pid("action server")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: stack.gave_up is not None)
    assert stack.gave_up is not None
    assert "died 3 times in a row before it answered; giving up" in stack.gave_up
    assert "cannot start: address already in use" in stack.gave_up  # why, from this start's log
    assert stack.crashed() is stack._named("action server")
    assert len([r for r in reports if r.startswith("Starting the action server again")]) == 3
    assert stack.wait() == stack.gave_up


SUPERVISOR = """
import sys
from pathlib import Path
from practice.supervisor import serve
from tests.test_supervisor import FakeStack, fake_config
sys.exit(serve(FakeStack(fake_config(Path(sys.argv[1]))), banner="up"))
"""


def test_sigterm_to_the_supervisor_stops_everything_and_a_death_does_not(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(tmp_path)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert supervisor.stdout is not None
        assert supervisor.stdout.readline().strip() == "up"  # started, and watching
        first = int(pid_file.read_text())
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: pid_file.read_text().strip() not in ("", str(first)))
        second = int(pid_file.read_text())
        assert supervisor.poll() is None, "one server dying does not stop the service"
        supervisor.send_signal(signal.SIGTERM)
        out, err = supervisor.communicate(timeout=30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert supervisor.returncode == 0, err
    assert "killed by SIGKILL" in err and "Starting the action server again" in err
    assert err.rstrip().endswith("Stopped.")
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)
