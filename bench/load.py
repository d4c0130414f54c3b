"""Load generator: many learners practising at once, through the public API only, as a course would.

Usage:
    .venv/bin/python bench/load.py --start-stack --learners 20 --replies 5
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
mean hides them. With ``--runs R`` the stack is reused and each figure is the median over runs.

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

``--engines`` is accepted for the scaled topology to come; only 1 (one Rasa server) for now.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.settings import Settings  # noqa: E402 - sys.path set above, for running as a script

PASSWORD = "a long load benchmark password"  # test accounts only
DEFAULT_SCENARIO = "gp_reception_appointment"
MAX_503_RETRIES = 10  # per request; then it counts as failed
KINDS = ("sign_in", "start", "turn")  # the timed requests, in the order printed
ALL_KINDS = (*KINDS, "end")  # ending a session is timed too, but not printed

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
    ap.add_argument("--engines", type=_positive_int, default=1, metavar="E", help="Rasa servers (only 1 for now)")
    args = ap.parse_args(argv)
    if args.start_stack and args.url:
        ap.error("--url and --start-stack exclude each other: the started stack has its own address")
    if args.start_stack and args.database_url:
        ap.error("--database-url and --start-stack exclude each other: the started stack has its own database")
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


def measure(args: argparse.Namespace, base_url: str) -> list[RunResult]:
    results = []
    for r in range(args.runs):
        result = asyncio.run(one_run(args, base_url, seed=args.seed + r))
        print(format_row(summarise(str(r + 1), result)), flush=True)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.engines != 1:
        print(
            f"--engines {args.engines}: only 1 engine (one Rasa server) is supported for now; "
            "the scaled topology comes in a later change of issue 19.",
            file=sys.stderr,
        )
        return 2
    settings = Settings()
    pause = f"pause {args.pause:g} s" + (f" +/- {args.jitter:g} s" if args.jitter else "") if args.pause else "no pause"
    plan = (
        f"{args.learners} learners x {args.replies} replies, {pause}, ramp {args.ramp:g} s, "
        f"scenario {args.scenario}, {args.runs} run(s), timeout {args.timeout:g} s"
    )
    if args.start_stack:
        from practice.engine import ensure_model
        from practice.supervisor import Stack, StackConfig, free_port

        with tempfile.TemporaryDirectory(prefix="bench-load-") as state:
            config = StackConfig(
                model=ensure_model(quiet=True),
                rasa_port=free_port(),
                action_port=free_port(),
                api_port=free_port(),
                state_dir=Path(state),
            )
            stack = Stack(config)
            print(f"Starting a fresh stack at {config.api_url} ...", flush=True)
            stack.start(timeout=400)
            try:
                create_users(config.resolved_database_url, args.learners)
                print(plan)
                print(HEADER)
                results = measure(args, config.api_url)
            finally:
                stack.stop()
    else:
        if args.create_users:
            made = create_users(args.database_url or settings.database_url, args.learners)
            print(f"{made} account(s) created.")
        print(plan)
        print(HEADER)
        results = measure(args, args.url or settings.api_url)
    rows = [summarise(str(r + 1), result) for r, result in enumerate(results)]
    print(format_row(median_of_runs(rows)))
    refused_all: Counter[str] = sum((result.refused for result in results), Counter())
    failed_all: Counter[str] = sum((result.failed for result in results), Counter())
    print(describe_errors("refused, retried (all runs)", refused_all))
    print(describe_errors("failed (all runs)", failed_all))
    print(f"slowest request (all runs): {_ms(max(result.slowest for result in results))} ms")
    print(f"learners: {args.learners}")
    return 1 if failed_all else 0


if __name__ == "__main__":
    raise SystemExit(main())
