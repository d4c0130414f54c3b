"""How well the question-topic classifier reads questions it was not trained on.

Usage: .venv/bin/python bench/topic_classifier.py [--folds 5] [--alpha 0.2]

Prints k-fold cross-validated accuracy of actions/topic_classifier.py on data/topics/*.jsonl
(overall, naive Bayes without the regression, and per topic, with the topics most often
confused), and how many of the scenarios' own example questions (`asks`) reach their fact
through the whole matcher. The held-out test questions (bench/fact_questions.py) are the
honest end figure; this is the guide to use while changing the corpus or the model, so the
held-out set stays unseen.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.facts import load_topics  # noqa: E402 - sys.path set above
from actions.scenarios import load_library  # noqa: E402 - sys.path set above
from actions.topic_classifier import LABELS, TopicClassifier, features, read_corpus  # noqa: E402 - sys.path set above


def cross_validate(
    folds: int, alpha: float, seed: int = 0, regression: bool = True
) -> tuple[float, dict[str, float], Counter[tuple[str, str]]]:
    lexicon = load_topics()
    rows = [
        (features(w, lexicon.lead_word(w)), label)
        for w, label in ((lexicon.read(q), label) for q, label in read_corpus())
    ]
    random.Random(seed).shuffle(rows)
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    for fold in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != fold]
        test = [r for i, r in enumerate(rows) if i % folds == fold]
        model = TopicClassifier.train(train, alpha=alpha, regression=regression)
        for feats, label in test:
            probs = model.probabilities(feats, lexicon.classifier_temperature, lexicon.regression_temperature)
            guess = max(probs, key=lambda k: probs[k])
            seen[label] += 1
            right[label] += guess == label
            if guess != label:
                confused[(label, guess)] += 1
    per_label = {label: right[label] / seen[label] for label in LABELS if seen[label]}
    return sum(right.values()) / max(sum(seen.values()), 1), per_label, confused


def asks_reached() -> tuple[int, int]:
    lexicon = load_topics()
    total = reached = 0
    for scenario in load_library().values():
        for fact in scenario.facts:
            for question in fact.asks:
                total += 1
                match = lexicon.match(question, scenario.facts)
                reached += bool(match and match.fact.id == fact.id)
    return reached, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.2)
    args = parser.parse_args(argv)
    alone, _, _ = cross_validate(args.folds, args.alpha, regression=False)
    accuracy, per_label, confused = cross_validate(args.folds, args.alpha)
    print(
        f"{args.folds}-fold accuracy over {len(read_corpus())} questions: {accuracy:.1%} (naive Bayes alone {alone:.1%})"
    )
    for label, value in per_label.items():
        print(f"  {label:14} {value:.0%}")
    print("most confused (gold -> guess): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in confused.most_common(6)))
    reached, total = asks_reached()
    print(f"scenario example questions reaching their fact: {reached}/{total} ({reached / max(total, 1):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
