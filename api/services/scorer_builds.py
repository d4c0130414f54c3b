"""Rebuilding the scorer with reviewers' corrections from the admin page (the same rebuild as
`practice score --build --with-corrections`, practice/scoring/corrections.py).

An admin starts it; the row in `scorer_rebuilds` says it is running, the corrections are read
from the database there and then, and the build runs after the response (a background task).
The default runner trains in a child process (`python -m practice.commands.score`), never in
the API's own: training forks worker processes and takes minutes of both cores, and a child
can be neither blocked by nor block the serving threads. When it ends the row says installed,
refused (the dev macro-F1 rule) or failed, with the before/after report. One rebuild at a time;
one left running by an API process that died is given up after `STALE_AFTER`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.vocabulary import REPO_ROOT
from api.db import utcnow
from api.exceptions import Conflict, InvalidRequest, NotFound
from api.models import ScorerRebuild, User
from api.services.reviews import training_corrections
from practice.scoring.correction_data import Correction, training_examples, write_corrections

log = logging.getLogger("api.scorer")

#: Runs a rebuild with these corrections and returns RebuildResult.to_dict() (or {"error": ...}).
Rebuilder = Callable[[list[Correction]], dict[str, Any]]

STALE_AFTER = timedelta(hours=1)  # a build takes minutes; a row running longer lost its process
TIMEOUT_SECONDS = 45 * 60


def run_in_child(corrections: list[Correction]) -> dict[str, Any]:
    """The default runner: `practice score --build --corrections FILE --report-json OUT` in a child."""
    with tempfile.TemporaryDirectory(prefix="practice-rebuild-") as tmp:
        data, report = Path(tmp) / "corrections.jsonl", Path(tmp) / "report.json"
        write_corrections(corrections, data)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "practice.commands.score",
                "--build",
                "--with-corrections",
                "--corrections",
                str(data),
                "--report-json",
                str(report),
            ],
            cwd=REPO_ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if report.exists():
            return dict(json.loads(report.read_text(encoding="utf-8")))
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        return {"error": f"the rebuild stopped (exit {done.returncode}): {' / '.join(tail) or 'no output'}"}


def rebuild_out(row: ScorerRebuild) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "started_by": row.started_by,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "build_id": row.build_id,
        "result": row.result,
        "error": row.error,
    }


def recent(db: Session, limit: int = 10) -> list[ScorerRebuild]:
    return list(db.scalars(select(ScorerRebuild).order_by(ScorerRebuild.id.desc()).limit(limit)))


def get(db: Session, rebuild_id: int) -> ScorerRebuild:
    row = db.get(ScorerRebuild, rebuild_id)
    if row is None:
        raise NotFound(f"no scorer rebuild {rebuild_id}", code="rebuild_not_found")
    return row


def start(db: Session, *, admin: User) -> tuple[ScorerRebuild, list[Correction]]:
    """Record a new rebuild as running, with the corrections it will learn from. Refused while
    another runs (409 `rebuild_running`) or when there is nothing to learn (422 `no_corrections`)."""
    now = utcnow()
    for row in db.scalars(select(ScorerRebuild).where(ScorerRebuild.status == "running")):
        if now - row.started_at < STALE_AFTER:
            raise Conflict(
                f"scorer rebuild {row.id} is still running (started {row.started_at:%H:%M} UTC); wait for its result",
                code="rebuild_running",
            )
        row.status, row.finished_at, row.error = "failed", now, "given up: its API process stopped before it ended"
    corrections = training_corrections(db)
    examples, conflicts = training_examples(corrections)
    if not examples:
        raise InvalidRequest(
            "there are no reviewers' corrections to learn from"
            + (f" ({len(conflicts)} conflicting ones are left out until reviewers agree)" if conflicts else ""),
            code="no_corrections",
        )
    row = ScorerRebuild(started_by=admin.id, status="running", started_at=now)
    db.add(row)
    db.commit()
    log.info("scorer rebuild %s started by user %s with %d corrections", row.id, admin.id, len(corrections))
    return row, corrections


def finish(sessions: sessionmaker[Session], rebuild_id: int, corrections: list[Correction], runner: Rebuilder) -> None:
    """Run the rebuild and record what came of it (a background task: it never raises)."""
    try:
        result = runner(corrections)
    except Exception as exc:  # noqa: BLE001 - recorded on the row for the admin to read
        result = {"error": f"the rebuild failed: {type(exc).__name__}: {exc}"}
    with sessions() as db:
        row = db.get(ScorerRebuild, rebuild_id)
        if row is None:
            return
        row.finished_at = utcnow()
        if "error" in result:
            row.status, row.error = "failed", str(result["error"])
        else:
            row.status = "installed" if result.get("installed") else "refused"
            row.build_id, row.result = result.get("build_id"), result
        db.commit()
        log.info("scorer rebuild %s %s", rebuild_id, row.status)


def builds_overview() -> dict[str, Any]:
    """The builds of the current training data and the one that scores (read from build/)."""
    from actions.scoring import builds
    from actions.scoring.scorer import classifier_key

    key = classifier_key()
    items = builds.list_builds(key)
    current = next((b["id"] for b in items if b["selected"]), None)
    return {"current": current, "builds": items}
