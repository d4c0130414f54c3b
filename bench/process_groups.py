"""Resident memory and CPU time of whole process groups, read from Linux's /proc (no extra dependency).

The practice service's servers each lead their own process group (the supervisor starts
them in new sessions), and some start children: uvicorn with ``--workers`` forks one
process per worker, the action server and Rasa may start helpers. What a topology costs is
therefore the sum over every process in those groups, not just over the processes the
supervisor started.

Memory: RSS counts pages shared between processes (a forked worker's copy-on-write pages,
shared libraries) once per process, so the sum overstates the true footprint somewhat; it
is the figure ``ps`` and ``top`` show, and comparable between topologies measured alike.

CPU: user plus system time (``utime`` + ``stime`` of ``/proc/<pid>/stat``, every thread of
the process, in clock ticks of 1/``SC_CLK_TCK`` s) between two readings of the groups. A
process that appeared between them counts from 0 (processes are told apart by pid and start
time, so a reused pid is a new process). A process that exited between them is lost, with
everything it used since the first reading: its time goes to its parent's ``cutime``, which
is not read, as it would count the part before the first reading again. The service's
servers and their workers live as long as the stack, so this loses nothing unless one dies.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # per second, as /proc/<pid>/stat counts CPU time

# A process group's CPU time at one moment: (pid, start time in ticks since boot) -> ticks used.
CpuReading = dict[tuple[int, int], int]


@dataclass(frozen=True)
class GroupMemory:
    """The resident memory of one process group: bytes summed over its processes, and how many."""

    rss: int = 0
    processes: int = 0


@dataclass(frozen=True)
class StatCpu:
    """From one ``/proc/<pid>/stat``: when the process started and the CPU time it has used, in ticks."""

    start: int
    ticks: int


def _fields_after_name(stat: str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name, the first being the state (field 3).

    The second field is the command name in parentheses and may itself hold spaces or
    parentheses, so the fields are counted from the last ``)``.
    """
    return stat[stat.rindex(")") + 1 :].split()


def process_group_of(stat: str) -> int:
    """The process group id from the text of ``/proc/<pid>/stat``: after the name, state, ppid, then pgrp."""
    return int(_fields_after_name(stat)[2])


def cpu_of_stat(stat: str) -> StatCpu:
    """Start time and user + system CPU ticks from the text of ``/proc/<pid>/stat``: fields 22,
    and 14 plus 15 (proc(5)), counted from the last ``)`` as the name may hold anything."""
    fields = _fields_after_name(stat)
    return StatCpu(start=int(fields[19]), ticks=int(fields[11]) + int(fields[12]))


def rss_of_status(status: str) -> int:
    """Resident bytes from the text of ``/proc/<pid>/status`` (``VmRSS:  1234 kB``); 0 without
    the line, as for kernel threads and processes that are exiting."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def rss_of(pid: int, proc: Path = PROC) -> int:
    """Resident bytes of one process now; 0 if it has gone."""
    try:
        return rss_of_status((proc / str(pid) / "status").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return 0


def cpu_seconds_of(pid: int, proc: Path = PROC) -> float:
    """User + system CPU seconds one process has used so far; 0 if it has gone."""
    try:
        return cpu_of_stat((proc / str(pid) / "stat").read_text()).ticks / CLOCK_TICKS
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _processes_of_groups(wanted: set[int], proc: Path) -> Iterator[tuple[int, Path, str]]:
    """(group, /proc entry, text of its stat) for every process in one of the ``wanted`` groups.

    One pass over /proc. A process may exit between being listed and being read: it is skipped.
    """
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            group = process_group_of(stat)
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
        if group in wanted:
            yield group, entry, stat


def memory_by_group(leaders: Iterable[int], proc: Path = PROC) -> dict[int, GroupMemory]:
    """For each process group id in ``leaders``, the resident memory of all its processes.

    A process that exits while /proc is read is skipped, as it no longer holds memory.
    """
    wanted = set(leaders)
    totals = {leader: GroupMemory() for leader in wanted}
    for group, entry, _ in _processes_of_groups(wanted, proc):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            rss = rss_of_status((entry / "status").read_text())
            before = totals[group]
            totals[group] = GroupMemory(before.rss + rss, before.processes + 1)
    return totals


def cpu_by_group(leaders: Iterable[int], proc: Path = PROC) -> dict[int, CpuReading]:
    """For each process group id in ``leaders``, the CPU ticks each of its processes has used so far
    (empty for a group with no process). Two readings give what was used in between:
    ``cpu_seconds_between``."""
    wanted = set(leaders)
    readings: dict[int, CpuReading] = {leader: {} for leader in wanted}
    for group, entry, stat in _processes_of_groups(wanted, proc):
        cpu = cpu_of_stat(stat)
        readings[group][(int(entry.name), cpu.start)] = cpu.ticks
    return readings


def cpu_seconds_between(before: Mapping[tuple[int, int], int], after: Mapping[tuple[int, int], int]) -> float:
    """CPU seconds a group's processes used between two readings: each process in ``after`` from
    its ticks in ``before``, or from 0 if it started in between. One gone by ``after`` is lost."""
    ticks = sum(used - before.get(process, 0) for process, used in after.items())
    return ticks / CLOCK_TICKS
