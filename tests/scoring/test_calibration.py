"""Calibrated confidence (actions/scoring/calibration.py): fitted out of fold, monotone,
shrunk where evidence is thin, applied to every cue the learner is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.scoring import DataError, Scorer
from actions.scoring.calibration import EDGES, Calibration, band_of, fit, load_calibration
from actions.scoring.taxonomy import Taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def test_a_well_evidenced_band_says_how_often_the_cue_was_right(taxonomy: Taxonomy) -> None:
    hits = [("open_question", 0.9, k < 450) for k in range(500)]  # 90% right at raw 0.9
    value = fit(hits, taxonomy)["open_question"][band_of(0.9)]
    assert value == pytest.approx(0.9, abs=0.01)


def test_a_thin_band_leans_on_the_family_not_on_a_few_hits(taxonomy: Taxonomy) -> None:
    hits = [("reflection_simple", 0.55, True)] * 2 + [("name_emotion", 0.55, k < 40) for k in range(200)]
    table = fit(hits, taxonomy)
    # two right out of two is not 100%: the family's 20% pulls it well down
    assert table["reflection_simple"][band_of(0.55)] < 0.5
    assert table["name_emotion"][band_of(0.55)] == pytest.approx(0.2, abs=0.05)


def test_a_higher_raw_confidence_never_maps_lower(taxonomy: Taxonomy) -> None:
    hits = [("blame", 0.55, k < 80) for k in range(100)] + [("blame", 0.8, k < 30) for k in range(100)]
    values = fit(hits, taxonomy)["blame"]
    assert values == sorted(values)
    assert values[band_of(0.55)] == values[band_of(0.8)]  # the violating pair is pooled


def test_an_unknown_cue_keeps_its_raw_confidence() -> None:
    calibrate = Calibration({"blame": tuple([0.3] * (len(EDGES) - 1))})
    assert calibrate("blame", 0.95) == 0.3
    assert calibrate("apologise", 0.95) == 0.95


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"edges": [0, 0.5, 1.01], "cues": {}}, "edges"),
        ({"edges": list(EDGES), "cues": {"no_such_cue": [0.5] * (len(EDGES) - 1)}}, "unknown cue 'no_such_cue'"),
        ({"edges": list(EDGES), "cues": {"blame": [0.5, 2.0]}}, "cue 'blame' needs"),
    ],
)
def test_a_malformed_map_names_what_is_wrong(tmp_path: Path, taxonomy: Taxonomy, body: dict, message: str) -> None:
    path = tmp_path / "calibration.yml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_calibration(path, tuple(taxonomy.ids))


def test_the_shipped_map_is_applied_to_the_score_card(scorer: Scorer) -> None:
    assert scorer.calibration is not None, "data/cues/calibration.yml is missing: bench/cv_scorer.py --calibrate"
    raw = Scorer(scorer.taxonomy, scorer.rules, scorer.lang, scorer.classifier)  # no map
    text = "It sounds like you've been left waiting with no idea what's happening. What would help most?"
    calibrated = {h.cue: h.confidence for h in scorer.score(text).cues}
    uncalibrated = {h.cue: h.confidence for h in raw.score(text).cues}
    assert calibrated.keys() == uncalibrated.keys()  # calibration changes what confidences say, not the cues
    for cue, confidence in uncalibrated.items():
        assert calibrated[cue] == pytest.approx(scorer.calibration(cue, confidence))
