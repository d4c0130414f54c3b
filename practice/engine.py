"""The Rasa engine seen from the project environment: where it lives, and training its model.

Rasa 3.6 runs in its own Python 3.10 environment (`.venv-rasa`), so everything here shells out
to that environment's `rasa` command instead of importing Rasa. Trained models are cached
under `models/` by a hash of everything training reads, so an unchanged assistant is never
trained twice, and a concurrent `make run` and `make test` train it once between them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from actions.settings import Settings
from actions.vocabulary import REPO_ROOT

CONFIG = REPO_ROOT / "config.yml"
DOMAIN = REPO_ROOT / "domain.yml"
CREDENTIALS = REPO_ROOT / "credentials.yml"
# Rasa's logging config and the folder of the filter it loads (practice_log_privacy.py: the
# learner's words never reach the Rasa server's log).
RASA_LOGGING = REPO_ROOT / "practice" / "rasa_logging"
RASA_LOGGING_CONFIG = RASA_LOGGING / "logging.yml"
TRAINING_DATA = [REPO_ROOT / "data" / name for name in ("rules", "stories")]
ENGINE_LOCK = REPO_ROOT / "requirements" / "engine.lock"
TEST_STORIES = REPO_ROOT / "tests" / "test_stories.yml"


class EngineSetupError(RuntimeError):
    """The Rasa engine environment is missing or a Rasa command failed."""


def rasa_bin() -> Path:
    """The engine's `rasa` executable: `PRACTICE_RASA_BIN`, else `.venv-rasa/bin/rasa`."""
    path = Settings().rasa_bin
    if not path.exists():
        raise EngineSetupError(f"Rasa engine not found at {path}. Run `make setup` to create the engine environment.")
    return path


def models_dir() -> Path:
    """Where trained models are cached (`PRACTICE_MODELS_DIR` or `models/`)."""
    return Settings().models_dir


def _training_files() -> Iterator[Path]:
    yield CONFIG
    yield DOMAIN
    yield ENGINE_LOCK
    for folder in TRAINING_DATA:
        yield from sorted(p for p in folder.rglob("*") if p.is_file())


def inputs_hash() -> str:
    """A short hash of every file training reads (and the engine's pinned versions)."""
    digest = hashlib.sha256()
    for path in _training_files():
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _data_args() -> list[str]:
    return ["--data", *(str(p) for p in TRAINING_DATA)]


def rasa_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every `rasa` command runs in (training, checks, the server).

    Rasa's telemetry is switched off: left alone, Rasa turns it on at its first run and sends
    usage events and, through Sentry, reports of its exceptions to Rasa's servers. A report
    from a server mid-conversation could carry a learner's words, and nothing may leave the
    machine. The rest quietens warnings that say nothing to a user.
    """
    return {
        **(os.environ if base is None else base),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def run_rasa(args: list[str], *, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a `rasa` subcommand from the repository root; raise with its output on failure."""
    result = subprocess.run(
        [str(rasa_bin()), *args],
        cwd=REPO_ROOT,
        env=rasa_env(),
        text=True,
        capture_output=quiet,
    )
    if result.returncode != 0:
        detail = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:] if quiet else ""
        raise EngineSetupError(f"`rasa {' '.join(args[:2])}` failed (exit {result.returncode}).\n{detail}")
    return result


def ensure_model(*, quiet: bool = False) -> Path:
    """Return the trained model for the current inputs, training it first if it is not cached."""
    target_dir = models_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    name = inputs_hash()
    model = target_dir / f"{name}.tar.gz"
    if model.exists():
        return model
    with open(target_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training the same inputs
        if model.exists():
            return model
        print(f"Training the Rasa model ({name}); this takes a few minutes the first time...", file=sys.stderr)
        started = time.monotonic()
        run_rasa(
            [
                "train",
                "--domain",
                str(DOMAIN),
                "--config",
                str(CONFIG),
                *_data_args(),
                "--out",
                str(target_dir),
                "--fixed-model-name",
                name,
            ],
            quiet=quiet,
        )
        print(f"Trained in {time.monotonic() - started:.0f} s: {model}", file=sys.stderr)
    return model


def validate_data() -> None:
    """Rasa's own consistency checks of domain, stories, rules and NLU data."""
    run_rasa(
        ["data", "validate", "--domain", str(DOMAIN), "--config", str(CONFIG), *_data_args(), "--fail-on-warnings"]
    )


def run_test_stories(model: Path, out_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the Rasa test stories against `model`, failing on any prediction error."""
    return run_rasa(
        [
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            str(TEST_STORIES),
            "--fail-on-prediction-errors",
            "--out",
            str(out_dir),
        ],
        quiet=True,
    )
