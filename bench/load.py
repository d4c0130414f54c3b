"""Load generator: many learners practising at once, through the public API only, as a course would.

Usage:
    .venv/bin/python bench/load.py --start-stack --learners 20 --replies 5
    .venv/bin/python bench/load.py --start-stack --engines 1,2 --learners 20 --replies 5 --runs 3
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --create-users --learners 10 --runs 3
    .venv/bin/python bench/load.py --start-stack --learners 50 --ramp 5 --pause 15 --jitter 5 --replies 3

Each simulated learner (asyncio, its own HTTP client, as each learner has their own browser)
signs in (``POST /api/auth/token``), starts a session of one scenario (``POST /api/sessions``),
sends K replies one at a time (``POST /api/sessions/{id}/turns``; a realistic list of
de-escalating replies, cycling), optionally pausing between them as if typing, and ends the
session (``POST /api/sessions/{id}/end``). A conversation that ends itself first (the patient
is calmed: often after five or so of these replies) is followed by a new session of the same
scenario, so every learner sends exactly K replies. Sign-ins are spread evenly over ``--ramp`` seconds,
as learners in a class do not all press the button in the same millisecond.

What it measures, and why: what a learner waits for when a course is practising at the same
time. Sign-in (password hashing is deliberately slow, so a class signing in at once queues
on the CPU), starting a session, and above all a turn (API -> Rasa -> action server -> API,
the wait between pressing Send and seeing the patient's answer): their p50, p95 and worst, in
milliseconds, and the turns answered per second over the run (with typing pauses this is set
by the learners' pace, not the service's capacity; without, it is the service's throughput).
Medians and percentiles, not means: a few slow turns are what a learner remembers, and a
mean hides them. With ``--runs R`` a topology's stack is reused and each figure is the median over runs.

Every error is counted and printed by request, status and code (``turn 503
engine_unavailable``, ``end timeout``...), in two kinds. Refused: a 503 with ``Retry-After``,
which the learner waits out and retries, as a well-behaved client should (a turn is delivered
again with ``/retry``, never said twice): what overload should look like. Failed: everything
else (a timeout, a 500 or 502, a 503 without Retry-After, a 503 still there after
MAX_503_RETRIES retries), which abandons that learner's session. Only a failure makes the
exit status 1. The slowest single request of any kind, refused and failed ones included, is
printed too (the bar: no request over 10 s). A turn's latency is that of the attempt that was
answered, without the refused attempts and waits before it. Nothing a learner says is printed.

Accounts: learners are ``load001``, ``load002``... with a fixed test password. ``--create-users``
makes any that are missing directly in the database (``--database-url``, default the settings'
one); ``--start-stack`` starts a fresh practice service on free loopback ports with its state in
a temporary folder, creates the accounts there, runs, and stops it: one command, from cold.
Sign-in throttling counts only failures, so many learners from one address are fine.

Topologies: ``--engines 1,2`` (with ``--start-stack``) measures one topology after another,
each on a fresh stack: E Rasa servers, each with its own action server, and W API worker
processes (``--workers``: as many as engines by default; one value for all, or one per
topology). For each, the stack is started, its ``--runs`` are made, and it is stopped before the
next starts, so no two compete for the cores. After its runs, what the stack cost is printed
(bench/process_groups.py, summing over every process of each server's process group,
uvicorn's, Rasa's and the action server's children included): its resident memory, then where
the CPU went: the user + system time each server used between just before the first run and
just after the last, as CPU ms per answered turn for each server and in total, and the total
CPU seconds as cores kept busy over that wall time ("1.93 of 2 cores busy"). Why: once one
engine's stack keeps every core busy, a second engine cannot add throughput, and this shows
it. Per answered turn means all the stack's CPU over the turns answered, so sign-ins
(deliberately slow hashing) and session starts are in it. The load generator's own CPU, on the
same cores, is printed beside it and not counted. 1 engine with 1 worker keeps SQLite, as
``make run``; a scaled topology needs PostgreSQL (SQLite allows one writer at a time) and gets
two throwaway databases, the API's and the tracker store's, on the server ``--postgres`` names
(its own database is only connected to, to create and drop them), dropped once that stack has
stopped; ``--all-postgres`` puts 1x1 on PostgreSQL too. Several engines share Rasa's Redis lock
store at PRACTICE_REDIS_URL. At the end a table compares the topologies: turns/s, turn p50/p95,
sign-in and start p95 (medians of runs), the slowest request, refused and failed (over all
runs), turns/s as a multiple of the first topology's, memory, CPU ms per answered turn (total)
and cores busy. Without ``--start-stack``, ``--engines`` and ``--workers`` take one
value each and only label the running stack's row.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.settings import Settings  # noqa: E402 - sys.path set above, for running as a script
from bench.process_groups import (  # noqa: E402
    CpuReading,
    GroupMemory,
    cpu_by_group,
    cpu_seconds_between,
    memory_by_group,
)

PASSWORD = "a long load benchmark password"  # test accounts only
DEFAULT_SCENARIO = "gp_reception_appointment"
MAX_503_RETRIES = 10  # per request; then it counts as failed
KINDS = ("sign_in", "start", "turn")  # the timed requests, in the order printed
ALL_KINDS = (*KINDS, "end")  # ending a session is timed too, but not printed
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # only connected to, to create/drop
MIB = 1 << 20

REPLIES = (  # de-escalating: listens, reflects, apologises, explains, offers a choice, commits
    "Hello, I'm Sam, one of the team here. I can see you're really upset. What's happened?",
    "So you've been waiting a long time and nobody has told you what is going on.",
    "That sounds exhausting, and I'm sorry it has been like this for you.",
    "It makes sense that you're fed up. Can you tell me a bit more about what you need today?",
    "Let me explain what happens next, so you know where things stand.",
    "I can find out now, or ask someone to call you back this afternoon. Which would you prefer?",
    "I'll go and check right now and I'll come straight back to tell you what I find.",
    "Would you like to wait here, or somewhere a bit quieter?",
)


def username(n: int) -> str:
    """The n-th learner's account name (1-based): load001, load002, ..."""
    return f"load{n:03d}"


# ---------------------------------------------------------------- the maths (pure, unit-tested)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-quantile (0 < q <= 1): the smallest value with at least q of them at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Stats:
    """p50, p95 and worst of one kind of request, in milliseconds (NaN: none)."""

    p50: float
    p95: float
    max: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(statistics.median(values), percentile(values, 0.95), max(values), len(values))


@dataclass
class RunResult:
    """What one run saw: latencies (ms) per kind of request, errors, turns answered, wall time.

    Errors are keyed "<kind> <status> <code>" or "<kind> timeout" and kept apart: ``refused``
    are 503s with a Retry-After that the learner waited out and retried (overload, answered
    as it should be); ``failed`` is everything else (timeouts, other errors, a 503 given up on),
    each of which cost a learner their session.
    """

    learners: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in ALL_KINDS})
    refused: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    slowest: float = 0.0  # ms: the longest single request of any kind, refused and failed ones included
    turns: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> Counter[str]:
        """Every error, refused or failed."""
        return self.refused + self.failed

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds > 0 else math.nan

    def took(self, started: float) -> float:
        """Milliseconds since ``started`` (perf_counter), noted if it is the slowest request yet."""
        elapsed = (time.perf_counter() - started) * 1000
        self.slowest = max(self.slowest, elapsed)
        return elapsed

    def stats(self, kind: str) -> Stats:
        return Stats.of(self.latencies[kind])


@dataclass(frozen=True)
class Summary:
    """One table row: a run's figures, or the median of several runs' figures."""

    label: str
    learners: int
    stats: dict[str, Stats]
    turns: int
    turns_per_second: float
    slowest: float  # ms, any kind of request
    refused: int
    failed: int


def summarise(label: str, run: RunResult) -> Summary:
    return Summary(
        label=label,
        learners=run.learners,
        stats={kind: run.stats(kind) for kind in KINDS},
        turns=run.turns,
        turns_per_second=run.turns_per_second,
        slowest=run.slowest if run.slowest > 0 else math.nan,
        refused=run.refused.total(),
        failed=run.failed.total(),
    )


def _median(values: Sequence[float]) -> float:
    present = [v for v in values if not math.isnan(v)]
    return statistics.median(present) if present else math.nan


def median_of_runs(rows: Sequence[Summary]) -> Summary:
    """Each figure is the median of that figure over the runs (not a percentile of all samples pooled)."""
    stats = {
        kind: Stats(
            p50=_median([r.stats[kind].p50 for r in rows]),
            p95=_median([r.stats[kind].p95 for r in rows]),
            max=_median([r.stats[kind].max for r in rows]),
            count=round(statistics.median([r.stats[kind].count for r in rows])),
        )
        for kind in KINDS
    }
    return Summary(
        label="median",
        learners=rows[0].learners,
        stats=stats,
        turns=round(statistics.median([r.turns for r in rows])),
        turns_per_second=_median([r.turns_per_second for r in rows]),
        slowest=_median([r.slowest for r in rows]),
        refused=round(statistics.median([r.refused for r in rows])),
        failed=round(statistics.median([r.failed for r in rows])),
    )


def describe_errors(title: str, errors: Counter[str]) -> str:
    """``title: none``, or each error by request, status and code with its count."""
    listed = ", ".join(f"{key} x{n}" for key, n in sorted(errors.items())) or "none"
    return f"{title}: {listed}"


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


HEADER = (
    f"{'run':>6} {'learners':>8} | {'sign-in p50/p95/max ms':>22} | {'start p50/p95/max ms':>20} | "
    f"{'turn p50/p95/max ms':>20} | {'turns':>5} {'turns/s':>7} | {'slowest ms':>10} {'refused':>7} {'failed':>6}"
)


def format_row(row: Summary) -> str:
    def triple(kind: str, width: int) -> str:
        s = row.stats[kind]
        return f"{_ms(s.p50)}/{_ms(s.p95)}/{_ms(s.max)}".rjust(width)

    rate = "-" if math.isnan(row.turns_per_second) else f"{row.turns_per_second:.2f}"
    return (
        f"{row.label:>6} {row.learners:>8} | {triple('sign_in', 22)} | {triple('start', 20)} | "
        f"{triple('turn', 20)} | {row.turns:>5} {rate:>7} | {_ms(row.slowest):>10} {row.refused:>7} {row.failed:>6}"
    )


# ---------------------------------------------------------------- topologies and their comparison (pure)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


@dataclass(frozen=True)
class Topology:
    """One way to run the service: Rasa servers (each with its action server), API worker
    processes, and whether the databases are PostgreSQL (else SQLite, as ``make run``)."""

    engines: int
    workers: int
    postgres: bool

    @property
    def label(self) -> str:
        database = "postgresql" if self.postgres else "sqlite"
        return f"{_count(self.engines, 'engine')}, {_count(self.workers, 'worker')}, {database}"


def plan_topologies(
    engines: Sequence[int], workers: Sequence[int] | None, all_postgres: bool = False
) -> list[Topology]:
    """The topologies to measure, in order. Workers default to as many as engines in each; one
    value applies to all. Several processes need PostgreSQL (SQLite allows one writer at a time),
    so a scaled topology gets it; 1 engine with 1 worker keeps SQLite unless ``all_postgres``."""
    if workers is None:
        workers = engines
    elif len(workers) == 1:
        workers = [workers[0]] * len(engines)
    elif len(workers) != len(engines):
        raise ValueError(f"--workers has {len(workers)} values and --engines {len(engines)}: give one, or as many")
    return [Topology(e, w, all_postgres or e > 1 or w > 1) for e, w in zip(engines, workers)]


@dataclass(frozen=True)
class StackCpu:
    """The CPU time each server's process group used during a topology's runs, and what it is
    set against: the wall time between the two readings, the turns answered in it, the machine's
    cores. ``own``: the load generator's CPU in the same time, on the same cores, not the stack's."""

    seconds: Mapping[str, float]  # by server name
    wall: float  # seconds
    turns: int
    cores: int
    own: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def ms_per_turn(self, seconds: float) -> float:
        return seconds * 1000 / self.turns if self.turns else math.nan

    def busy(self, seconds: float) -> float:
        """How many cores ``seconds`` of CPU keeps busy on average over the runs."""
        return seconds / self.wall if self.wall > 0 else math.nan


@dataclass(frozen=True)
class TopologyResult:
    """A topology's runs (none if it could not be measured, and why), its stack's memory and CPU."""

    label: str
    runs: tuple[Summary, ...] = ()
    rss: int | None = None  # bytes, summed over every process of the stack after the runs
    problem: str | None = None
    cpu: StackCpu | None = None  # used by every process of the stack during the runs

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.runs)


def throughput_ratio(turns_per_second: float, first: float) -> str:
    """``1.62x``: this topology's turns/s over the first's; ``-`` when either is missing."""
    if math.isnan(turns_per_second) or math.isnan(first) or first <= 0:
        return "-"
    return f"{turns_per_second / first:.2f}x"


COMPARE_COLUMNS = (
    f"{'turns/s':>7} | {'turn p50/p95 ms':>15} | {'sign-in p95':>11} | {'start p95':>9} | "
    f"{'slowest ms':>10} | {'refused':>7} {'failed':>6} | {'vs first':>8} | {'memory MiB':>10} | "
    f"{'CPU ms/turn':>11} | {'cores busy':>10}"
)
COMPARE_LEGEND = (
    "turns/s and latencies: medians of each topology's runs; slowest (any request, refused and failed "
    "included), refused and failed: over all its runs; vs first: turns/s over the first topology's; "
    "memory: resident, summed over every process of the stack after its runs; CPU ms/turn: user + system "
    "time of every process of the stack during its runs (sign-ins and session starts included) over the "
    "turns answered; cores busy: that CPU time over the runs' wall time, of the machine's cores"
)


def format_comparison(results: Sequence[TopologyResult]) -> list[str]:
    """The comparison table, a header and a line per topology, all as wide as the header."""
    width = max([len("topology"), *(len(r.label) for r in results)])
    medians = [median_of_runs(r.runs) if r.runs else None for r in results]
    first = medians[0].turns_per_second if medians and medians[0] else math.nan
    lines = [f"{'topology':<{width}} | {COMPARE_COLUMNS}"]
    for result, median in zip(results, medians):
        if median is None:
            lines.append(f"{result.label:<{width}} | not measured: {result.problem or 'no runs'}")
            continue
        rate = "-" if math.isnan(median.turns_per_second) else f"{median.turns_per_second:.2f}"
        turn = median.stats["turn"]
        slowest = max((r.slowest for r in result.runs if not math.isnan(r.slowest)), default=math.nan)
        memory = "-" if result.rss is None else f"{result.rss / MIB:.0f}"
        cpu = result.cpu
        per_turn = "-" if cpu is None else _ms(cpu.ms_per_turn(cpu.total))
        busy = "-" if cpu is None else f"{_cores(cpu.busy(cpu.total))}/{cpu.cores}"
        lines.append(
            f"{result.label:<{width}} | {rate:>7} | {f'{_ms(turn.p50)}/{_ms(turn.p95)}':>15} | "
            f"{_ms(median.stats['sign_in'].p95):>11} | {_ms(median.stats['start'].p95):>9} | {_ms(slowest):>10} | "
            f"{sum(r.refused for r in result.runs):>7} {result.failed:>6} | "
            f"{throughput_ratio(median.turns_per_second, first):>8} | {memory:>10} | {per_turn:>11} | {busy:>10}"
        )
    return lines


def describe_memory(by_service: dict[str, GroupMemory]) -> str:
    """The stack's resident memory in total and per server (MiB, processes), largest first."""
    total = sum(m.rss for m in by_service.values())
    processes = sum(m.processes for m in by_service.values())
    parts = sorted(by_service.items(), key=lambda item: (-item[1].rss, item[0]))
    each = ", ".join(f"{name} {m.rss / MIB:.0f}" + _processes(m.processes, only_if_several=True) for name, m in parts)
    return f"memory: {total / MIB:.0f} MiB resident{_processes(processes)}: {each}"


def describe_cpu(cpu: StackCpu) -> list[str]:
    """Where the CPU went during the runs: the total and the cores it kept busy (and the load
    generator's own, beside it), then CPU ms per answered turn by server, largest first, and in total."""
    parts = sorted(cpu.seconds.items(), key=lambda item: (-item[1], item[0]))
    each = ", ".join(f"{name} {_ms(cpu.ms_per_turn(seconds))}" for name, seconds in parts)
    return [
        f"CPU: {cpu.total:.1f} s in {cpu.wall:.1f} s of runs, {_cores(cpu.busy(cpu.total))} of "
        f"{_count(cpu.cores, 'core')} busy; the load generator itself {_cores(cpu.busy(cpu.own))} more",
        f"CPU ms per answered turn ({_count(cpu.turns, 'turn')}, sign-ins and starts included): "
        f"{each}; total {_ms(cpu.ms_per_turn(cpu.total))}",
    ]


def _cores(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def _processes(n: int, *, only_if_several: bool = False) -> str:
    return "" if only_if_several and n == 1 else f" ({_count(n, 'process', 'processes')})"


def retry_after(headers: httpx.Headers | dict[str, str], default: float = 1.0) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds form; the API sends no dates)."""
    try:
        return max(0.0, float(headers.get("Retry-After", default)))
    except ValueError:
        return default


def typing_pause(pause: float, jitter: float, rng: random.Random) -> float:
    """A learner's pause before a reply: ``pause`` seconds, give or take up to ``jitter``, never negative."""
    if jitter <= 0:
        return max(0.0, pause)
    return max(0.0, pause + rng.uniform(-jitter, jitter))


def ramp_offsets(learners: int, ramp: float) -> list[float]:
    """When each learner signs in, seconds from the start: evenly over the ramp, the first at 0."""
    if learners <= 1 or ramp <= 0:
        return [0.0] * learners
    step = ramp / (learners - 1)
    return [i * step for i in range(learners)]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_ints(text: str) -> list[int]:
    """``1,2``: a comma-separated list of whole numbers of at least 1."""
    try:
        return [_positive_int(part.strip()) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be whole numbers of at least 1, comma-separated, not {text!r}"
        ) from None


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also refuses NaN
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--url", default=None, help="the API's address (default: the settings' PRACTICE_API_URL)")
    ap.add_argument("--learners", type=_positive_int, default=10, metavar="N", help="simulated learners (default 10)")
    ap.add_argument("--replies", type=_positive_int, default=5, metavar="K", help="replies per learner (default 5)")
    ap.add_argument("--pause", type=_non_negative, default=0.0, metavar="S", help="typing pause before each reply")
    ap.add_argument("--jitter", type=_non_negative, default=0.0, metavar="S", help="pause varies by up to +/- S")
    ap.add_argument("--ramp", type=_non_negative, default=0.0, metavar="S", help="spread sign-ins over S seconds")
    ap.add_argument("--scenario", default=DEFAULT_SCENARIO, metavar="ID", help=f"default {DEFAULT_SCENARIO}")
    ap.add_argument("--runs", type=_positive_int, default=1, metavar="R", help="repeat; report medians over runs")
    ap.add_argument("--timeout", type=_positive, default=60.0, metavar="S", help="per-request timeout (default 60)")
    ap.add_argument("--seed", type=int, default=19, help="for the pause jitter")
    ap.add_argument("--create-users", action="store_true", help="create missing loadNNN accounts in the database")
    ap.add_argument("--database-url", default=None, help="for --create-users (default: the settings' database)")
    ap.add_argument("--start-stack", action="store_true", help="start a fresh stack on free ports, run, stop it")
    ap.add_argument(
        "--engines",
        type=_positive_ints,
        default=[1],
        metavar="E[,E...]",
        help="Rasa servers (each with its own action server); with --start-stack a list, e.g. 1,2, "
        "measures one fresh stack per value in turn and compares them (default 1)",
    )
    ap.add_argument(
        "--workers",
        type=_positive_ints,
        default=None,
        metavar="W[,W...]",
        help="API worker processes: one value for every topology, or one per --engines value "
        "(default: as many workers as engines in each topology)",
    )
    ap.add_argument(
        "--postgres",
        default=None,
        metavar="URL",
        help="the PostgreSQL server on which a scaled topology gets throwaway databases (its own database "
        f"is only connected to, to create and drop them; default {DEFAULT_POSTGRES})",
    )
    ap.add_argument("--all-postgres", action="store_true", help="1 engine and 1 worker on PostgreSQL too, not SQLite")
    args = ap.parse_args(argv)
    if args.start_stack and args.url:
        ap.error("--url and --start-stack exclude each other: the started stack has its own address")
    if args.start_stack and args.database_url:
        ap.error("--database-url and --start-stack exclude each other: the started stack has its own database")
    if not args.start_stack:
        if len(args.engines) > 1 or (args.workers and len(args.workers) > 1):
            ap.error("lists of --engines or --workers need --start-stack; without it they describe the running stack")
        if args.postgres or args.all_postgres:
            ap.error("--postgres and --all-postgres need --start-stack: they choose the started stack's databases")
    try:
        args.topologies = plan_topologies(args.engines, args.workers, args.all_postgres)
    except ValueError as exc:
        ap.error(str(exc))
    return args


# ---------------------------------------------------------------- the learners


class Abandoned(Exception):
    """A request failed for good: this learner stops."""


@dataclass
class Learner:
    number: int
    run: RunResult
    timeout: float
    pause: float
    jitter: float
    rng: random.Random

    async def request(self, api: httpx.AsyncClient, kind: str, path: str, **kwargs: Any) -> httpx.Response:
        """POST, timed under ``kind``. A 503 with Retry-After is counted as refused and tried again
        after it (up to MAX_503_RETRIES times); anything else that goes wrong is counted as failed
        and abandons the session."""
        said = kwargs if path.endswith("/turns") else None
        for attempt in range(MAX_503_RETRIES + 1):
            started = time.perf_counter()
            try:
                response = await api.post(path, **kwargs)
            except httpx.TimeoutException:
                self.run.took(started)
                self.run.failed[f"{kind} timeout"] += 1
                raise Abandoned from None
            except httpx.HTTPError as exc:
                self.run.took(started)
                self.run.failed[f"{kind} {type(exc).__name__}"] += 1
                raise Abandoned from None
            elapsed = self.run.took(started)
            if response.status_code < 400:
                self.run.latencies[kind].append(elapsed)
                return response
            key = f"{kind} {error_key(response)}"
            if key.endswith(" 409 nothing_pending") and path.endswith("/turns/retry") and said is not None:
                # The refused turn was never stored (the database broke): say it again. Part of
                # that refusal's retry, so refused too; nothing is lost.
                self.run.refused[key] += 1
                path, kwargs = path.removesuffix("/retry"), said
                continue
            if not refused(response) or attempt == MAX_503_RETRIES:
                self.run.failed[key] += 1
                raise Abandoned
            self.run.refused[key] += 1
            await asyncio.sleep(retry_after(response.headers))
            if path.endswith("/turns"):  # the turn is kept pending: deliver it again, don't say it twice
                path, kwargs = f"{path}/retry", {}
        self.run.failed[f"{kind} gave up"] += 1  # the last attempt was answered 409 nothing_pending
        raise Abandoned

    async def practise(self, base_url: str, scenario: str, replies: int, delay: float) -> None:
        await asyncio.sleep(delay)
        async with httpx.AsyncClient(base_url=base_url, timeout=self.timeout) as api:
            try:
                login = {"username": username(self.number), "password": PASSWORD}
                token = (await self.request(api, "sign_in", "/api/auth/token", data=login)).json()["access_token"]
                api.headers["Authorization"] = f"Bearer {token}"
                session: str | None = None
                said = 0  # replies in this session
                for n in range(replies):
                    if n and (self.pause or self.jitter):
                        await asyncio.sleep(typing_pause(self.pause, self.jitter, self.rng))
                    if session is None:  # the first, or the last ended itself: practise again
                        started = await self.request(api, "start", "/api/sessions", json={"scenario_id": scenario})
                        session, said = str(started.json()["id"]), 0
                    text = REPLIES[said % len(REPLIES)]
                    answer = await self.request(api, "turn", f"/api/sessions/{session}/turns", json={"text": text})
                    self.run.turns += 1
                    said += 1
                    if answer.json().get("summary"):
                        session = None  # the conversation ended itself
                if session is not None:
                    await self.request(api, "end", f"/api/sessions/{session}/end", json={"reason": "finished"})
            except Abandoned:
                return


def refused(response: httpx.Response) -> bool:
    """Overload answered as it should be: 503 with a Retry-After saying when to come back. The API
    sends one with every 503; a 503 without (a proxy, a crash page) is a failure like a 502."""
    return response.status_code == 503 and "Retry-After" in response.headers


def error_key(response: httpx.Response) -> str:
    """``<status> <code>`` from the API's error body ({"error": {"code": ...}}), or the bare status."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    return f"{response.status_code} {code}"


async def one_run(args: argparse.Namespace, base_url: str, seed: int) -> RunResult:
    run = RunResult(learners=args.learners)
    rng = random.Random(seed)
    learners = [
        Learner(n, run, args.timeout, args.pause, args.jitter, random.Random(rng.random()))
        for n in range(1, args.learners + 1)
    ]
    offsets = ramp_offsets(args.learners, args.ramp)
    started = time.perf_counter()
    await asyncio.gather(
        *(learner.practise(base_url, args.scenario, args.replies, delay) for learner, delay in zip(learners, offsets))
    )
    run.seconds = time.perf_counter() - started
    return run


# ---------------------------------------------------------------- accounts and the stack


def create_users(database_url: str, count: int) -> int:
    """Create the accounts load001..loadNNN that are missing (idempotent); how many were made."""
    from sqlalchemy import select

    from api.auth.bootstrap import create_user
    from api.db import make_database, make_sessionmaker
    from api.migrate import upgrade
    from api.models import User

    database = make_database(Settings(database_url=database_url))
    made = 0
    try:
        upgrade(database)
        with make_sessionmaker(database)() as db:
            existing = set(db.scalars(select(User.username).where(User.username.like("load%"))))
            for n in range(1, count + 1):
                if username(n) not in existing:
                    create_user(db, username=username(n), password=PASSWORD, role="learner")
                    made += 1
    finally:
        database.dispose()
    return made


@contextlib.contextmanager
def throwaway_databases(server_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases on the server ``server_url`` names, for the API and for
    Rasa's tracker store, dropped afterwards (WITH (FORCE): a connection left by a killed
    process must not keep them). Leave the block only once the stack using them has stopped."""
    server = make_url(server_url)
    if server.drivername in ("postgresql", "postgres"):
        server = server.set(drivername="postgresql+psycopg")  # the driver the API uses
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    names = [name, f"{name}_engine"]  # the tracker store's, named as the supervisor would
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    made: list[str] = []
    try:
        with admin.connect() as connection:
            for database in names:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
                made.append(database)
        api_url, tracker_url = (server.set(database=d).render_as_string(hide_password=False) for d in names)
        yield api_url, tracker_url
    finally:
        try:
            if made:
                with admin.connect() as connection:
                    for database in made:
                        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        finally:
            admin.dispose()


class CpuWatch:
    """The CPU time each server's process group uses between ``start`` and ``stop``, and this
    process's (the load generator's). ``pids`` gives each server's name and process group leader
    (``Stack.service_pids``) and is asked at both ends: a server restarted in between counts from
    its restart, what it used before is lost, as is any process that exited (bench/process_groups.py)."""

    def __init__(self, pids: Callable[[], Mapping[str, int]]) -> None:
        self.pids = pids
        self.before: dict[str, CpuReading] = {}
        self.after: dict[str, CpuReading] = {}
        self.own = self.wall = 0.0

    def _read(self) -> dict[str, CpuReading]:
        pids = self.pids()
        groups = cpu_by_group(pids.values())
        return {name: groups[pid] for name, pid in pids.items()}

    def start(self) -> None:
        self.before = self._read()
        self.own, self.wall = time.process_time(), time.perf_counter()

    def stop(self) -> None:
        self.own, self.wall = time.process_time() - self.own, time.perf_counter() - self.wall
        self.after = self._read()

    def used(self, turns: int) -> StackCpu:
        """What was used between start and stop, set against ``turns`` answered in that time."""
        seconds = {name: cpu_seconds_between(self.before.get(name, {}), now) for name, now in self.after.items()}
        return StackCpu(seconds, self.wall, turns, cores=os.cpu_count() or 1, own=self.own)


def measure(args: argparse.Namespace, base_url: str, watch: CpuWatch | None = None) -> list[Summary]:
    """The runs against one stack, a line each as it ends, then their median, errors and slowest.
    ``watch``, if given, is started just before the first run and stopped just after the last."""
    print(HEADER, flush=True)
    results = []
    if watch:
        watch.start()
    for r in range(args.runs):
        result = asyncio.run(one_run(args, base_url, seed=args.seed + r))
        if watch and r == args.runs - 1:
            watch.stop()
        print(format_row(summarise(str(r + 1), result)), flush=True)
        results.append(result)
    rows = [summarise(str(r + 1), result) for r, result in enumerate(results)]
    print(format_row(median_of_runs(rows)))
    print(describe_errors("refused, retried (all runs)", sum((result.refused for result in results), Counter())))
    print(describe_errors("failed (all runs)", sum((result.failed for result in results), Counter())))
    print(f"slowest request (all runs): {_ms(max(row.slowest for row in rows))} ms", flush=True)
    return rows


def measure_topology(args: argparse.Namespace, topology: Topology, model: Path) -> TopologyResult:
    """A fresh stack of this topology (throwaway PostgreSQL databases if it uses them), its runs,
    its memory and CPU, then everything stopped and dropped, whatever happened."""
    from practice.supervisor import Stack, StackConfig, StackError, free_port_block

    print(f"\n== {topology.label}", flush=True)
    try:
        with contextlib.ExitStack() as cleanup:  # undone in reverse: the stack stops before its databases go
            state = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
            database_url = tracker_url = None
            if topology.postgres:
                database_url, tracker_url = cleanup.enter_context(
                    throwaway_databases(args.postgres or DEFAULT_POSTGRES)
                )
            base = free_port_block(2 * topology.engines + 1)
            config = StackConfig(
                model=model,
                rasa_port=base,
                action_port=base + topology.engines,
                api_port=base + 2 * topology.engines,
                state_dir=state,
                database_url=database_url,
                engine_tracker_url=tracker_url,
                redis_url=Settings().redis_url,
                engines=topology.engines,
                api_workers=topology.workers,
            )
            stack = Stack(config)
            print(f"Starting a fresh stack at {config.api_url} ...", flush=True)
            stack.start(timeout=400)
            cleanup.callback(stack.stop)
            create_users(config.resolved_database_url, args.learners)
            watch = CpuWatch(stack.service_pids)
            rows = measure(args, config.api_url, watch)
            pids = stack.service_pids()
            groups = memory_by_group(pids.values())
            by_service = {name: groups[pid] for name, pid in pids.items()}
            print(describe_memory(by_service), flush=True)
            cpu = watch.used(turns=sum(row.turns for row in rows))
            print("\n".join(describe_cpu(cpu)), flush=True)
            rss = sum(m.rss for m in by_service.values())
            return TopologyResult(topology.label, tuple(rows), rss=rss, cpu=cpu)
    except (StackError, OperationalError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        print(f"{topology.label}: not measured. {problem}", file=sys.stderr, flush=True)
        return TopologyResult(topology.label, problem=problem.splitlines()[0])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    pause = f"pause {args.pause:g} s" + (f" +/- {args.jitter:g} s" if args.jitter else "") if args.pause else "no pause"
    print(
        f"{args.learners} learners x {args.replies} replies, {pause}, ramp {args.ramp:g} s, "
        f"scenario {args.scenario}, {args.runs} run(s) per topology, timeout {args.timeout:g} s",
        flush=True,
    )
    if args.start_stack:
        from practice.engine import ensure_model

        model = ensure_model(quiet=True)
        results = [measure_topology(args, topology, model) for topology in args.topologies]
    else:
        database_url = args.database_url or settings.database_url
        if args.create_users:
            made = create_users(database_url, args.learners)
            print(f"{made} account(s) created.")
        only = args.topologies[0]  # describes the running stack: its database is the settings' one
        running = Topology(
            only.engines, only.workers, postgres=make_url(database_url).get_backend_name() == "postgresql"
        )
        results = [TopologyResult(running.label, tuple(measure(args, args.url or settings.api_url)))]
    print()
    print("\n".join(format_comparison(results)))
    print(COMPARE_LEGEND)
    return 1 if any(result.failed or result.problem for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
