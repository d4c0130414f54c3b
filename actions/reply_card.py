"""One reading of a learner's reply as the feedback shows it: the cues the scorer found (with
their labels, families, weights and quotes), the empathic opportunity the patient's previous
line offered and whether it was taken, and the feedback sentences.

``action_score_turn`` (actions/sdk/turn.py) builds the turn's score card from it, and a group
run (api/services/group_runs.py) scores the replies the group did not send with the same
function, so an alternative is read exactly as it would have been had it been sent; the
patient's reaction (tension, the act) is the engine's and belongs to the sent reply alone.
Plain Python: no Rasa, no FastAPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actions.feedback import turn_feedback
from actions.patient import EMPATHIC_CUES
from actions.scoring import ScoreResult, get_scorer
from actions.scoring.moves import OUT_OF_SCOPE
from actions.scoring.taxonomy import load_taxonomy


@dataclass(frozen=True)
class ReplyReading:
    result: ScoreResult
    cues: list[dict[str, Any]]  # as the score card lists them
    tentative: frozenset[str]  # cues below the confidence floor ("possibly")
    opportunity: dict[str, Any] | None  # {"emotion", "taken"} when the previous line offered one
    feedback: list[str]
    scorer: str = ""  # the scorer build that read it (actions/scoring/builds.py): cards record it

    @property
    def questions(self) -> list[dict[str, Any]]:
        """Every question the scorer read in the reply, as the score card lists them."""
        return [
            {"cue": q.cue, "start": q.start, "end": q.end, "quote": self.result.quote(q)} for q in self.result.questions
        ]

    @property
    def found(self) -> set[str]:
        return {hit.cue for hit in self.result.cues}


def read_reply(said: str, previous: Mapping[str, Any] | None) -> ReplyReading:
    """Score ``said`` against the patient's previous line (a ``patient_line`` message, or None)."""
    scorer = get_scorer()
    result = scorer.score(said, context=str(previous.get("text") or "") if previous else "")
    tentative = frozenset(hit.cue for hit in result.cues if scorer.moves.is_tentative(hit))
    taxonomy = load_taxonomy()
    cues = [
        {
            "cue": hit.cue,
            "label": taxonomy[hit.cue].label,
            "family": taxonomy[hit.cue].family,
            "weight": taxonomy[hit.cue].weight,
            "start": hit.start,
            "end": hit.end,
            "confidence": round(hit.confidence, 2),
            "tentative": hit.cue in tentative,
            "quote": result.quote(hit),
        }
        for hit in result.cues
    ]
    found = {hit.cue for hit in result.cues}
    emotion = previous.get("opportunity") if previous else None
    opportunity = {"emotion": emotion, "taken": bool(found & EMPATHIC_CUES)} if emotion else None
    feedback = turn_feedback(cues, opportunity=opportunity, reply=result.text)
    return ReplyReading(
        result=result, cues=cues, tentative=tentative, opportunity=opportunity, feedback=feedback, scorer=scorer.version
    )


def alternative_card(said: str, previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The score card a reply would have had, without the patient's reaction (no tension, no
    escalation): what a group run shows for the replies it did not send."""
    reading = read_reply(said, previous)
    move = reading.result.move
    return {
        "type": "score_card",
        "alternative": True,
        "move": move.id if move else OUT_OF_SCOPE,
        "move_tentative": bool(move and move.tentative),
        "said": reading.result.text,
        "cues": reading.cues,
        "questions": reading.questions,
        "score": reading.result.score,
        "opportunity": reading.opportunity,
        "feedback": reading.feedback,
        "flags": list(reading.result.flags),
        "scorer": reading.scorer,
    }
