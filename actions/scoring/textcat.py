"""The trained component: a small multi-label bag-of-ngrams text classifier.

Why: rules are precise but miss the fuzzy cues (reflections, validation, sarcasm,
explanations). A `textcat_multilabel` with `spacy.TextCatBOW.v3` over lemma uni/bigrams
plus sentence-structure and context pseudo-words (structure.py, features.py) trains in
seconds per seed on two shared cores, is deterministic with fixed seeds, and scores an
utterance in well under a millisecond.

Seed averaging: one model per seed in `seeds`, each on its own shuffled order, then their
weights averaged into one model. The bag-of-ngrams model is linear before its sigmoid, so
averaged weights are averaged logits: an ensemble at the cost of one model when scoring and
loading, paid for once at build time (a second core trains members in parallel). One
model's dev macro-F1 moved by +-0.01 with the seed alone; five averaged gave +0.01 over the
seeds' mean on dev (0.835 against 0.822 to 0.827 for single seeds on the same data). Ten
rather than five: small changes to the training data moved ~60 dev predictions and dev
macro-F1 by up to 0.008 with five; ten gave +0.002 CV macro-F1 and steadier figures, for
about 30 s more build time.

Measured by 5-fold cross-validation of the whole scorer on train (bench/cv_scorer.py) and
not adopted: trigrams (-0.04 macro-F1), unigrams only (-0.02), a TextCatEnsemble with a
small CNN tok2vec (3x the training time, and no pretrained vectors to make it pay), more
epochs / lower learning rate, parameter averaging within one run, dropout, oversampling rare cues' positives (all within
+-0.005), per-cue thresholds tuned out of fold (+0.005, within noise).

Built at setup (`practice score --build`) into `build/scorer/<key>/`, where the key hashes
the training data, this config, the feature/code version and the spaCy version; loading
only reads that directory. Never committed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import MultiLabel_TextCategorizer
from spacy.tokens import Doc
from spacy.training import Example as SpacyExample
from spacy.util import fix_random_seed, minibatch
from thinc.types import FloatsXd

from actions.scoring.data import Example
from actions.vocabulary import REPO_ROOT

CODE_VERSION = "6"  # bump when features.py or training changes meaning
BUILD_DIR = REPO_ROOT / "build" / "scorer"
CONFIG: dict = {
    "seeds": [13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
    "epochs": 12,
    "batch": 32,
    "ngram_size": 2,
    "length": 32768,
    "learn_rate": 0.02,
    "min_examples": 3,
}


@dataclass
class TrainedClassifier:
    """A loaded classifier: the spaCy pipeline (textcat only) and its labels."""

    nlp: Language
    labels: tuple[str, ...]
    key: str

    def predict(self, words_batch: list[list[str]]) -> list[dict[str, float]]:
        docs = [Doc(self.nlp.vocab, words=w) for w in words_batch]
        textcat = _textcat(self.nlp)
        scores = textcat.predict(docs)
        out: list[dict[str, float]] = []
        for row in scores:
            out.append({label: float(row[i]) for i, label in enumerate(textcat.labels)})
        return out


# Modules that only read the scorer's output (never what the classifier sees): editing them
# must not retrain it.
NOT_CLASSIFIER_INPUT = frozenset({"moves.py", "result.py", "calibration.py", "builds.py"})


def cache_key(train_files: list[Path], config: dict = CONFIG) -> str:
    h = hashlib.sha256()
    for p in train_files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(json.dumps(config, sort_keys=True).encode())
    h.update(CODE_VERSION.encode())
    h.update(spacy.__version__.encode())
    # The classifier's input comes from the rules and feature code, so any change there
    # (a new pattern, a new pseudo-word) must retrain: hash every source of the package.
    for src in sorted(Path(__file__).parent.glob("*.py")):
        if src.name in NOT_CLASSIFIER_INPUT:
            continue
        h.update(src.name.encode())
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


def _textcat(nlp: Language) -> MultiLabel_TextCategorizer:
    """The pipeline's one component (spaCy types `get_pipe` as a plain callable)."""
    return cast(MultiLabel_TextCategorizer, nlp.get_pipe("textcat_multilabel"))


def _new_pipeline(labels: list[str], config: dict) -> Language:
    nlp = spacy.blank("en")
    bow = {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": False,
        "ngram_size": config["ngram_size"],
        "no_output_layer": False,
        "length": config["length"],
    }
    textcat = cast(MultiLabel_TextCategorizer, nlp.add_pipe("textcat_multilabel", config={"model": bow}))
    for label in labels:
        textcat.add_label(label)
    return nlp


Partial = tuple[list[str], dict[str, float]]  # classifier words, and only the labels known for them


def train(
    examples: list[tuple[list[str], tuple[str, ...]]],
    labels: list[str],
    config: dict = CONFIG,
    partial: list[Partial] | None = None,
) -> Language:
    """Train from (classifier words, gold cues) pairs, deterministically: one model per seed,
    weights averaged (see the module docstring). `partial` examples (reviewers' corrections)
    teach only the cues they name: 1.0 a cue that is there, 0.0 one that is not; every other
    label is missing for them, so it is neither pushed up nor down."""
    seeds = list(config["seeds"])
    partial = partial or []
    if len(seeds) == 1:
        return _train_one(examples, labels, config, seeds[0], partial)
    workers = min(len(seeds), os.cpu_count() or 1)
    # A daemonic process (the action server's worker, when it must build a stale cache on its
    # first turn) may not start children: train one seed after another there.
    if workers > 1 and not multiprocessing.current_process().daemon:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            blobs = list(pool.map(_train_to_bytes, [(examples, labels, config, seed, partial) for seed in seeds]))
    else:
        blobs = [_train_to_bytes((examples, labels, config, seed, partial)) for seed in seeds]
    members = [_new_pipeline(labels, config).from_bytes(blob) for blob in blobs]
    return _average_weights(members)


def _train_to_bytes(job: tuple[list[tuple[list[str], tuple[str, ...]]], list[str], dict, int, list[Partial]]) -> bytes:
    """One member, serialised so a worker process can hand it back."""
    return _train_one(*job).to_bytes()


def _average_weights(members: list[Language]) -> Language:
    """The first member, its every parameter replaced by the mean over all members."""
    walks = [list(_textcat(m).model.walk()) for m in members]
    for i, node in enumerate(walks[0]):
        for name in node.param_names:
            if node.has_param(name):
                mean = sum(walk[i].get_param(name) for walk in walks) / len(walks)
                node.set_param(name, cast(FloatsXd, mean))
    return members[0]


def _train_one(
    examples: list[tuple[list[str], tuple[str, ...]]],
    labels: list[str],
    config: dict,
    seed: int,
    partial: list[Partial] | None = None,
) -> Language:
    """One member: deterministic for its seed."""
    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = _new_pipeline(labels, config)
    data: list[SpacyExample] = []
    for words, cues in examples:
        doc = Doc(nlp.vocab, words=words)
        cats = {label: 1.0 if label in cues else 0.0 for label in labels}
        data.append(SpacyExample.from_dict(doc, {"cats": cats}))
    for words, known in partial or []:
        doc = Doc(nlp.vocab, words=words)
        cats = {label: value for label, value in known.items() if label in labels}
        if cats:
            data.append(SpacyExample.from_dict(doc, {"cats": cats}))
    optimizer = nlp.initialize(lambda: data)
    optimizer.learn_rate = config["learn_rate"]
    order = list(range(len(data)))
    for _ in range(config["epochs"]):
        rng.shuffle(order)
        for batch in minibatch([data[i] for i in order], size=config["batch"]):
            nlp.update(batch, sgd=optimizer, losses={})
    return nlp


def trainable_labels(gold: list[tuple[str, ...]], cue_ids: list[str], min_examples: int) -> list[str]:
    counts = {c: 0 for c in cue_ids}
    for cues in gold:
        for c in cues:
            if c in counts:
                counts[c] += 1
    return [c for c in cue_ids if counts[c] >= min_examples]


def build(
    train_examples: list[Example],
    to_words: Callable[[str, str], list[str]],
    cue_ids: list[str],
    key: str,
    build_dir: Path = BUILD_DIR,
    config: dict = CONFIG,
    partial: list[tuple[str, str, dict[str, float]]] | None = None,
    meta: dict | None = None,
) -> TrainedClassifier:
    """Train and save under build_dir/key (atomically: tmp dir then rename). `key` is the
    build id: the classifier key, or for a build with reviewers' corrections (`partial`:
    text, context, known labels) `<classifier key>-<corrections hash>`; `meta` is added to
    its meta.json (builds.py)."""
    start = time.perf_counter()
    pairs = [(to_words(ex.text, ex.context), ex.cues) for ex in train_examples]
    labels = trainable_labels([p[1] for p in pairs], cue_ids, config["min_examples"])
    extra = [(to_words(text, context), known) for text, context, known in partial or []]
    nlp = train(pairs, labels, config, extra)
    target = build_dir / key
    tmp = build_dir / f".{key}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    nlp.to_disk(tmp / "model")
    (tmp / "meta.json").write_text(
        json.dumps(
            {
                "key": key,
                "labels": labels,
                "n_train": len(pairs),
                "config": config,
                "code_version": CODE_VERSION,
                "seconds": round(time.perf_counter() - start, 2),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "n_corrections": len(extra),
                **(meta or {}),
            },
            indent=2,
        )
    )
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    base = key.split("-")[0]
    for old in build_dir.iterdir():  # keep the cache small: only the current key and the builds made from it
        if old.is_dir() and old.name.split("-")[0] != base and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return TrainedClassifier(nlp, tuple(labels), key)


def load(key: str, build_dir: Path = BUILD_DIR) -> TrainedClassifier | None:
    target = build_dir / key
    if not (target / "meta.json").exists():
        return None
    meta = json.loads((target / "meta.json").read_text())
    nlp = spacy.load(target / "model")
    return TrainedClassifier(nlp, tuple(meta["labels"]), key)


def log(msg: str) -> None:
    print(f"[scorer] {msg}", file=sys.stderr)
