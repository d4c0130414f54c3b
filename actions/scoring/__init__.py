"""Cue scorer for compassion-practice: plain Python + spaCy, no Rasa/FastAPI imports.

from actions.scoring import get_scorer
result = get_scorer().score("Can you tell me what happened?", context="...")
result.cues, result.score, result.flags, result.to_dict()
"""

from actions.scoring.errors import DataError, ScoringError, TaxonomyError
from actions.scoring.result import CueHit, ScoreResult
from actions.scoring.scorer import Scorer, get_scorer, reset_scorer
from actions.scoring.taxonomy import Cue, Taxonomy, load_taxonomy

__all__ = [
    "Cue",
    "CueHit",
    "DataError",
    "ScoreResult",
    "Scorer",
    "ScoringError",
    "Taxonomy",
    "TaxonomyError",
    "get_scorer",
    "load_taxonomy",
    "reset_scorer",
]
