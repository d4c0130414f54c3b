"""Start, watch and stop the three servers of a practice service: Rasa, actions, API.

`practice run` and the end-to-end tests share this, so what the tests exercise is what a
learner runs. Each server is a child process in its own session (Ctrl-C reaches only the
supervisor, which then stops the children in order), logs to a file under the state
folder, and is polled until it answers. A child that dies is reported with the end of
its log, never hidden.

Once started, a watcher thread keeps the service up: a server that dies is started again
after 1 s, 2 s, 4 s ... (at most 30 s; back to 1 s once it has stayed up for two minutes),
each death and restart reported with the exit code and the log's path. Only Ctrl-C or SIGTERM
to the supervisor (`serve`), or a server that keeps dying before it ever answers (it gives up
after a few attempts), stops the whole service.

What is printed from a log: only for a server that died before it answered (a start failure,
where the log says why: a port taken, a bad model) and only what this start wrote, without
lines that look like tracker dumps. A server that has been answering may have logged what a
learner said (Rasa dumps trackers on action failures), so for it the message names the log
file and nothing from it; no filter of free text could promise to catch every learner word.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from actions.settings import (
    DEFAULT_ACTION_PORT,
    DEFAULT_API_PORT,
    DEFAULT_RASA_PORT,
    DEFAULT_REDIS_URL,
    DEFAULT_VAR_DIR,
    LOOPBACK,
)
from actions.vocabulary import REPO_ROOT
from api.engine import learner_message, start_scenario_message, status_url, webhook_body, webhook_url
from practice.engine import CREDENTIALS, RASA_LOGGING, RASA_LOGGING_CONFIG, rasa_bin, rasa_env


class StackError(RuntimeError):
    """A server of the practice service could not start or stopped unexpectedly."""


@dataclass(frozen=True)
class RestartPolicy:
    """When a server that died is started again, and when the supervisor gives up on it."""

    first_delay: float = 1.0  # seconds before the first restart; doubled for each death in a row
    max_delay: float = 30.0
    stable_after: float = 120.0  # answering this long, and the next death counts as the first again
    max_start_failures: int = 5  # deaths in a row before it ever answered: give up
    ready_timeout: float = 300.0  # a restarted server not answering by then is killed (a start failure)
    poll: float = 0.5

    def delay(self, deaths: int) -> float:
        return float(min(self.first_delay * 2 ** max(deaths - 1, 0), self.max_delay))


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
    # Where the API writes authored scenario versions and the action servers read them; unset:
    # `scenarios/` in the state folder (`var/scenarios` under `practice run`, as the setting).
    authored_scenario_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    # The scaled topology (docs/DESIGN.md, "Scaling out"): Rasa servers on rasa_port, +1, ...,
    # each with its own action server on action_port, +1, ...; API worker processes.
    engines: int = 1
    api_workers: int = 1
    redis_url: str = DEFAULT_REDIS_URL  # Rasa's lock store, when there is more than one engine
    # Where the Rasa servers keep trackers: None means SQLite in the state folder for one
    # engine, and a database beside the API's on its PostgreSQL server for several.
    engine_tracker_url: str | None = None

    @property
    def scaled(self) -> bool:
        return self.engines > 1 or self.api_workers > 1

    @property
    def sqlite_trackers(self) -> bool:
        """Rasa keeps trackers in the SQLite file ``tracker_db``: one engine, no store named."""
        return self.engines == 1 and not self.engine_tracker_url

    @property
    def tracker_db(self) -> Path:
        """Rasa's tracker store with one engine: live conversations survive a Rasa restart."""
        return (self.state_dir / "rasa-trackers.db").resolve()

    @property
    def resolved_authored_dir(self) -> Path:
        """The authored scenario directory every server of the stack shares."""
        return (self.authored_scenario_dir or self.state_dir / "scenarios").resolve()

    @property
    def resolved_database_url(self) -> str:
        """The API's database: the one given, else SQLite in the state folder."""
        return self.database_url or f"sqlite:///{(self.state_dir / 'practice.db').resolve()}"

    @property
    def resolved_tracker_url(self) -> str:
        """The tracker store's database, as the API's SQLAlchemy names it (it forgets ended
        conversations there): given, else SQLite for one engine, else ``<api database>_engine``
        on the API's PostgreSQL server (several Rasa servers must share one)."""
        if self.sqlite_trackers:
            return f"sqlite:///{self.tracker_db}"
        if self.engine_tracker_url:
            return self.engine_tracker_url
        api_database = make_url(self.resolved_database_url)
        return api_database.set(database=f"{api_database.database}_engine").render_as_string(hide_password=False)

    def check_topology(self) -> None:
        """Refuse a topology that cannot work, saying what to change."""
        if self.scaled and not self.resolved_database_url.startswith("postgresql"):
            raise StackError(
                f"{self.engines} engine(s) and {self.api_workers} API worker(s) need a PostgreSQL database that "
                "every process shares (SQLite allows one writer at a time): set PRACTICE_DATABASE_URL, e.g. "
                "postgresql+psycopg://postgres@127.0.0.1:5432/test"
            )
        if self.engines > 1 and not self.resolved_tracker_url.startswith("postgresql"):
            raise StackError(
                "several Rasa servers share one tracker store: PRACTICE_ENGINE_TRACKER_URL must be PostgreSQL"
            )

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://{self.host}:{self.rasa_port + i}" for i in range(self.engines)]

    @property
    def action_urls(self) -> list[str]:
        return [f"http://{self.host}:{self.action_port + i}" for i in range(self.engines)]

    @property
    def ports(self) -> list[int]:
        return [
            *(self.rasa_port + i for i in range(self.engines)),
            *(self.action_port + i for i in range(self.engines)),
            self.api_port,
        ]

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        """The first Rasa server's address."""
        return self.rasa_urls[0]


@dataclass
class _Service:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    # Restart state, kept by the watcher (all times are time.monotonic()).
    started_at: float = 0.0
    ready_at: float | None = None  # when this run first answered its health check
    log_start: int = 0  # the log's size when this run started: its own output begins there
    deaths: int = 0  # in a row: sets the backoff; forgotten once it stays up RestartPolicy.stable_after
    start_failures: int = 0  # deaths in a row before answering: RestartPolicy.max_start_failures gives up
    restart_at: float | None = None  # down, to be started again at this time
    held: bool = False  # stopped on purpose (stop_service): left down

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 25) -> str:
        """The last lines this run wrote, leaving out any that look like a tracker dump."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_start)
                text = log.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        kept = [line for line in text.splitlines() if not any(mark in line.lower() for mark in _DUMP_MARKS)]
        return "\n".join(kept[-lines:]) or "(nothing)"


_DUMP_MARKS = ("tracker", "slot", "learner_reply", "said", "event")  # lines that may quote a conversation


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


TRACKER_URL_ENV = "RASA_TRACKER_STORE_URL"  # only in the Rasa servers' environment: it may hold a password
LOCK_PASSWORD_ENV = "RASA_LOCK_STORE_PASSWORD"


def free_port_block(size: int, host: str = "127.0.0.1", tries: int = 100) -> int:
    """The first of ``size`` consecutive free TCP ports: a scaled stack's Rasa servers and action
    servers each take the ports after their first (tests and the load bench start stacks
    beside `make run`)."""
    for _ in range(tries):
        base = free_port(host)
        if base + size <= 65536 and all(port_is_free(host, base + i) for i in range(1, size)):
            return base
    raise StackError(f"found no {size} consecutive free ports on {host}")


def write_endpoints(config: StackConfig, run_dir: Path, engine: int = 0) -> Path:
    """Rasa's endpoints file for engine ``engine`` (from 0): its own action server; trackers in
    SQLite under state for one engine; for several, the shared PostgreSQL tracker store and
    Redis lock store, Rasa's own way to run replicated servers (secrets stay in the environment)."""
    endpoints = run_dir / ("endpoints.yml" if engine == 0 else f"endpoints-{engine + 1}.yml")
    text = f'action_endpoint:\n  url: "{config.action_urls[engine]}/webhook"\n'
    if config.sqlite_trackers:
        text += f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{config.tracker_db}"\n'
    else:
        # Unquoted: Rasa expands ${VAR} only in plain YAML scalars.
        text += f"tracker_store:\n  type: SQL\n  url: ${{{TRACKER_URL_ENV}}}\n"
    if config.engines > 1:
        redis = urlsplit(config.redis_url)
        text += (
            "lock_store:\n"
            "  type: redis\n"
            f'  url: "{redis.hostname or LOOPBACK}"\n'
            f"  port: {redis.port or 6379}\n"
            f"  db: {int(redis.path.strip('/') or 0)}\n"
            f"  key_prefix: {lock_key_prefix(config)}\n"
        )
        if redis.password:
            text += f"  password: ${{{LOCK_PASSWORD_ENV}}}\n"
    endpoints.write_text(text)
    return endpoints


def lock_key_prefix(config: StackConfig) -> str:
    """Rasa's lock keys for this stack (alphanumeric, as Rasa requires): stacks sharing a Redis stay apart."""
    return "practice" + hashlib.sha256(str(config.state_dir.resolve()).encode()).hexdigest()[:12]


def rasa_tracker_url(tracker_url: str) -> str:
    """The tracker store's URL for Rasa's own SQLAlchemy 1.4, which has psycopg2, not psycopg 3."""
    url = make_url(tracker_url)
    if url.drivername.startswith("postgresql"):
        url = url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it does not exist yet, so that one
    command starts the scaled topology. Creating it connects to the server's ``postgres``
    maintenance database; a server that allows neither says so, naming the database."""
    target = make_url(url)
    where = target.render_as_string(hide_password=True)
    if _answers_sql(target):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection, contextlib.suppress(ProgrammingError, IntegrityError):
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))  # suppressed: made meanwhile
    except OperationalError as exc:
        raise StackError(f"Could not reach or create the PostgreSQL database {where}: {exc.orig}") from exc
    finally:
        admin.dispose()


def _answers_sql(url: URL) -> bool:
    database = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with database.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        database.dispose()


def use_write_ahead_log(sqlite_file: Path) -> None:
    """Put Rasa's SQLite tracker store in write-ahead-log mode before Rasa opens it (the mode
    is kept in the file; Rasa's own SQLAlchemy engine sets no pragmas): Rasa reads a tracker
    while it writes another's events, and a journal rewrite per commit was the slowest part of
    a turn's storage (docs/DESIGN.md, "Under load")."""
    sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(sqlite_file)) as trackers:
        trackers.execute("PRAGMA journal_mode=WAL")


def redis_answers(redis_url: str, timeout: float = 2.0) -> bool:
    """True if a Redis server answers PING at ``redis_url`` (no client library needed for this)."""
    parts = urlsplit(redis_url)
    try:
        with socket.create_connection((parts.hostname or LOOPBACK, parts.port or 6379), timeout=timeout) as conn:
            if parts.password:
                conn.sendall(f"AUTH {parts.password}\r\n".encode())
                conn.recv(64)
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class Stack:
    """The Rasa server, the action server and the API, started and stopped together."""

    def __init__(self, config: StackConfig, *, report: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.run_dir = config.state_dir / "run"
        self.log_dir = config.state_dir / "log"
        self._services: list[_Service] = []
        self.report = report or _report  # where deaths and restarts are told
        self.gave_up: str | None = None  # why the watcher gave up on a server, if it did
        self._gave_up_on: _Service | None = None
        self._lock = threading.RLock()  # the watcher and stop_service/start_service share the services
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def _build_services(self) -> list[_Service]:
        """Per engine an action server then its Rasa server, then the API (stopped in reverse)."""
        cfg = self.config
        base_env = {**os.environ, **cfg.extra_env}
        # The API writes authored versions where every action server reads them (no restart).
        base_env["PRACTICE_AUTHORED_SCENARIO_DIR"] = str(cfg.resolved_authored_dir)
        tracker_url = cfg.resolved_tracker_url
        services: list[_Service] = []
        for engine in range(cfg.engines):
            suffix = "" if engine == 0 else f" {engine + 1}"
            log_suffix = "" if engine == 0 else f"-{engine + 1}"
            services.append(
                _Service(
                    name=f"action server{suffix}",
                    argv=[
                        sys.executable,
                        "-m",
                        "rasa_sdk",
                        "--actions",
                        "actions.sdk",
                        "--port",
                        str(cfg.action_port + engine),
                    ],
                    health_url=f"{cfg.action_urls[engine]}/health",
                    env={**base_env, "SANIC_HOST": cfg.host},
                    log_path=self.log_dir / f"actions{log_suffix}.log",
                )
            )
            engine_env = rasa_env(base_env)
            engine_env[TRACKER_URL_ENV] = rasa_tracker_url(tracker_url)
            engine_env["PYTHONPATH"] = str(RASA_LOGGING)  # the log filter `--logging-config-file` loads
            if password := urlsplit(cfg.redis_url).password:
                engine_env[LOCK_PASSWORD_ENV] = password
            services.append(
                _Service(
                    name=f"Rasa server{suffix}",
                    argv=[
                        str(rasa_bin()),
                        "run",
                        "--model",
                        str(cfg.model),
                        "--endpoints",
                        str(write_endpoints(cfg, self.run_dir, engine)),
                        "--credentials",
                        str(CREDENTIALS),
                        "--interface",
                        cfg.host,
                        "--port",
                        str(cfg.rasa_port + engine),
                        "--logging-config-file",
                        str(RASA_LOGGING_CONFIG),
                    ],  # no --enable-api: the Rasa HTTP API stays off (CVE-2024-49375)
                    health_url=status_url(cfg.rasa_urls[engine]),
                    env=engine_env,
                    log_path=self.log_dir / f"rasa{log_suffix}.log",
                )
            )
        workers = ["--workers", str(cfg.api_workers)] if cfg.api_workers > 1 else []
        services.append(
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
                    *workers,
                    # Only PRACTICE_TRUSTED_PROXIES decides whose X-Forwarded-* to believe
                    # (api/security_headers.py); uvicorn's own default would trust 127.0.0.1.
                    "--no-proxy-headers",
                ],
                health_url=f"{cfg.api_url}/api/health",
                env={
                    **base_env,
                    "PRACTICE_RASA_URL": ",".join(cfg.rasa_urls),  # api/engine/pool.py spreads turns over them
                    "PRACTICE_DATABASE_URL": cfg.resolved_database_url,
                    "PRACTICE_VAR_DIR": str(cfg.state_dir.resolve()),  # its generated secret key lives here
                    "PRACTICE_ENGINE_TRACKER_URL": tracker_url,  # forgets ended conversations
                },
                log_path=self.log_dir / "api.log",
            )
        )
        return services

    def start(self, *, timeout: float = 300.0) -> None:
        """Start all three, wait until each answers, then watch them; on any failure stop the rest and raise.

        A server that dies during this first start is not retried: it is reported at once (a
        port taken, a missing model), since someone is there to read it.
        """
        cfg = self.config
        cfg.check_topology()
        for port in cfg.ports:
            if not port_is_free(cfg.host, port):
                raise StackError(
                    f"Port {port} on {cfg.host} is already in use. Is another `make run` running? "
                    "Stop it, or free the port."
                )
        if cfg.engines > 1 and not redis_answers(cfg.redis_url):
            redis = urlsplit(cfg.redis_url)
            where = f"{redis.hostname}:{redis.port or 6379}"
            raise StackError(
                f"{cfg.engines} Rasa servers share a Redis lock store, and no Redis answers at {where} "
                "(PRACTICE_REDIS_URL). Start Redis, or run one engine."
            )
        for url in (cfg.resolved_database_url, cfg.resolved_tracker_url):
            if url.startswith("postgresql"):
                ensure_postgres_database(url)
        if cfg.sqlite_trackers:
            use_write_ahead_log(cfg.tracker_db)
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
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._watch, name="practice-supervisor", daemon=True)
        self._watcher.start()

    @staticmethod
    def _spawn(service: _Service) -> None:
        with open(service.log_path, "ab") as log:
            service.log_start = log.tell()
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
        service.started_at = time.monotonic()
        service.ready_at = None
        service.restart_at = None

    @staticmethod
    def _answers(client: httpx.Client, service: _Service) -> bool:
        try:
            return client.get(service.health_url).status_code < 500
        except httpx.HTTPError:
            return False

    def _wait_ready(self, timeout: float, services: list[_Service]) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                crashed = self.crashed()
                if crashed:
                    raise StackError(self.describe_crash(crashed))
                for service in list(pending):
                    if service.ready_at is not None or self._answers(client, service):
                        service.ready_at = service.ready_at or time.monotonic()
                        pending.remove(service)
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
        messages = (start_scenario_message(scenario_id, "0"), learner_message("Can you tell me what happened?"))
        with httpx.Client(timeout=120.0) as client:
            for rasa_url in self.config.rasa_urls:
                sender = f"warm-up-{uuid.uuid4().hex}"
                try:
                    for message in messages:
                        client.post(webhook_url(rasa_url), json=webhook_body(sender, message))
                except httpx.HTTPError:
                    pass

    def _watch(self) -> None:
        """The watcher thread: every `poll` seconds, look after each server until `stop`."""
        policy = self.config.restart
        with httpx.Client(timeout=1.0) as client:
            while not self._stopping.wait(policy.poll):
                with self._lock:
                    for service in self._services:
                        if not service.held and self.gave_up is None:
                            self._look_after(service, client, policy)

    def _look_after(self, service: _Service, client: httpx.Client, policy: RestartPolicy) -> None:
        now = time.monotonic()
        if service.alive:
            if service.ready_at is None and self._answers(client, service):
                service.ready_at, service.start_failures = now, 0
                self.report(f"The {service.name} answers again ({now - service.started_at:.0f} s after its start).")
            elif service.ready_at is None and now - service.started_at > policy.ready_timeout:
                self.report(f"The {service.name} has not answered in {policy.ready_timeout:.0f} s; killing it.")
                _kill_group(service, signal.SIGKILL)
            elif service.ready_at is not None and now - service.ready_at > policy.stable_after:
                service.deaths = 0  # it has stayed up: the next death starts the backoff afresh
        elif service.restart_at is None and service.process is not None:  # it has just died
            _kill_group(service, signal.SIGKILL)  # anything it started must not keep its port
            service.deaths += 1
            if service.ready_at is None:
                service.start_failures += 1
            if service.start_failures >= policy.max_start_failures:
                self._gave_up_on = service
                self.gave_up = (
                    f"{self.describe_crash(service)}\nThe {service.name} died {service.start_failures} times "
                    "in a row before it answered; giving up on it."
                )
                self.report(self.gave_up)
                return
            service.restart_at = now + policy.delay(service.deaths)
            self.report(f"{self.describe_crash(service)}\nStarting it again in {policy.delay(service.deaths):g} s.")
        elif service.restart_at is not None and now >= service.restart_at:
            self.report(f"Starting the {service.name} again (restart {service.deaths}).")
            self._spawn(service)

    def crashed(self) -> _Service | None:
        """The first server that died and will not be started again, if any: during `start`
        (before the watcher runs) any server that died; after, only one the watcher gave up on."""
        if self._gave_up_on is not None or self._watcher is not None:
            return self._gave_up_on
        return next((s for s in self._services if s.process is not None and not s.alive and not s.held), None)

    @staticmethod
    def describe_crash(service: _Service) -> str:
        """Which server died and how, and where its log is; the log's end only if it never answered."""
        code = service.process.returncode if service.process else None
        how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        message = f"The {service.name} stopped unexpectedly ({how}). Its log: {service.log_path}"
        if service.ready_at is None:
            message += f"\nWhat it wrote before it could answer:\n{service.log_tail()}"
        return message

    def wait(self) -> str:
        """Block while the service is up; return why the watcher gave up on a server."""
        while self.gave_up is None:
            time.sleep(0.5)
        return self.gave_up

    def _named(self, name: str) -> _Service:
        for service in self._services:
            if service.name == name:
                return service
        raise KeyError(f"no server named {name!r}; the servers are: {', '.join(s.name for s in self._services)}")

    def pid(self, name: str) -> int | None:
        """The process id of a running server (fault-injection tests kill it)."""
        service = self._named(name)
        return service.process.pid if service.process is not None and service.alive else None

    def is_ready(self, name: str) -> bool:
        """The server is running and has answered since it was (re)started."""
        service = self._named(name)
        return service.alive and service.ready_at is not None

    def stop_service(self, name: str) -> None:
        """Stop one server and leave it down (tests use it to show that a failure loses nothing)."""
        service = self._named(name)
        with self._lock:
            service.held, service.restart_at = True, None
            self._stop([service])

    def start_service(self, name: str, *, timeout: float = 120.0) -> None:
        """Start one stopped server again, wait until it answers, and watch it again."""
        service = self._named(name)
        with self._lock:
            service.held, service.deaths, service.start_failures = False, 0, 0
            self._spawn(service)
        self._wait_ready(timeout, [service])

    def stop(self, *, grace: float = 10.0) -> None:
        """Stop watching, then stop the servers, API first so no request reaches a half-stopped engine."""
        self._stopping.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
        self._watcher = None
        self._stop(list(reversed(self._services)), grace=grace)

    @staticmethod
    def _stop(services: list[_Service], *, grace: float = 10.0) -> None:
        for service in services:
            if service.alive:
                _kill_group(service, signal.SIGTERM)
        for service in services:
            process = service.process
            if process is None:
                continue
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _kill_group(service, signal.SIGKILL)
                process.wait()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def service_pids(self) -> dict[str, int]:
        """Name -> process id of each running server; each leads its own process group (the load
        bench sums the memory of those groups, children included)."""
        return {s.name: s.process.pid for s in self._services if s.process is not None and s.alive}


def _kill_group(service: _Service, signum: signal.Signals) -> None:
    """Signal the server and everything it started (it leads its own process group)."""
    if service.process is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(service.process.pid, signum)


def _report(message: str) -> None:
    """The supervisor's output: stderr, stamped; a closed terminal must not stop the watcher."""
    with contextlib.suppress(OSError, ValueError):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def serve(stack: Stack, *, banner: str = "") -> int:
    """Run the service until Ctrl-C or SIGTERM (0), or until a server cannot be started again (1).

    Whatever happens, every server is stopped before this returns.
    """

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            stack.start()
        except StackError as error:
            stack.report(f"Could not start the practice service: {error}")
            return 1
        if banner:
            with contextlib.suppress(OSError):
                print(banner, flush=True)
        problem = stack.wait()
        stack.report(f"{problem}\nStopping the other servers.")
        return 1
    except KeyboardInterrupt:
        stack.report("Stopping the practice service...")
        return 0
    finally:
        stack.stop()  # never leave servers running
        stack.report("Stopped.")
