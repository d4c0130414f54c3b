"""Whole-turn latency through the real stack: API -> Rasa -> action server -> API.

Usage: .venv/bin/python bench/bench_turns.py [--sessions 6] [--turns 8]

Starts its own practice service (trained model, action server, API) on free loopback ports
with its state in a temporary folder, so it runs beside `make run`. One learner, signed in
through the public API, practises each scenario in turn, one reply at a time, with no pause
(sequential: what one learner waits for, not what a course puts through; the load benchmark
for many learners at once is issue 19's). Prints the median, p95 and worst turn, and the
median of the first turn of each session separately (it includes the session's warm-up).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth.bootstrap import create_user_at  # noqa: E402 - sys.path set above, for running as a script
from bench.load import percentile  # noqa: E402 - sys.path set above, for running as a script
from practice.engine import ensure_model  # noqa: E402 - sys.path set above, for running as a script
from practice.supervisor import Stack, StackConfig, free_port  # noqa: E402 - sys.path set above, for running as a script

REPLIES = (  # a learner who listens, asks, explains, and sometimes slips
    "Hello, I'm Sam. I can see you're really upset. What's happened?",
    "So you've been waiting since this morning and nobody has told you anything.",
    "That sounds exhausting, and I'm sorry. Can you tell me a bit more about it?",
    "Okay. Um, the thing is, I do need you to calm down a bit, yeah?",
    "Sorry, that came out wrong. It makes sense you're fed up.",
    "What would help most right now?",
    "I'll ring the ward now and find out exactly where things are, and I'll come straight back.",
    "Would you like to wait here, or somewhere a bit quieter?",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=6)
    ap.add_argument("--turns", type=int, default=len(REPLIES))
    args = ap.parse_args(argv)
    model = ensure_model(quiet=True)
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as state:
        config = StackConfig(
            model=model, rasa_port=free_port(), action_port=free_port(), api_port=free_port(), state_dir=Path(state)
        )
        stack = Stack(config)
        stack.start(timeout=400)
        try:
            login = {"username": "bench-learner", "password": "a long benchmark password"}
            create_user_at(config.resolved_database_url, role="learner", **login)
            with httpx.Client(base_url=config.api_url, timeout=120) as api:
                token = api.post("/api/auth/token", data=login).raise_for_status().json()["access_token"]
                api.headers["Authorization"] = f"Bearer {token}"
                scenarios = [s["id"] for s in api.get("/api/scenarios").raise_for_status().json()["items"]]
                first: list[float] = []
                rest: list[float] = []
                for k in range(args.sessions):
                    session = (
                        api.post("/api/sessions", json={"scenario_id": scenarios[k % len(scenarios)], "seed": k})
                        .raise_for_status()
                        .json()
                    )
                    for n in range(args.turns):
                        started = time.perf_counter()
                        body = (
                            api.post(f"/api/sessions/{session['id']}/turns", json={"text": REPLIES[n % len(REPLIES)]})
                            .raise_for_status()
                            .json()
                        )
                        (first if n == 0 else rest).append((time.perf_counter() - started) * 1000)
                        if body.get("summary"):
                            break
                    else:
                        api.post(f"/api/sessions/{session['id']}/end", json={"reason": "finished"})
        finally:
            stack.stop()
    every = first + rest
    print(f"{len(every)} turns in {args.sessions} sessions, one learner, no pause")
    print(
        f"turn median {statistics.median(every):.0f} ms   p95 {percentile(every, 0.95):.0f} ms   "
        f"worst {max(every):.0f} ms"
    )
    print(
        f"first turn of a session: median {statistics.median(first):.0f} ms; "
        f"later turns: median {statistics.median(rest):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
