"""Cross-validate the whole scorer (rules + classifier + policy) on the training data.

Usage: .venv/bin/python bench/cv_scorer.py [--folds 5] [--config '{"epochs": 20}'] [--show 0] [--calibrate]

Why: dev is the final check, not the tuning set. Each fold trains the classifier on the
other folds (same code as the build) and scores the held-out fold with the real scorer.
Reports per-cue F1 with the configured thresholds, and with per-cue thresholds tuned on
the *other* folds' out-of-fold probabilities (an honest estimate of what build-time
threshold tuning gives).

`--calibrate` also fits the confidence calibration map (actions/scoring/calibration.py) from
every cue the fold scorers reported, out of fold, and writes data/cues/calibration.yml.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actions.scoring import calibration as cal  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring import textcat as tc  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.data import load_split  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.lang import get_lang  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.rules import RULES_PATH, load_rules  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.scorer import Scorer, classifier_key  # noqa: E402 - sys.path set above, for running as a script
from actions.scoring.taxonomy import load_taxonomy  # noqa: E402 - sys.path set above, for running as a script
from practice.scoring.evaluate import Report, tally  # noqa: E402 - sys.path set above, for running as a script
from practice.scoring.thresholds import Decision, tune_thresholds  # noqa: E402 - sys.path set above, for running as a script


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--config", default="{}", help="JSON overrides of textcat.CONFIG")
    ap.add_argument("--show", type=int, default=0, help="print this many errors per cue")
    ap.add_argument("--cue", default="", help="with --show: only this cue")
    ap.add_argument("--dump", default="", help="write out-of-fold predictions (JSONL) to this path")
    ap.add_argument(
        "--tune",
        action="store_true",
        help="print per-cue thresholds tuned on every fold's out-of-fold scores (for rules.yml)",
    )
    ap.add_argument(
        "--calibrate",
        action="store_true",
        help=f"fit the confidence calibration map and write {cal.CALIBRATION_PATH.relative_to(cal.REPO_ROOT)}",
    )
    args = ap.parse_args(argv)
    config = dict(tc.CONFIG, **json.loads(args.config))
    taxonomy = load_taxonomy()
    rules = load_rules(str(RULES_PATH), tuple(taxonomy.ids))
    lang = get_lang()
    plain = Scorer(taxonomy, rules, lang, None)
    examples = load_split("train", set(taxonomy.ids))
    t0 = time.perf_counter()
    words = [plain.classifier_input(e.text, e.context) for e in examples]
    t_feat = time.perf_counter() - t0
    order = list(range(len(examples)))
    random.Random(7).shuffle(order)
    fold_of = {i: k % args.folds for k, i in enumerate(order)}
    gold = [set(e.cues) for e in examples]
    pred: list[set[str]] = [set() for _ in examples]
    decision_of: dict[int, Decision] = {}  # example index -> its out-of-fold decision
    t_train = 0.0
    oof_hits: list[tuple[str, float, bool]] = []  # (cue, raw confidence, right), out of fold
    for k in range(args.folds):
        tr = [i for i in range(len(examples)) if fold_of[i] != k]
        te = [i for i in range(len(examples)) if fold_of[i] == k]
        t = time.perf_counter()
        pairs = [(words[i], examples[i].cues) for i in tr]
        labels = tc.trainable_labels([p[1] for p in pairs], taxonomy.ids, config["min_examples"])
        nlp = tc.train(pairs, labels, config)
        t_train += time.perf_counter() - t
        sc = Scorer(taxonomy, rules, lang, tc.TrainedClassifier(nlp, tuple(labels), f"cv{k}"))
        for i in te:
            ex = examples[i]
            result = sc.score(ex.text, ex.context)
            pred[i] = set(result.cue_ids)
            oof_hits += [(h.cue, h.confidence, h.cue in gold[i]) for h in result.cues]
            decision_of[i] = Decision.of(sc, ex.text, ex.context)
    decisions = [decision_of[i] for i in range(len(examples))]  # each example is in one test fold
    cues = list(taxonomy.ids)
    base = tally(cues, gold, pred)
    anti = frozenset(c.id for c in taxonomy if c.family == "anti_pattern")  # tuned with a higher floor
    # honest tuned estimate: thresholds for fold k come from the other folds only
    tuned_pred: list[set[str]] = [set() for _ in examples]
    for k in range(args.folds):
        others = [i for i in range(len(examples)) if fold_of[i] != k]
        th = tune_thresholds([decisions[i] for i in others], [gold[i] for i in others], cues, anti)
        for i in range(len(examples)):
            if fold_of[i] == k:
                tuned_pred[i] = decisions[i].apply(th)
    tuned = tally(cues, gold, tuned_pred)
    print(f"{args.folds}-fold CV on {len(examples)} train utterances; config {json.dumps(json.loads(args.config))}")
    print(f"features {t_feat:.1f}s, training {t_train / args.folds:.1f}s per fold")
    print(f"{'cue':<20} {'f1':>6} {'tunedF1':>8} {'support':>8}")
    for c in cues:
        print(f"{c:<20} {base[c].f1:6.3f} {tuned[c].f1:8.3f} {base[c].support:8d}")
    print(f"{'macro-F1':<20} {Report(base, len(gold)).macro_f1:6.3f} {Report(tuned, len(gold)).macro_f1:8.3f}")
    if args.tune:
        th = tune_thresholds(decisions, gold, cues, anti)
        print("thresholds tuned on all out-of-fold scores (rules.yml `threshold`):")
        print("  " + ", ".join(f"{c}: {t}" for c, t in th.items()))
    if args.calibrate:
        key = classifier_key() or ""
        cal.write(cal.CALIBRATION_PATH, cal.fit(oof_hits, taxonomy), key, len(oof_hits), args.folds)
        print(f"wrote {cal.CALIBRATION_PATH} from {len(oof_hits)} out-of-fold hits (for classifier {key})")
    if args.dump:
        with open(args.dump, "w") as fh:
            for i, ex in enumerate(examples):
                d = decisions[i]
                fh.write(
                    json.dumps(
                        {
                            "line": i + 1,
                            "text": ex.text,
                            "context": ex.context,
                            "gold": sorted(gold[i]),
                            "pred": sorted(pred[i]),
                            "rules": sorted(d.rules) if d else [],
                            "probs": {c: round(v, 3) for c, v in (d.probs if d else {}).items()},
                        }
                    )
                    + "\n"
                )
    if args.show:
        for c in cues:
            if args.cue and c != args.cue:
                continue
            errs = [(examples[i], pred[i]) for i in range(len(examples)) if (c in gold[i]) != (c in pred[i])]
            for ex, p in errs[: args.show]:
                kind = "FN" if c in ex.cues else "FP"
                print(f"  {c} {kind} gold={sorted(ex.cues)} pred={sorted(p)} :: {ex.text!r} | ctx={ex.context[:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
