"""The Rasa server's log never holds what a learner wrote (practice/rasa_logging)."""

from __future__ import annotations

import importlib.util
import json
import logging
from types import ModuleType

import yaml

from practice.engine import RASA_LOGGING, RASA_LOGGING_CONFIG

SECRET = "my dad hit me last night"


def _privacy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("practice_log_privacy", RASA_LOGGING / "practice_log_privacy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _filtered(message: str) -> str:
    record = logging.LogRecord("rasa.core.channels.rest", logging.ERROR, __file__, 1, message, (), None)
    assert _privacy().WithholdLearnerText().filter(record)
    return record.getMessage()


def test_an_event_keeps_what_went_wrong_and_withholds_the_learners_words() -> None:
    event = {
        "event": "rest.message.received.failure",
        "level": "error",
        "text": SECRET,
        "exception": [
            {
                "exc_type": "ValueError",
                "exc_value": f"bad message {SECRET}",
                "frames": [{"filename": "rest.py", "lineno": 176, "name": "receive", "locals": {"text": SECRET}}],
            }
        ],
    }
    out = _filtered(json.dumps(event))
    assert SECRET not in out
    assert json.loads(out) == {
        "event": "rest.message.received.failure",
        "level": "error",
        "exception": [
            {"exc_type": "ValueError", "frames": [{"filename": "rest.py", "lineno": 176, "name": "receive"}]}
        ],
        "withheld": ["exception", "text"],
    }


def test_lines_with_nothing_to_withhold_pass_unchanged() -> None:
    assert _filtered("Starting Rasa server on http://127.0.0.1:5005") == "Starting Rasa server on http://127.0.0.1:5005"
    plain = json.dumps({"event": "model.loaded", "level": "info"})
    assert _filtered(plain) == plain
    assert _filtered("{not json") == "{not json"


def test_the_config_names_the_filter_for_the_loggers_that_see_messages() -> None:
    config = yaml.safe_load(RASA_LOGGING_CONFIG.read_text(encoding="utf-8"))
    assert config["filters"]["withhold_learner_text"]["()"] == "practice_log_privacy.WithholdLearnerText"
    assert config["loggers"]["rasa.core.channels.rest"]["filters"] == ["withhold_learner_text"]
