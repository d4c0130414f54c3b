"""Rasa's log lines without the learner's words (imported by the Rasa server, Python 3.10).

Why: transcripts are personal data and never go into logs, but Rasa 3.6 logs the message it
was handling when its REST channel times out or fails ("rest.message.received.timeout",
text=...), and its JSON tracebacks carry each frame's local variables, the learner's text among
them. The Rasa server loads this filter through its own `--logging-config-file` (see
`logging.yml` beside it); it keeps what says what went wrong (the event, its level and time,
the exception's type and where it was raised) and withholds the rest, naming only the keys.

Standard library only: it runs in the engine environment, which has none of the project.
"""

from __future__ import annotations

import json
import logging
from typing import Any

# Keys of a structlog event that never hold what a learner wrote.
SAFE_KEYS = frozenset({"event", "event_key", "level", "timestamp", "logger"})
# What a traceback frame may keep: where, not what (its locals hold the learner's text).
SAFE_FRAME_KEYS = ("filename", "lineno", "name")


def _exception_summary(raw: Any) -> list[dict[str, Any]]:
    """structlog's `dict_tracebacks` exception, without its values and its frames' locals."""
    if not isinstance(raw, list):
        return []
    out = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        frames = entry.get("frames")
        if not isinstance(frames, list):
            frames = []
        out.append(
            {
                "exc_type": entry.get("exc_type"),
                "frames": [{k: f.get(k) for k in SAFE_FRAME_KEYS} for f in frames if isinstance(f, dict)],
            }
        )
    return out


class WithholdLearnerText(logging.Filter):
    """Rewrites a JSON log line (Rasa's structlog events) to its safe keys; other lines pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return True
        if not message.startswith("{"):
            return True
        try:
            event = json.loads(message)
        except ValueError:
            return True
        if not isinstance(event, dict):
            return True
        kept = {key: value for key, value in event.items() if key in SAFE_KEYS}
        withheld = sorted(key for key in event if key not in SAFE_KEYS)
        if "exception" in event:
            kept["exception"] = _exception_summary(event["exception"])
        if withheld:
            kept["withheld"] = withheld
            record.msg, record.args = json.dumps(kept), ()
        return True
