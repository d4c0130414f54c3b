"""Both directions of a REST exchange with the engine: the intents the API sends (``/intent{...}``)
and the custom messages the actions send back (DESIGN.md "Messages the actions send"), sorted by type."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from api.exceptions import EngineReportedError


@dataclass
class EngineReply:
    """One REST reply: the patient's lines, the learner's score card, and a summary if it ended."""

    patient_lines: list[dict[str, Any]] = field(default_factory=list)
    score_card: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"type": "error", "code", "message"}
    other: int = 0  # custom messages of a type we do not know (ignored, counted for the log)

    @classmethod
    def from_messages(cls, messages: list[dict[str, Any]]) -> EngineReply:
        reply = cls()
        for message in messages:
            kind = message.get("type")
            if kind == "patient_line":
                reply.patient_lines.append(message)
            elif kind == "score_card" and reply.score_card is None:
                reply.score_card = message
            elif kind == "summary" and reply.summary is None:
                reply.summary = message
            elif kind == "error":
                reply.errors.append(message)
            else:
                reply.other += 1
        return reply

    def raise_reported_error(self) -> None:
        """If an action reported a problem, raise it as an engine error (its message names it)."""
        if self.errors:
            first = self.errors[0]
            code = str(first.get("code") or "error")
            raise EngineReportedError(
                f"the Rasa engine reported {code!r}: {first.get('message') or 'no details'}", engine_code=code
            )


def intent_message(intent: str, entities: dict[str, str]) -> str:
    """``/intent{"entity": "value"}``: how the API sends a system intent through the REST channel."""
    return f"/{intent}{json.dumps(entities, separators=(', ', ': '))}"


LEARNER_REPLY = "learner_reply"
START_SCENARIO = "start_scenario"
END_SESSION = "end_session"


def learner_message(text: str) -> str:
    """How the API sends what the learner said: always wrapped as the `said` entity of the
    `learner_reply` intent, so nothing the learner types is read by Rasa as an intent (the
    move the patient reacts to comes from the cue scorer, in the action server)."""
    return intent_message(LEARNER_REPLY, {"said": text})


def start_scenario_message(scenario_id: str, seed: str) -> str:
    """Opens a conversation: the engine sets the patient up and answers with the opening line."""
    return intent_message(START_SCENARIO, {"scenario_id": scenario_id, "seed": seed})


def end_session_message(reason: str) -> str:
    """Closes a conversation (``reason``: ``finished`` or ``safety``); the engine answers with a summary."""
    return intent_message(END_SESSION, {"reason": reason})


def read_intent_message(message: str) -> tuple[str, dict[str, Any]]:
    """The inverse of ``intent_message``: ``("intent", {entities})`` (the fake engine reads with it).

    Raises ``ValueError`` for text that is not ``/intent{json}``.
    """
    if not message.startswith("/") or "{" not in message:
        raise ValueError("not an intent message")
    intent, _, entities = message[1:].partition("{")
    parsed = json.loads("{" + entities)
    if not isinstance(parsed, dict):
        raise ValueError("the entities of an intent message are not a JSON object")
    return intent, parsed
