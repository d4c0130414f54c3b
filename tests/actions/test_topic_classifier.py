"""The question-topic classifier (actions/topic_classifier.py) and its corpus (data/topics/*.jsonl)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from actions.facts import lemmas, load_topics
from actions.scoring.errors import DataError
from actions.topic_classifier import LABELS, TopicClassifier, features, load_classifier, read_corpus


def _train(rows: list[tuple[str, str]]) -> TopicClassifier:
    lexicon = load_topics()
    return TopicClassifier.train((features(lemmas(q), lexicon.lead_word(lemmas(q))), label) for q, label in rows)


def test_probabilities_cover_every_label_and_sum_to_one() -> None:
    model = _train([("How long has it been?", "how_long"), ("Who is with you?", "who"), ("Nice weather?", "none")])
    probs = model.probabilities(features(lemmas("How long ago?"), "how"))
    assert set(probs) == set(LABELS) and sum(probs.values()) == pytest.approx(1.0)
    assert max(probs, key=lambda k: probs[k]) == "how_long"


def test_a_higher_temperature_is_less_sure() -> None:
    model = _train([("How long has it been?", "how_long"), ("Who is with you?", "who")] * 3)
    feats = features(lemmas("How long has it been going on?"), "how")
    assert model.probabilities(feats, 2.0)["how_long"] < model.probabilities(feats)["how_long"]


def test_words_never_seen_leave_the_priors() -> None:
    model = _train([("How long?", "how_long"), ("Who?", "who")])
    assert model.probabilities(["zzz", "qqq"]) == pytest.approx(model.probabilities([]))
    naive = TopicClassifier.train([(["how"], "how_long"), (["who"], "who")], regression=False)
    probs = naive.probabilities(["zzz", "qqq"])
    assert probs["how_long"] == pytest.approx(probs["who"])


def test_the_model_is_the_same_on_every_training() -> None:
    # The regression learns in a fixed order: every action server reads questions alike.
    rows = [("How long has it been?", "how_long"), ("Who is with you?", "who"), ("Any pain?", "symptoms")] * 4
    feats = features(lemmas("Who has been with you for how long?"), "who")
    assert _train(rows).probabilities(feats) == _train(rows).probabilities(feats)


def test_the_corpus_is_balanced_and_well_formed() -> None:
    counts = Counter(label for _, label in read_corpus())
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 100
    questions = [q.lower() for q, _ in read_corpus()]
    assert len(set(questions)) == len(questions)
    assert load_classifier() is not None


def test_a_bad_corpus_line_is_named(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text('{"q": "Is it cold?", "topic": "weather"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"q.jsonl:1: unknown topic 'weather'"):
        read_corpus(tmp_path)
    (tmp_path / "q.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"q.jsonl:1: expected"):
        read_corpus(tmp_path)
