"""Start, watch and stop the three servers of a practice service: Rasa, actions, API.

`practice run` and the end-to-end tests share this, so what the tests exercise is what a
learner runs. Each server is a child process in its own session (Ctrl-C reaches only the
supervisor, which then stops the children in order), logs to a file under the state
folder, and is polled until it answers. A child that dies is reported with the end of
its log, never hidden.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from actions.settings import DEFAULT_ACTION_PORT, DEFAULT_API_PORT, DEFAULT_RASA_PORT, DEFAULT_VAR_DIR, LOOPBACK
from actions.vocabulary import REPO_ROOT
from api.engine import learner_message, start_scenario_message, status_url, webhook_body, webhook_url
from practice.engine import CREDENTIALS, rasa_bin


class StackError(RuntimeError):
    """A server of the practice service could not start or stopped unexpectedly."""


@dataclass(frozen=True)
class StackConfig:
    """Where the three servers listen and keep their state. Loopback only by default."""

    model: Path
    host: str = LOOPBACK
    rasa_port: int = DEFAULT_RASA_PORT
    action_port: int = DEFAULT_ACTION_PORT
    api_port: int = DEFAULT_API_PORT
    state_dir: Path = DEFAULT_VAR_DIR
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def tracker_db(self) -> Path:
        """Rasa's tracker store: live conversations survive a Rasa restart."""
        return (self.state_dir / "rasa-trackers.db").resolve()

    @property
    def resolved_database_url(self) -> str:
        """The API's database: the one given, else SQLite in the state folder."""
        return self.database_url or f"sqlite:///{(self.state_dir / 'practice.db').resolve()}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}"


@dataclass
class _Service:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM if the supervisor dies without stopping us."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """An unused TCP port on `host` (for tests that run a stack beside `make run`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def write_endpoints(config: StackConfig, run_dir: Path) -> Path:
    """Rasa's endpoints file for this stack: our action server, trackers in SQLite under state."""
    endpoints = run_dir / "endpoints.yml"
    trackers = config.tracker_db
    endpoints.write_text(
        "action_endpoint:\n"
        f'  url: "{config.action_url}/webhook"\n'
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f'  db: "{trackers}"\n'
    )
    return endpoints


class Stack:
    """The Rasa server, the action server and the API, started and stopped together."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.run_dir = config.state_dir / "run"
        self.log_dir = config.state_dir / "log"
        self._services: list[_Service] = []

    def _build_services(self) -> list[_Service]:
        cfg = self.config
        base_env = {**os.environ, **cfg.extra_env}
        database_url = cfg.resolved_database_url
        endpoints = write_endpoints(cfg, self.run_dir)
        return [
            _Service(
                name="action server",
                argv=[sys.executable, "-m", "rasa_sdk", "--actions", "actions.sdk", "--port", str(cfg.action_port)],
                health_url=f"{cfg.action_url}/health",
                env={**base_env, "SANIC_HOST": cfg.host},
                log_path=self.log_dir / "actions.log",
            ),
            _Service(
                name="Rasa server",
                argv=[
                    str(rasa_bin()),
                    "run",
                    "--model",
                    str(cfg.model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(CREDENTIALS),
                    "--interface",
                    cfg.host,
                    "--port",
                    str(cfg.rasa_port),
                ],  # no --enable-api: the Rasa HTTP API stays off (CVE-2024-49375)
                health_url=status_url(cfg.rasa_url),
                env={**base_env, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"},
                log_path=self.log_dir / "rasa.log",
            ),
            _Service(
                name="API",
                argv=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:create_app",
                    "--factory",
                    "--host",
                    cfg.host,
                    "--port",
                    str(cfg.api_port),
                ],
                health_url=f"{cfg.api_url}/api/health",
                env={
                    **base_env,
                    "PRACTICE_RASA_URL": cfg.rasa_url,
                    "PRACTICE_DATABASE_URL": database_url,
                    "PRACTICE_VAR_DIR": str(cfg.state_dir.resolve()),  # its generated secret key lives here
                    "PRACTICE_ENGINE_TRACKER_URL": f"sqlite:///{cfg.tracker_db}",  # forgets ended conversations
                },
                log_path=self.log_dir / "api.log",
            ),
        ]

    def start(self, *, timeout: float = 300.0) -> None:
        """Start all three and wait until each answers; on any failure stop the rest and raise."""
        cfg = self.config
        for port in (cfg.rasa_port, cfg.action_port, cfg.api_port):
            if not port_is_free(cfg.host, port):
                raise StackError(
                    f"Port {port} on {cfg.host} is already in use. Is another `make run` running? "
                    "Stop it, or free the port."
                )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._services = self._build_services()
        try:
            for service in self._services:
                self._spawn(service)
            self._wait_ready(timeout, self._services)
            self._warm_up()
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _spawn(service: _Service) -> None:
        with open(service.log_path, "ab") as log:
            service.process = subprocess.Popen(
                service.argv,
                cwd=REPO_ROOT,
                env=service.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def _wait_ready(self, timeout: float, services: list[_Service]) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                crashed = self.crashed()
                if crashed:
                    raise StackError(self.describe_crash(crashed))
                for service in list(pending):
                    try:
                        if client.get(service.health_url).status_code < 500:
                            pending.remove(service)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    names = ", ".join(s.name for s in pending)
                    raise StackError(
                        f"Timed out after {timeout:.0f} s waiting for: {names}. See the logs in {self.log_dir}."
                    )
                if pending:
                    time.sleep(0.5)

    def _warm_up(self, scenario_id: str = "gp_reception_appointment") -> None:
        """One throwaway conversation, so a learner's first reply doesn't pay for loading.

        Rasa builds its TensorFlow graphs and the action server loads the cue scorer on
        first use; both take seconds. It goes straight to Rasa, so no practice session is
        recorded; a failure here is not fatal (the first real turn will just be slower).
        """
        sender = f"warm-up-{uuid.uuid4().hex}"
        url = webhook_url(self.config.rasa_url)
        messages = (start_scenario_message(scenario_id, "0"), learner_message("Can you tell me what happened?"))
        try:
            with httpx.Client(timeout=120.0) as client:
                for message in messages:
                    client.post(url, json=webhook_body(sender, message))
        except httpx.HTTPError:
            pass

    def crashed(self) -> _Service | None:
        """The first server whose process has exited, if any."""
        for service in self._services:
            if service.process is not None and service.process.poll() is not None:
                return service
        return None

    @staticmethod
    def describe_crash(service: _Service) -> str:
        code = service.process.returncode if service.process else "?"
        return (
            f"The {service.name} stopped unexpectedly (exit code {code}). "
            f"End of its log ({service.log_path}):\n{service.log_tail()}"
        )

    def _named(self, name: str) -> _Service:
        for service in self._services:
            if service.name == name:
                return service
        raise KeyError(f"no server named {name!r}; the servers are: {', '.join(s.name for s in self._services)}")

    def stop_service(self, name: str) -> None:
        """Stop one server (tests use it to show that a failure loses nothing)."""
        self._stop([self._named(name)])

    def start_service(self, name: str, *, timeout: float = 120.0) -> None:
        """Start one stopped server again and wait until it answers."""
        service = self._named(name)
        self._spawn(service)
        self._wait_ready(timeout, [service])

    def stop(self, *, grace: float = 10.0) -> None:
        """Stop the servers, API first so no request reaches a half-stopped engine."""
        self._stop(list(reversed(self._services)), grace=grace)

    @staticmethod
    def _stop(services: list[_Service], *, grace: float = 10.0) -> None:
        for service in services:
            process = service.process
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for service in services:
            process = service.process
            if process is None:
                continue
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
