"""A learner's progress over time, read from their stored turns and summaries.

Only finished (``ended``) sessions count. Per cue family the raw counts and the counts per
learner turn (so a long session does not look better just for being long).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from actions.vocabulary import CUE_FAMILIES
from api.models import PracticeSession
from api.schemas import FamilyNumbers, Progress, ProgressPoint, ProgressTotals
from api.services.scores import family_counts, session_score


def _per_turn(counts: dict[str, int], turns: int) -> FamilyNumbers:
    return FamilyNumbers(**{f: round(counts.get(f, 0) / turns, 3) if turns else 0 for f in CUE_FAMILIES})


def _ratio(summary: object) -> float | None:
    value = summary.get("reflection_to_question") if isinstance(summary, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def progress(db: Session, *, owner_id: int, scenario_id: str | None = None, since: datetime | None = None) -> Progress:
    query = (
        select(PracticeSession)
        .where(PracticeSession.owner_id == owner_id, PracticeSession.status == "ended")
        .options(selectinload(PracticeSession.turns))
        .order_by(PracticeSession.created_at, PracticeSession.id)
    )
    if scenario_id is not None:
        query = query.where(PracticeSession.scenario_id == scenario_id)
    if since is not None:
        query = query.where(PracticeSession.created_at >= since)
    points: list[ProgressPoint] = []
    total_counts: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    total_turns = 0
    scores: list[float] = []
    ratios: list[float] = []
    for s in db.scalars(query):
        cards = [t.score_card for t in s.turns if t.status == "answered"]
        counts = family_counts(cards)
        score = session_score(cards)
        ratio = _ratio(s.summary)
        points.append(
            ProgressPoint(
                session_id=s.id,
                scenario_id=s.scenario_id,
                created_at=s.created_at,
                outcome=s.outcome,
                turns=len(cards),
                score=score,
                family_counts=FamilyNumbers(**{f: counts.get(f, 0) for f in CUE_FAMILIES}),
                family_per_turn=_per_turn(counts, len(cards)),
                reflection_to_question=ratio,
            )
        )
        total_counts.update(counts)
        total_turns += len(cards)
        outcomes[s.outcome or "unknown"] += 1
        if score is not None:
            scores.append(score)
        if ratio is not None:
            ratios.append(ratio)
    totals = ProgressTotals(
        sessions=len(points),
        turns=total_turns,
        outcomes=dict(outcomes),
        family_counts=FamilyNumbers(**{f: total_counts.get(f, 0) for f in CUE_FAMILIES}),
        family_per_turn=_per_turn(dict(total_counts), total_turns),
        mean_score=round(sum(scores) / len(scores), 2) if scores else None,
        mean_reflection_to_question=round(sum(ratios) / len(ratios), 3) if ratios else None,
    )
    return Progress(points=points, totals=totals)
