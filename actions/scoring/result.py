"""The result objects that the actions, the API and the UI all use.

Turn score formula (documented here and in data/cues/GUIDE.md):

    score = sum(weight(c) for c in distinct cues detected in the turn)

Each cue counts once per turn (saying "sorry" three times is not three apologies), the
weights come from taxonomy.yml (anti-patterns are negative, so they weigh against), and the
sum is clipped to [-10, 10] and rounded to 2 decimals. Confidence does not scale the score:
a cue is either reported (confidence above its threshold) or not, so the score a learner
sees always equals the sum of the cue weights listed on the card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from actions.scoring.moves import Move

SCORE_MIN = -10.0
SCORE_MAX = 10.0


@dataclass(frozen=True)
class CueHit:
    """One detected cue: character span [start, end) in the original text."""

    cue: str
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"cue": self.cue, "start": self.start, "end": self.end, "confidence": round(self.confidence, 2)}


# The kind of a question in `ScoreResult.questions` that is a statement closed by a question
# tag ("And you're his dad, yeah?"): heard as asked, but no question cue (GUIDE.md).
TAG_QUESTION = "tag_question"


@dataclass
class ScoreResult:
    """Cues, turn score and flags for one utterance, and the move the patient reacts to
    (read from these cues: actions/scoring/moves.py)."""

    text: str
    cues: list[CueHit] = field(default_factory=list)
    score: float = 0.0
    flags: list[str] = field(default_factory=list)
    move: Move | None = None
    # Every question the turn asks, in order: `cues` names each kind of question once (a turn
    # scores a cue once), but the patient answers what was asked ("Are you comfy? Any pain?").
    # A statement closed by a question tag is here too, as TAG_QUESTION, though not a cue.
    questions: list[CueHit] = field(default_factory=list)

    def quote(self, hit: CueHit) -> str:
        """The words of the utterance that carry the cue."""
        return self.text[hit.start : hit.end]

    @property
    def cue_ids(self) -> list[str]:
        seen: list[str] = []
        for hit in self.cues:
            if hit.cue not in seen:
                seen.append(hit.cue)
        return seen

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cues": [h.to_dict() for h in self.cues], "score": self.score, "flags": list(self.flags)}
        if self.move is not None:
            out["move"] = self.move.id
            out["move_tentative"] = self.move.tentative
        return out


def turn_score(cue_ids: list[str], weights: dict[str, float]) -> float:
    """Sum of the weights of the distinct cues, clipped and rounded (see module doc)."""
    total = sum(weights.get(c, 0.0) for c in set(cue_ids))
    return float(round(max(SCORE_MIN, min(SCORE_MAX, total)), 2))
