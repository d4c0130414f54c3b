"""Which topic a question is about, learnt from questions people ask in many situations.

Why a classifier besides the topic words: a list of words cannot hold every way of asking
("Has anyone been with you?", "How's he doing in himself?"), and a scenario's facts only add
their own nouns. `data/topics/*.jsonl` holds questions front-line staff ask across many
situations, each labelled with its topic or ``none`` (small talk, checks like "Is that
okay?"); none of them come from our scenarios or from the held-out test questions.

The model reads the question's lemmas, its lemma pairs and the word that leads it twice:
multinomial naive Bayes (counts: strong on rare, telling words) and logistic regression
(weights learnt against each other, so words that always come together are not counted as
separate evidence). Their log-probabilities are added; together they read the questions
cross-validation holds back better than either alone (`bench/topic_classifier.py`: 92.7%,
against 91.2% for naive Bayes and 90.7% for the regression). Both train in about a second
when the action server starts, the same on every machine (a fixed shuffle; no build step, no
cache to go stale). It gives a probability per topic; `actions.facts` adds it to each fact's
word evidence, so the scenario's own keywords still pick between facts of one topic and a
question the classifier reads as ``none`` needs strong words to reach a fact.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from actions.scoring.errors import DataError
from actions.vocabulary import REPO_ROOT, TOPICS

CORPUS_DIR = REPO_ROOT / "data" / "topics"
NONE = "none"
LABELS: tuple[str, ...] = (*TOPICS, NONE)


def features(words: Sequence[str], lead: str | None) -> list[str]:
    """A question's features: its lemmas, adjacent lemma pairs, and the word leading it."""
    out = list(words)
    out += [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    if lead:
        out.append(f"LEAD={lead}")
    return out


def _softmax(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {label: math.exp(score - top) for label, score in scores.items()}
    total = sum(exp.values())
    return {label: value / total for label, value in exp.items()}


@dataclass(frozen=True)
class Regression:
    """Multinomial logistic regression: a weight per (label, feature) and a bias per label."""

    weights: Mapping[str, Mapping[str, float]]
    bias: Mapping[str, float]

    @classmethod
    def train(
        cls,
        examples: Sequence[tuple[frozenset[str], str]],
        epochs: int = 4,
        rate: float = 0.5,
        l2: float = 1e-4,
        seed: int = 0,
    ) -> Regression:
        """Stochastic gradient descent on the log loss, in a fixed order (the same model on
        every machine), with a step that shrinks each pass and a little L2 decay."""
        weights: dict[str, dict[str, float]] = {label: {} for label in LABELS}
        bias = dict.fromkeys(LABELS, 0.0)
        order = list(examples)
        shuffle = random.Random(seed)
        for epoch in range(epochs):
            shuffle.shuffle(order)
            step = rate / (1 + epoch)
            for feats, gold in order:
                scores = {label: bias[label] + sum(weights[label].get(f, 0.0) for f in feats) for label in LABELS}
                for label, p in _softmax(scores).items():
                    gradient = p - (1.0 if label == gold else 0.0)
                    if abs(gradient) < 1e-3:
                        continue
                    table = weights[label]
                    for f in feats:
                        w = table.get(f, 0.0)
                        table[f] = w - step * (gradient + l2 * w)
                    bias[label] -= step * gradient
        return cls(weights, bias)

    def scores(self, feats: Iterable[str]) -> dict[str, float]:
        said = set(feats)
        return {label: self.bias[label] + sum(self.weights[label].get(f, 0.0) for f in said) for label in LABELS}


@dataclass(frozen=True)
class TopicClassifier:
    """Naive Bayes (log P(label), log P(feature | label), an unseen-feature floor) and logistic
    regression over the same features, their log-probabilities added."""

    log_prior: Mapping[str, float]
    log_likelihood: Mapping[str, Mapping[str, float]]
    log_unseen: Mapping[str, float]
    # Per topic, the words asked about on it at least as often as in questions on none: the
    # words the matcher counts as accounted for in a question on that topic ("hair" in a
    # question on symptoms, not in one about who someone is).
    topical_words: Mapping[str, frozenset[str]] = field(default_factory=dict)
    regression: Regression | None = None

    @classmethod
    def train(
        cls, examples: Iterable[tuple[list[str], str]], alpha: float = 0.2, regression: bool = True
    ) -> TopicClassifier:
        rows = [(frozenset(feats), label) for feats, label in examples]
        counts: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
        docs: Counter[str] = Counter()
        for feats, label in rows:
            counts[label].update(feats)
            docs[label] += 1
        vocabulary = {f for c in counts.values() for f in c}
        total_docs = sum(docs.values())
        log_prior = {label: math.log((docs[label] + 1) / (total_docs + len(LABELS))) for label in LABELS}
        log_likelihood: dict[str, dict[str, float]] = {}
        log_unseen: dict[str, float] = {}
        for label, c in counts.items():
            denominator = sum(c.values()) + alpha * (len(vocabulary) + 1)
            log_likelihood[label] = {f: math.log((n + alpha) / denominator) for f, n in c.items()}
            log_unseen[label] = math.log(alpha / denominator)
        words = [f for f in vocabulary if "_" not in f and "=" not in f]
        topical: dict[str, frozenset[str]] = {
            topic: frozenset(f for f in words if counts[topic][f] >= max(counts[NONE][f], 1)) for topic in TOPICS
        }
        return cls(log_prior, log_likelihood, log_unseen, topical, Regression.train(rows) if regression else None)

    def probabilities(
        self, feats: Sequence[str], temperature: float = 1.0, regression_temperature: float = 1.0
    ) -> dict[str, float]:
        """P(label | question) for every label; features never seen in training are ignored.

        Naive Bayes counts every word as independent evidence, so its probabilities are far
        too sure of themselves; a `temperature` above 1 softens them, and
        `regression_temperature` the regression's, before the two are added."""
        known = {f for f in feats if any(f in table for table in self.log_likelihood.values())}
        scores = {
            label: self.log_prior[label] + sum(self.log_likelihood[label].get(f, self.log_unseen[label]) for f in known)
            for label in LABELS
        }
        scores = {label: score / temperature for label, score in scores.items()}
        if self.regression is not None:
            for label, score in self.regression.scores(known).items():
                scores[label] += score / regression_temperature
        return _softmax(scores)


def read_corpus(directory: Path = CORPUS_DIR) -> list[tuple[str, str]]:
    """Every (question, label) in the corpus files; a bad line names its file and line."""
    examples: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                question, label = str(row["q"]), str(row["topic"])
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f'{path}:{number}: expected {{"q": question, "topic": label}} ({exc})') from None
            if label not in LABELS:
                raise DataError(f"{path}:{number}: unknown topic {label!r}; topics are: {', '.join(LABELS)}")
            examples.append((question, label))
    return examples


@lru_cache(maxsize=1)
def load_classifier() -> TopicClassifier | None:
    """The classifier trained on the corpus (None when there is no corpus: words alone decide)."""
    from actions.facts import load_topics

    lexicon = load_topics()
    examples = read_corpus()
    if not examples:
        return None
    return TopicClassifier.train(
        (features(words, lexicon.lead_word(words)), label)
        for words, label in ((lexicon.read(q), label) for q, label in examples)
    )
