"""Through Rasa's own logging set-up (the engine environment): the event Rasa 3.6 logs when its
REST channel fails, with the learner's words and a traceback whose frames hold them, reaches
the log without them once `--logging-config-file` names our config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from practice.engine import RASA_LOGGING, RASA_LOGGING_CONFIG, rasa_bin, rasa_env

pytestmark = pytest.mark.e2e

SECRET = "nobody at home knows"

# What `rasa run` does before serving (rasa/__main__.py), then a failure logged from the REST
# channel's module as rest.py logs it.
SCRIPT = """
import sys
import rasa.utils.common as common, rasa.utils.io as rasa_io
from rasa.utils.log_utils import configure_structlog
common.configure_logging_and_warnings(None, sys.argv[1] or None, warn_only_once=True, filter_repeated_logs=True)
rasa_io.configure_colored_logging(None)
configure_structlog(None)
CHANNEL = '''
import copy, structlog
structlogger = structlog.get_logger()
def receive(text):
    try:
        raise RuntimeError("the dialogue failed")
    except Exception:
        structlogger.exception("rest.message.received.failure", text=copy.deepcopy(text))
structlogger.error("rest.message.received.timeout", text=SECRET)
receive(SECRET)
'''
exec(compile(CHANNEL, "rest.py", "exec"), {"__name__": "rasa.core.channels.rest", "SECRET": sys.argv[2]})
"""


def _rasa_log(config: Path | None) -> str:
    python = rasa_bin().parent / "python"
    env = {**rasa_env(), "PYTHONPATH": str(RASA_LOGGING)}
    done = subprocess.run(
        [str(python), "-c", SCRIPT, str(config or ""), SECRET],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_rasa_logs_a_failure_without_what_the_learner_wrote() -> None:
    log = _rasa_log(RASA_LOGGING_CONFIG)
    assert "rest.message.received.failure" in log and "rest.message.received.timeout" in log
    assert "RuntimeError" in log  # what went wrong stays
    assert SECRET not in log


def test_without_the_config_rasa_would_log_it() -> None:
    # The reason for the filter, and proof that the test above can fail.
    assert SECRET in _rasa_log(None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
