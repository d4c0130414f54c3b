"""Spans index the original text and quote the words that carry the cue."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.scoring.data import CUES_DIR, read_examples

DEV = CUES_DIR / "dev.jsonl"


def test_known_quotes(scorer):
    text = "I know it's been a long morning, but what matters most to you right now?"
    result = scorer.score(text)
    [hit] = [h for h in result.cues if h.cue == "open_question"]
    assert result.quote(hit) == "what matters most to you right now?"
    text = "Right. I'm so sorry. Calm down."
    quotes = {h.cue: scorer.score(text).quote(h) for h in scorer.score(text).cues}
    assert quotes == {"apologise": "I'm so sorry.", "command": "Calm down."}


def test_curly_apostrophes_keep_offsets(scorer):
    text = "I\u2019m sorry you\u2019ve waited. What\u2019s been hardest?"
    result = scorer.score(text)
    assert {"apologise", "open_question"} <= set(result.cue_ids)
    for h in result.cues:
        assert result.quote(h) == text[h.start : h.end] and result.quote(h).strip() == result.quote(h)


@pytest.mark.skipif(not DEV.exists(), reason="data/cues/dev.jsonl is missing")
def test_every_span_is_inside_and_trimmed_on_dev(scorer):
    for ex in read_examples(Path(DEV)):
        result = scorer.score(ex.text, ex.context)
        for h in result.cues:
            assert 0 <= h.start < h.end <= len(ex.text), (ex.text, h)
            quote = result.quote(h)
            assert quote == quote.strip() and quote, (ex.text, h)
            assert 0.0 < h.confidence <= 1.0
        d = result.to_dict()
        assert set(d) == {"cues", "score", "flags", "move", "move_tentative"}
