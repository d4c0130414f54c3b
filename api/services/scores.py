"""Numbers read back from stored turns and summaries (nothing here calls the scorer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from actions.vocabulary import CUE_FAMILIES


def card_score(card: dict[str, Any] | None) -> float | None:
    if not isinstance(card, dict):
        return None
    score = card.get("score")
    return float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None


def session_score(cards: Iterable[dict[str, Any] | None]) -> float | None:
    """The mean turn score of a session, rounded to 2 places; None with no scored turn."""
    scores = [s for s in (card_score(c) for c in cards) if s is not None]
    return round(sum(scores) / len(scores), 2) if scores else None


def card_cues(card: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not isinstance(card, dict) or not isinstance(card.get("cues"), list):
        return []
    return [c for c in card["cues"] if isinstance(c, dict) and isinstance(c.get("cue"), str)]


def family_counts(cards: Iterable[dict[str, Any] | None]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(CUE_FAMILIES, 0)  # cards are stored JSON: any family named is counted
    for card in cards:
        for cue in card_cues(card):
            family = cue.get("family")
            if isinstance(family, str):
                counts[family] = counts.get(family, 0) + 1
    return counts
