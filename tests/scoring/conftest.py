"""Shared fixtures: one scorer per test session (loading it costs ~1 s)."""

from __future__ import annotations

import pytest

from actions.scoring import Scorer, get_scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return get_scorer()


def cues(scorer: Scorer, text: str, context: str = "") -> set[str]:
    return set(scorer.score(text, context).cue_ids)
