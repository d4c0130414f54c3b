"""The authored scenario versions the engine plays, as files: ``<id>__v<N>.yml`` in the authored
directory (``PRACTICE_AUTHORED_SCENARIO_DIR``), with ``id: <id>__v<N>`` inside.

Why files: the action server already reads its scenarios from YAML and re-reads a directory
whose names or mtimes changed (``actions.scenarios.load_library``), so a version written here
is playable on the next action, with no restart and no retraining (the Rasa model knows acts
and slots, never a scenario's lines). A version's file never changes once written (versions
are immutable), so writing it again is harmless. Each write is atomic (a temporary file in the
same directory, then ``os.replace``), so the action server never reads half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from actions.scenarios import engine_key


def version_path(directory: Path, scenario_id: str, version: int) -> Path:
    return Path(directory) / f"{engine_key(scenario_id, version)}.yml"


def write_version(directory: Path, scenario_id: str, version: int, data: dict[str, Any]) -> Path:
    """Write the version's file (creating the directory) and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = version_path(directory, scenario_id, version)
    body = {**data, "id": engine_key(scenario_id, version)}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    # Not `*.yml`, so the loader never globs a half-written file.
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def ensure_version(directory: Path, scenario_id: str, version: int, data: dict[str, Any]) -> Path:
    """The version's file, written if missing (a fresh machine, a cleaned directory)."""
    path = version_path(directory, scenario_id, version)
    return path if path.is_file() else write_version(directory, scenario_id, version, data)
