"""Resident memory of whole process groups, read from Linux's /proc (no extra dependency).

The practice service's servers each lead their own process group (the supervisor starts
them in new sessions), and some start children: uvicorn with ``--workers`` forks one
process per worker, Rasa may start helpers. What a topology costs in memory is therefore
the sum over every process in those groups, not just over the processes the supervisor
started. RSS counts pages shared between processes (a forked worker's copy-on-write pages,
shared libraries) once per process, so the sum overstates the true footprint somewhat; it
is the figure ``ps`` and ``top`` show, and comparable between topologies measured alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class GroupMemory:
    """The resident memory of one process group: bytes summed over its processes, and how many."""

    rss: int = 0
    processes: int = 0


def process_group_of(stat: str) -> int:
    """The process group id from the text of ``/proc/<pid>/stat``.

    The second field is the command name in parentheses and may itself hold spaces or
    parentheses, so the fields are counted from the last ``)``: state, ppid, then pgrp.
    """
    fields = stat[stat.rindex(")") + 1 :].split()
    return int(fields[2])


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


def memory_by_group(leaders: Iterable[int], proc: Path = PROC) -> dict[int, GroupMemory]:
    """For each process group id in ``leaders``, the resident memory of all its processes.

    One pass over /proc. A process may exit between being listed and being read: it is then
    skipped, as it no longer holds memory.
    """
    wanted = set(leaders)
    totals = {leader: GroupMemory() for leader in wanted}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            group = process_group_of((entry / "stat").read_text())
            if group in wanted:
                rss = rss_of_status((entry / "status").read_text())
                before = totals[group]
                totals[group] = GroupMemory(before.rss + rss, before.processes + 1)
    return totals
