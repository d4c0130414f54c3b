"""Bad input gives a clear result (no cues, a flag), never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from actions.scoring import Scorer
from actions.scoring.guard import MAX_CHARS


@pytest.mark.parametrize(
    "text,flag",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("😀😡🙏", "no_words"),
        ("!!! ???", "no_words"),
        ("Necesito hablar con el médico ahora mismo por favor", "non_english"),
        ("请帮我找医生", "non_english"),
        ("\x00\x01\x02", "empty"),
    ],
)
def test_unscorable_input_is_flagged(scorer, text, flag):
    result = scorer.score(text)
    assert result.cues == [] and result.score == 0.0
    assert flag in result.flags
    assert result.to_dict()["flags"] == result.flags


def test_long_text_is_truncated_and_still_scored(scorer):
    text = "I'm so sorry about the wait. " * 200
    result = scorer.score(text)
    assert "truncated" in result.flags
    assert "apologise" in result.cue_ids
    assert all(h.end <= MAX_CHARS for h in result.cues)


def test_control_characters_keep_offsets(scorer):
    text = "Calm\x07 down.\x00 What happened?"
    result = scorer.score(text)
    assert "control_chars" in result.flags
    for hit in result.cues:
        assert 0 <= hit.start < hit.end <= len(text)


@pytest.mark.parametrize("value", [None, 42, "x" * 10_000, "\u202e\u200b", "Tell me more", "?"])
def test_never_raises(scorer: Scorer, value: Any) -> None:
    """``value`` is Any on purpose: not only strings, whatever a caller might pass."""
    scorer.score(value)
    scorer.score("What happened?", context=value)
