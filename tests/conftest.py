"""Suite-wide hooks: the end-to-end tests report the per-turn latency they saw."""

from __future__ import annotations

import statistics

import pytest

from tests.e2e.latency import TURN_LATENCIES

# The real practice stack (trained model, action server, API): used by tests/e2e and tests/browser.
pytest_plugins = ["tests.supervisor_fixtures"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TURN_LATENCIES:
        return
    ordered = sorted(TURN_LATENCIES)
    terminalreporter.section("practice turn latency (end to end, API -> Rasa -> actions)")
    terminalreporter.write_line(
        f"turns: {len(ordered)}  median: {statistics.median(ordered) * 1000:.0f} ms  worst: {ordered[-1] * 1000:.0f} ms"
    )
