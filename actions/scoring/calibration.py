"""Calibrated confidence: what a reported cue's confidence means, measured out of fold.

Why: the scorer's raw confidence is a rule's fixed `rule_confidence` or the classifier's
probability, and neither says how often the cue is actually right (a marker-found reflection
at 0.9 was right about half the time on dev). The learner sees "possibly" below the
confidence floor, and the patient moves less and never walks out on such a cue, so the floor
has to mean the same thing for every cue: "right less than half the time".

The map is fitted by `bench/cv_scorer.py --calibrate` from every cue the scorer reported in
cross-validation on train (each fold's classifier never saw the turns it scored), never on
dev or dev2, which measure it (`bench/reading_bench.py`, "calibration"). It is data,
`data/cues/calibration.yml`: per cue, the precision measured in each band of raw confidence,
shrunk towards the cue's family (and the family towards all cues) where a band has few hits,
and made monotone (a higher raw confidence never maps lower) by pooling adjacent violators.
It does not retrain anything: editing it changes what the confidences say, not which cues
are found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.scoring.errors import DataError
from actions.scoring.taxonomy import Taxonomy
from actions.vocabulary import REPO_ROOT

CALIBRATION_PATH = REPO_ROOT / "data" / "cues" / "calibration.yml"
EDGES = (0.0, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 1.01)  # bands of raw confidence: [edge, next edge)
SHRINK = 8.0  # pseudo-hits of the family's precision added to each cue's band


def band_of(raw: float) -> int:
    """The band a raw confidence falls in."""
    for k in range(len(EDGES) - 1):
        if raw < EDGES[k + 1]:
            return k
    return len(EDGES) - 2


@dataclass(frozen=True)
class Calibration:
    """Per cue, the calibrated confidence of each raw-confidence band."""

    table: dict[str, tuple[float, ...]]
    fitted_for: str = ""  # the classifier cache key (train, rules, code) the map was fitted for

    def __call__(self, cue: str, raw: float) -> float:
        """The calibrated confidence of a cue reported at `raw` (unchanged for a cue the
        map does not know)."""
        values = self.table.get(cue)
        return raw if values is None else values[band_of(raw)]


def load_calibration(path: Path = CALIBRATION_PATH, known_cues: Sequence[str] = ()) -> Calibration | None:
    """calibration.yml, checked; None when there is no map (raw confidences are used)."""
    if not path.exists():
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({exc})") from exc
    if tuple(raw.get("edges", ())) != EDGES:
        raise DataError(f"{path}: edges {raw.get('edges')} are not the scorer's {list(EDGES)}; refit it")
    table: dict[str, tuple[float, ...]] = {}
    for cue, values in (raw.get("cues") or {}).items():
        if known_cues and cue not in known_cues:
            raise DataError(f"{path}: unknown cue {cue!r}")
        if (
            not isinstance(values, list)
            or len(values) != len(EDGES) - 1
            or not all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in values)
        ):
            raise DataError(f"{path}: cue {cue!r} needs {len(EDGES) - 1} numbers in [0, 1]")
        table[cue] = tuple(float(v) for v in values)
    return Calibration(table, str(raw.get("fitted_for", "")))


def _pool_adjacent_violators(values: list[float], weights: list[float]) -> list[float]:
    """The closest non-decreasing sequence (weighted least squares)."""
    blocks: list[list[float]] = []  # [value, weight, count]
    for v, w in zip(values, weights):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for v, _, n in blocks:
        out += [v] * int(n)
    return out


def fit(hits: Iterable[tuple[str, float, bool]], taxonomy: Taxonomy) -> dict[str, list[float]]:
    """The map from out-of-fold hits (cue, raw confidence, right): per cue and band, the
    precision shrunk towards the family's band (itself shrunk towards all cues' band),
    then made monotone. A band with no hits at all takes the band's middle."""
    bands = len(EDGES) - 1
    count: dict[tuple[str, int], list[float]] = {}  # (key, band) -> [n, right]
    for cue, raw, right in hits:
        family = taxonomy[cue].family if cue in taxonomy else "?"
        for key in (cue, "family:" + family, "all"):
            cell = count.setdefault((key, band_of(raw)), [0.0, 0.0])
            cell[0] += 1
            cell[1] += right

    def shrunk(key: str, band: int, prior: float) -> tuple[float, float]:
        n, right = count.get((key, band), (0.0, 0.0))
        return (right + SHRINK * prior) / (n + SHRINK), n + SHRINK

    table: dict[str, list[float]] = {}
    for cue in taxonomy.ids:
        if not any((cue, b) in count for b in range(bands)):
            continue
        family = "family:" + taxonomy[cue].family
        values, weights = [], []
        for b in range(bands):
            middle = min(1.0, (EDGES[b] + EDGES[b + 1]) / 2)
            overall, _ = shrunk("all", b, middle)
            family_value, _ = shrunk(family, b, overall)
            value, weight = shrunk(cue, b, family_value)
            values.append(value)
            weights.append(weight)
        table[cue] = [round(v, 3) for v in _pool_adjacent_violators(values, weights)]
    return table


def write(path: Path, table: dict[str, list[float]], fitted_for: str, n_hits: int, folds: int) -> None:
    """calibration.yml, with a header that says where it came from."""
    header = (
        "# Calibrated confidence per cue (actions/scoring/calibration.py). GENERATED by\n"
        "# `bench/cv_scorer.py --calibrate` from the cues the scorer reported in cross-validation on\n"
        "# train (never dev or dev2); refit after changing train, rules.yml or the classifier.\n"
        f"# {n_hits} out-of-fold hits, {folds} folds. Each list: the precision for raw confidence in\n"
        "# [edges[k], edges[k+1]), shrunk towards the cue's family and made non-decreasing.\n"
    )
    body = {"fitted_for": fitted_for, "edges": list(EDGES), "cues": table}
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, default_flow_style=None), encoding="utf-8")
