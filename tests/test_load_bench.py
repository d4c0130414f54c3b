"""The pure parts of the load generator (bench/load.py): percentiles, summaries, medians of
runs, pacing, refused against failed requests (from a mock transport), topologies and their
comparison, its arguments, and reading memory and CPU time from /proc (bench/process_groups.py).
No server: the measuring itself is exercised by running it."""

from __future__ import annotations

import contextlib
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from bench.load import (
    HEADER,
    KINDS,
    MAX_503_RETRIES,
    Abandoned,
    CpuWatch,
    Learner,
    RunResult,
    StackCpu,
    Stats,
    Topology,
    TopologyResult,
    describe_cpu,
    describe_errors,
    describe_memory,
    error_key,
    format_comparison,
    format_row,
    median_of_runs,
    parse_args,
    percentile,
    plan_topologies,
    ramp_offsets,
    retry_after,
    summarise,
    throughput_ratio,
    throwaway_databases,
    typing_pause,
    username,
)
from bench.process_groups import (
    CLOCK_TICKS,
    GroupMemory,
    StatCpu,
    cpu_by_group,
    cpu_of_stat,
    cpu_seconds_between,
    cpu_seconds_of,
    memory_by_group,
    process_group_of,
    rss_of,
    rss_of_status,
)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 1.0) == 100
    assert percentile([3.0, 1.0, 2.0], 0.95) == 3  # unsorted input, small sample: the worst
    assert percentile([7.0], 0.5) == 7
    assert math.isnan(percentile([], 0.5))


def test_stats_use_the_median_not_the_mean() -> None:
    stats = Stats.of([100.0, 110.0, 120.0, 130.0, 10_000.0])
    assert (stats.p50, stats.p95, stats.max, stats.count) == (120, 10_000, 10_000, 5)
    empty = Stats.of([])
    assert empty.count == 0 and math.isnan(empty.p50)


def _run(
    turn_ms: list[float], *, turns: int, seconds: float, refused: int = 0, failed: int = 0, slowest: float = 0.0
) -> RunResult:
    run = RunResult(learners=2, turns=turns, seconds=seconds)
    run.latencies["sign_in"] = [200.0, 300.0]
    run.latencies["start"] = [50.0]
    run.latencies["turn"] = turn_ms
    run.refused = Counter({"turn 503 engine_unavailable": refused}) if refused else Counter()
    run.failed = Counter({"turn timeout": failed}) if failed else Counter()
    run.slowest = slowest or max([300.0, *turn_ms])
    return run


def test_summary_and_median_of_runs() -> None:
    rows = [
        summarise("1", _run([100.0, 200.0], turns=10, seconds=5.0)),
        summarise("2", _run([300.0, 400.0], turns=10, seconds=2.0, refused=3, failed=1, slowest=9000.0)),
        summarise("3", _run([150.0, 250.0], turns=10, seconds=4.0, refused=1)),
    ]
    assert rows[0].turns_per_second == 2.0 and (rows[1].refused, rows[1].failed) == (3, 1)
    assert rows[1].slowest == 9000
    assert rows[0].stats["turn"].p50 == 150 and rows[0].stats["sign_in"].p50 == 250
    median = median_of_runs(rows)
    assert median.label == "median" and median.learners == 2
    assert median.stats["turn"].p50 == 200  # the median of 150, 350, 200
    assert median.stats["turn"].max == 250  # the median of 200, 400, 250
    assert median.turns_per_second == 2.5  # the median of 2.0, 5.0, 2.5
    assert (median.refused, median.failed, median.slowest) == (1, 0, 300)
    line = format_row(median)
    assert "200/250/250" in line and "2.50" in line and line.endswith("300       1      0")
    assert len(line) == len(HEADER)


def test_a_kind_with_no_samples_prints_a_dash() -> None:
    run = RunResult(learners=1)
    row = summarise("1", run)
    assert set(row.stats) == set(KINDS)
    assert "-/-/-" in format_row(row) and math.isnan(row.turns_per_second)
    assert "-/-/-" in format_row(median_of_runs([row, row]))


def test_pacing() -> None:
    assert ramp_offsets(1, 10) == [0.0]
    assert ramp_offsets(3, 0) == [0.0, 0.0, 0.0]
    assert ramp_offsets(5, 4) == [0.0, 1.0, 2.0, 3.0, 4.0]
    rng = random.Random(1)
    assert typing_pause(2.0, 0.0, rng) == 2.0
    pauses = [typing_pause(2.0, 1.0, rng) for _ in range(200)]
    assert all(1.0 <= p <= 3.0 for p in pauses) and len(set(pauses)) > 100
    assert typing_pause(0.5, 5.0, random.Random(3)) >= 0.0


def test_retry_after_and_error_keys() -> None:
    assert retry_after(httpx.Headers({"Retry-After": "5"})) == 5
    assert retry_after(httpx.Headers({})) == 1.0
    assert retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 1.0
    refused = httpx.Response(503, json={"error": {"code": "engine_unavailable", "message": "..."}})
    assert error_key(refused) == "503 engine_unavailable"
    assert error_key(httpx.Response(502, text="Bad Gateway")) == "502 ?"


def _learner(answers: list[httpx.Response | Exception]) -> tuple[Learner, httpx.AsyncClient, list[str]]:
    """A learner whose requests get ``answers`` in turn, from no server; the paths asked are listed."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        reply = answers.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    api = httpx.AsyncClient(base_url="http://bench.test", transport=httpx.MockTransport(answer))
    return Learner(1, RunResult(learners=1), 5.0, 0.0, 0.0, random.Random(1)), api, asked


def _busy(retry: str | None = "0") -> httpx.Response:
    headers = {"Retry-After": retry} if retry is not None else {}
    return httpx.Response(503, headers=headers, json={"error": {"code": "engine_unavailable"}})


async def test_a_503_with_retry_after_is_refused_and_retried_not_failed() -> None:
    learner, api, asked = _learner([_busy(), _busy(), httpx.Response(200, json={"ok": True})])
    async with api:
        await learner.request(api, "turn", "/api/sessions/7/turns", json={"text": "..."})
    run = learner.run
    assert run.refused == Counter({"turn 503 engine_unavailable": 2}) and not run.failed
    assert asked == ["/api/sessions/7/turns", "/api/sessions/7/turns/retry", "/api/sessions/7/turns/retry"]
    assert len(run.latencies["turn"]) == 1 and run.slowest >= run.latencies["turn"][0]
    assert run.errors.total() == 2


async def test_a_refused_turn_never_stored_is_said_again_and_still_only_refused() -> None:
    gone = httpx.Response(409, json={"error": {"code": "nothing_pending"}})
    learner, api, asked = _learner([_busy(), gone, httpx.Response(200, json={})])
    async with api:
        await learner.request(api, "turn", "/api/sessions/7/turns", json={"text": "..."})
    assert asked[-1] == "/api/sessions/7/turns" and not learner.run.failed
    assert learner.run.refused == Counter({"turn 503 engine_unavailable": 1, "turn 409 nothing_pending": 1})


@pytest.mark.parametrize(
    ("answers", "failed"),
    [
        ([httpx.Response(500, json={"error": {"code": "internal"}})], "sign_in 500 internal"),
        ([_busy(retry=None)], "sign_in 503 engine_unavailable"),  # no Retry-After: not the API's overload answer
        ([httpx.ReadTimeout("slow")], "sign_in timeout"),
        ([httpx.ConnectError("refused")], "sign_in ConnectError"),
    ],
)
async def test_anything_else_fails_and_abandons(answers: list[httpx.Response | Exception], failed: str) -> None:
    learner, api, _ = _learner(answers)
    async with api:
        with pytest.raises(Abandoned):
            await learner.request(api, "sign_in", "/api/auth/token", data={})
    assert learner.run.failed == Counter({failed: 1}) and not learner.run.refused
    assert learner.run.slowest > 0  # a failed request still counts towards the slowest


async def test_a_503_given_up_on_is_failed() -> None:
    learner, api, _ = _learner([_busy() for _ in range(MAX_503_RETRIES + 1)])
    async with api:
        with pytest.raises(Abandoned):
            await learner.request(api, "start", "/api/sessions", json={})
    assert learner.run.refused == Counter({"start 503 engine_unavailable": MAX_503_RETRIES})
    assert learner.run.failed == Counter({"start 503 engine_unavailable": 1})


def test_describe_errors() -> None:
    assert describe_errors("failed", Counter()) == "failed: none"
    listed = describe_errors("refused", Counter({"turn 503 engine_unavailable": 3, "end 503 service_busy": 1}))
    assert listed == "refused: end 503 service_busy x1, turn 503 engine_unavailable x3"


def test_usernames() -> None:
    assert username(1) == "load001" and username(50) == "load050" and username(1000) == "load1000"


def test_arguments() -> None:
    args = parse_args([])
    assert (args.learners, args.replies, args.pause, args.ramp, args.runs, args.timeout, args.engines) == (
        10,
        5,
        0.0,
        0.0,
        1,
        60.0,
        [1],
    )
    assert args.workers is None and args.postgres is None and not args.all_postgres
    assert args.topologies == [Topology(1, 1, postgres=False)]
    assert not args.start_stack and not args.create_users and args.url is None
    args = parse_args(
        ["--learners", "50", "--replies", "3", "--pause", "15", "--jitter", "5", "--ramp", "5", "--runs", "3"]
        + ["--scenario", "ed_reception_long_wait", "--start-stack", "--timeout", "30"]
    )
    assert (args.learners, args.replies, args.pause, args.jitter, args.ramp, args.runs) == (50, 3, 15, 5, 5, 3)
    assert args.scenario == "ed_reception_long_wait" and args.start_stack and args.timeout == 30


@pytest.mark.parametrize(
    "argv",
    [
        ["--learners", "0"],
        ["--replies", "-1"],
        ["--pause", "-2"],
        ["--ramp", "nan"],
        ["--timeout", "0"],
        ["--engines", "0"],
        ["--start-stack", "--url", "http://127.0.0.1:8000"],
        ["--start-stack", "--database-url", "sqlite:///x.db"],
        ["--start-stack", "--engines", "1,0"],
        ["--start-stack", "--engines", "1,,2"],
        ["--start-stack", "--engines", "1,two"],
        ["--start-stack", "--engines", ""],
        ["--start-stack", "--engines", "1,2", "--workers", "1,2,3"],  # neither one value nor one per topology
        ["--engines", "1,2"],  # a list without --start-stack: the running stack is one topology
        ["--engines", "2", "--workers", "1,2"],
        ["--postgres", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"],
        ["--all-postgres"],
    ],
)
def test_bad_arguments_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2


def test_topologies_from_the_arguments() -> None:
    def planned(*argv: str) -> list[Topology]:
        return list(parse_args(["--start-stack", *argv]).topologies)

    assert planned("--engines", "1,2") == [Topology(1, 1, False), Topology(2, 2, True)]  # workers follow engines
    assert planned("--engines", " 1, 2 ,4") == [Topology(1, 1, False), Topology(2, 2, True), Topology(4, 4, True)]
    assert planned("--engines", "1,2", "--workers", "2") == [Topology(1, 2, True), Topology(2, 2, True)]
    assert planned("--engines", "2,2", "--workers", "1,2") == [Topology(2, 1, True), Topology(2, 2, True)]
    assert planned("--engines", "1,2", "--all-postgres") == [Topology(1, 1, True), Topology(2, 2, True)]
    assert planned("--postgres", "postgresql://postgres@db:5432/test") == [Topology(1, 1, False)]
    running = parse_args(["--engines", "2", "--workers", "3"])  # one value each: describes the running stack
    assert running.topologies == [Topology(2, 3, True)]


def test_topology_labels() -> None:
    assert Topology(1, 1, False).label == "1 engine, 1 worker, sqlite"
    assert Topology(2, 2, True).label == "2 engines, 2 workers, postgresql"
    assert Topology(1, 3, True).label == "1 engine, 3 workers, postgresql"


def test_plan_topologies_refuses_mismatched_lists() -> None:
    with pytest.raises(ValueError, match="--workers has 2 values and --engines 3"):
        plan_topologies([1, 2, 3], [1, 2])


def test_throughput_ratio() -> None:
    assert throughput_ratio(6.5, 4.0) == "1.62x"
    assert throughput_ratio(4.0, 4.0) == "1.00x"
    assert throughput_ratio(2.0, 4.0) == "0.50x"
    assert throughput_ratio(math.nan, 4.0) == "-" and throughput_ratio(4.0, math.nan) == "-"
    assert throughput_ratio(4.0, 0.0) == "-"


def test_comparison_table() -> None:
    one = [
        summarise("1", _run([100.0, 200.0], turns=10, seconds=5.0)),  # 2.0 turns/s
        summarise("2", _run([300.0, 400.0], turns=10, seconds=2.5, refused=2, slowest=11_000.0)),  # 4.0
        summarise("3", _run([150.0, 250.0], turns=10, seconds=4.0, failed=1)),  # 2.5
    ]
    two = [summarise("1", _run([100.0, 120.0], turns=10, seconds=2.5, refused=5))]  # 4.0 turns/s
    cpu_one = StackCpu({"Rasa server": 12.0, "API": 6.0}, wall=10.0, turns=30, cores=2)  # 600 ms/turn
    cpu_two = StackCpu({"Rasa server": 5.0, "Rasa server 2": 5.0, "API": 9.5}, wall=10.0, turns=10, cores=2)
    results = [
        TopologyResult("1 engine, 1 worker, sqlite", tuple(one), rss=1536 * 1024 * 1024, cpu=cpu_one),
        TopologyResult("2 engines, 2 workers, postgresql", tuple(two), rss=3 * 1024**3, cpu=cpu_two),
        TopologyResult("4 engines, 4 workers, postgresql", problem="StackError: no Redis answers"),
    ]
    header, first, second, third = format_comparison(results)
    assert header.startswith("topology                         | turns/s |")
    assert header.endswith("| memory MiB | CPU ms/turn | cores busy")
    assert len(first) == len(second) == len(header)
    cells = [cell.split() for cell in first.split("|")]
    # Medians of runs for rates and latencies; the slowest over all runs; refused, failed summed.
    assert cells[1:9] == [["2.50"], ["200/250"], ["300"], ["50"], ["11000"], ["2", "1"], ["1.00x"], ["1536"]]
    assert cells[9:] == [["600"], ["1.80/2"]]  # CPU ms per answered turn, cores busy
    cells = [cell.split() for cell in second.split("|")]
    assert cells[1:9] == [["4.00"], ["110/120"], ["300"], ["50"], ["300"], ["5", "0"], ["1.60x"], ["3072"]]
    assert cells[9:] == [["1950"], ["1.95/2"]]  # CPU ms per answered turn, cores busy
    assert third == "4 engines, 4 workers, postgresql | not measured: StackError: no Redis answers"
    assert [r.failed for r in results] == [1, 0, 0]


def test_comparison_without_a_first_measurement_or_memory() -> None:
    row = summarise("1", _run([100.0], turns=4, seconds=2.0))
    lines = format_comparison([TopologyResult("a", problem="down"), TopologyResult("b", (row,))])
    assert [cell.strip() for cell in lines[2].split("|")[7:]] == ["-", "-", "-", "-"]  # no ratio, memory, CPU
    assert len(lines[2]) == len(lines[0])
    assert lines[0].startswith("topology | ")  # as wide as the longest label


def test_describe_memory() -> None:
    mib = 1024 * 1024
    by_service = {
        "action server": GroupMemory(300 * mib, 1),
        "Rasa server": GroupMemory(700 * mib, 1),
        "API": GroupMemory(400 * mib, 3),
    }
    assert describe_memory(by_service) == (
        "memory: 1400 MiB resident (5 processes): Rasa server 700, API 400 (3 processes), action server 300"
    )
    assert describe_memory({"API": GroupMemory(mib, 1)}) == "memory: 1 MiB resident (1 process): API 1"


def test_stack_cpu_and_its_description() -> None:
    cpu = StackCpu(
        {"action server": 1.5, "Rasa server": 30.0, "API": 19.5, "action server 2": 1.5, "Rasa server 2": 30.0},
        wall=42.0,
        turns=100,
        cores=2,
        own=4.2,
    )
    assert cpu.total == 82.5 and cpu.ms_per_turn(cpu.total) == 825 and cpu.busy(cpu.total) == 82.5 / 42
    assert describe_cpu(cpu) == [
        "CPU: 82.5 s in 42.0 s of runs, 1.96 of 2 cores busy; the load generator itself 0.10 more",
        "CPU ms per answered turn (100 turns, sign-ins and starts included): "
        "Rasa server 300, Rasa server 2 300, API 195, action server 15, action server 2 15; total 825",
    ]
    none = StackCpu({"API": 0.0}, wall=0.0, turns=0, cores=1)  # nothing answered: no figures, no division by 0
    assert math.isnan(none.ms_per_turn(1.0)) and math.isnan(none.busy(1.0))
    assert describe_cpu(none) == [
        "CPU: 0.0 s in 0.0 s of runs, - of 1 core busy; the load generator itself - more",
        "CPU ms per answered turn (0 turns, sign-ins and starts included): API -; total -",
    ]


# ---------------------------------------------------------------- memory and CPU (bench/process_groups.py)


def test_process_group_is_read_after_the_command_name() -> None:
    # The command name may hold spaces and parentheses: fields count from the last ")".
    assert process_group_of("4242 (uvicorn (x) y) S 1 777 777 0 -1 4194560") == 777
    assert process_group_of(Path(f"/proc/{os.getpid()}/stat").read_text()) == os.getpgrp()


def test_rss_of_status() -> None:
    assert rss_of_status("Name:\tpython\nVmPeak:\t  900 kB\nVmRSS:\t   1234 kB\n") == 1234 * 1024
    assert rss_of_status("Name:\tkthreadd\nState:\tS (sleeping)\n") == 0  # kernel threads have none


def test_rss_of_this_process() -> None:
    mine = rss_of(os.getpid())
    pages = int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1])  # resident pages, the same figure
    assert mine > 1 << 20  # a Python process holds more than a mebibyte
    assert abs(mine - pages * os.sysconf("SC_PAGE_SIZE")) < 16 << 20  # read a moment apart
    assert rss_of(2**22 + 1) == 0  # above pid_max's default: no such process


def test_memory_by_group_sums_every_process_of_the_group() -> None:
    group = memory_by_group([os.getpgrp(), 2**22 + 1])
    ours = group[os.getpgrp()]
    assert ours.processes >= 1 and ours.rss >= rss_of(os.getpid()) // 2
    assert group[2**22 + 1] == GroupMemory(0, 0)  # a group with no process holds nothing
    # A child in a session of its own (as the supervisor starts each server) is its own group.
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        theirs = memory_by_group([child.pid])[child.pid]
        assert theirs.processes == 1 and theirs.rss > 0
        assert memory_by_group([os.getpgrp()])[os.getpgrp()].processes == ours.processes
    finally:
        child.kill()
        child.wait()


# A stat line as proc(5) lays it out: pid, (name), state, ppid, pgrp, session, tty, tpgid, flags,
# 4 fault counts, utime 250, stime 50, cutime 3, cstime 4, priority, nice, threads, 0, starttime 123456, ...
STAT = "4242 (uvicorn (x) y) S 1 777 777 0 -1 4194560 100 0 0 0 250 50 3 4 20 0 5 0 123456 1000000 300"


def test_cpu_of_stat_is_user_plus_system_after_the_command_name() -> None:
    assert cpu_of_stat(STAT) == StatCpu(start=123456, ticks=300)  # children's cutime, cstime not counted
    assert process_group_of(STAT) == 777


def test_cpu_seconds_between_two_readings() -> None:
    before = {(10, 1): 100, (11, 1): 50, (12, 1): 40}
    after = {
        (10, 1): 100 + CLOCK_TICKS,  # a second more
        (11, 7): CLOCK_TICKS // 2,  # pid 11 reused by a process started in between: from 0
        (13, 9): CLOCK_TICKS // 2,  # a new process: from 0
    }  # 12 has gone: lost
    assert cpu_seconds_between(before, after) == 2.0
    assert cpu_seconds_between({}, {}) == 0.0


def test_cpu_of_this_process() -> None:
    end = time.process_time() + 0.1
    while time.process_time() < end:  # use some CPU, so that there is something to read
        pass
    read, own = cpu_seconds_of(os.getpid()), time.process_time()
    assert read >= 0.1 and abs(read - own) < 0.1  # ticks against the kernel's exact clock
    assert cpu_seconds_of(2**22 + 1) == 0.0  # no such process
    ours = cpu_by_group([os.getpgrp()])[os.getpgrp()]
    mine = [ticks for (pid, _), ticks in ours.items() if pid == os.getpid()]
    assert len(mine) == 1 and mine[0] / CLOCK_TICKS >= read


# Waits to be told to start, so a first reading can come before its work; then uses 0.3 s of CPU
# (by its own clock, so a busy machine only makes it take longer), says so, and stays alive.
BUSY = (
    "import sys, time\n"
    "sys.stdin.readline()\n"
    "end = time.process_time() + 0.3\n"
    "while time.process_time() < end: pass\n"
    "print('done', flush=True)\n"
    "time.sleep(30)\n"
)


@contextlib.contextmanager
def _busy_child() -> Iterator[subprocess.Popen[str]]:
    """A child in a session (so a process group) of its own, as the supervisor starts each server."""
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def _work(child: subprocess.Popen[str]) -> None:
    """Tell the busy child to work, and wait until it has."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline() == "done\n"


def test_cpu_by_group_sees_a_busy_child_in_its_own_group() -> None:
    with _busy_child() as child:
        before = cpu_by_group([child.pid, 2**22 + 1])
        assert list(before[child.pid]) == [(child.pid, cpu_of_stat(Path(f"/proc/{child.pid}/stat").read_text()).start)]
        assert before[2**22 + 1] == {}  # a group with no process
        _work(child)
        after = cpu_by_group([child.pid])
        used = cpu_seconds_between(before[child.pid], after[child.pid])
        assert 0.2 <= used < 5
        assert cpu_seconds_between({}, after[child.pid]) >= used  # had the group not been read before: from 0
        assert os.getpid() not in {pid for pid, _ in after[child.pid]}  # our own CPU is not the child's


def test_cpu_watch_counts_each_server_between_start_and_stop() -> None:
    with _busy_child() as busy, _busy_child() as idle, _busy_child() as restarted:
        servers = {"Rasa server": busy.pid, "API": idle.pid, "action server": idle.pid}
        watch = CpuWatch(lambda: dict(servers))
        watch.start()
        _work(busy)
        _work(restarted)  # as if the action server had been restarted during the runs: a new group
        servers["action server"] = restarted.pid
        watch.stop()
        cpu = watch.used(turns=10)
    assert set(cpu.seconds) == {"Rasa server", "API", "action server"}
    assert cpu.seconds["Rasa server"] >= 0.2 and cpu.seconds["API"] < 0.1
    assert cpu.seconds["action server"] >= 0.2  # the new group counts from 0
    assert cpu.turns == 10 and cpu.cores == os.cpu_count() and 0 < cpu.wall < 30
    assert 0 <= cpu.own < cpu.wall + 0.1  # the load generator's own: it only waited


def test_throwaway_databases_are_made_and_dropped() -> None:
    """Against a real PostgreSQL server, only if PRACTICE_TEST_POSTGRES_URL names one (as the PostgreSQL tier)."""
    server = os.environ.get("PRACTICE_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PRACTICE_TEST_POSTGRES_URL is not set")
    with throwaway_databases(server) as (api_url, tracker_url):
        assert make_url(tracker_url).database == f"{make_url(api_url).database}_engine"
        for url in (api_url, tracker_url):
            database = create_engine(url)
            try:
                with database.connect() as connection:
                    assert connection.execute(text("SELECT 1")).scalar() == 1
            finally:
                database.dispose()
    admin = create_engine(server)
    try:
        with admin.connect() as connection:
            names = {make_url(api_url).database, make_url(tracker_url).database}
            left = connection.execute(text("SELECT datname FROM pg_database")).scalars()
            assert not names & set(left)
    finally:
        admin.dispose()
