"""The confidence scale's data file, and the cohort aggregates' maths checked against numbers
worked out by hand (written out beside each assertion)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.confidence import CONFIDENCE_PATH, ConfidenceScaleError, load_scale, parse_scale
from api.services.surveys import confidence_change, measures_csv, satisfaction_summary

ITEMS = [("a", "item a"), ("b", "item b"), ("c", "item c")]


def answers(a: int, b: int, c: int) -> dict[str, int]:
    return {"a": a, "b": b, "c": c}


def test_the_shipped_scale_loads_and_says_where_its_items_come_from() -> None:
    scale = load_scale()
    assert 5 <= len(scale.items) <= 7 and (scale.low, scale.high) == (1, 5)
    assert list(scale.anchors) == [1, 2, 3, 4, 5] and all(scale.anchors.values())
    assert list(scale.satisfaction_anchors) == [1, 2, 3, 4, 5]
    text = CONFIDENCE_PATH.read_text(encoding="utf-8")
    assert "they are OURS" in text and "not a validated instrument" in text and "Bandura" in text
    ids = {i.id for i in scale.items}
    assert {"stay_calm", "listen", "de_escalate", "look_after_yourself", "seek_support"} <= ids


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.pop("items"), "items: needs 5 to 7 items"),
        (lambda d: d["items"][1].update(id=d["items"][0]["id"]), "items[1].id: 'stay_calm' is used twice"),
        (lambda d: d["items"][1].update(id="Bad Id"), "items[1].id: lowercase letters"),
        (lambda d: d["items"][2].update(text=""), "items[2].text: required text is missing"),
        (lambda d: d["scale"].update(max=10), "scale: min must be 1 and max 5 to 7"),
        (lambda d: d["scale"]["anchors"].pop(3), "scale.anchors: needs a label for every point from 1 to 5"),
        (lambda d: d["satisfaction"].pop("question"), "satisfaction.question: required text is missing"),
    ],
)
def test_a_malformed_scale_is_refused_naming_the_field(tmp_path: Path, change, problem: str) -> None:
    data = yaml.safe_load(CONFIDENCE_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "confidence.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfidenceScaleError) as caught:
        load_scale(path)
    assert str(caught.value).startswith(str(path)) and problem in str(caught.value)


def test_answers_are_checked_item_by_item() -> None:
    scale = parse_scale(yaml.safe_load(CONFIDENCE_PATH.read_text(encoding="utf-8")))
    everything = {i.id: 3 for i in scale.items}
    assert scale.check_answers(everything) == (everything, [])
    assert scale.check_answers({**everything, "listen": "4"})[0]["listen"] == 4  # a form's string
    clean, problems = scale.check_answers({**everything, "listen": 6, "stay_calm": None, "extra": 2})
    assert "listen" not in clean and "stay_calm" not in clean
    assert problems == [
        "extra: not an item of this questionnaire",
        f"stay_calm: choose an answer for “{scale.items[0].text}”",
        f"listen: “{scale.items[1].text}” takes a whole number from 1 to 5",
    ]
    assert scale.check_answers({**everything, "listen": True})[1]  # not a point on the scale


def test_the_change_in_confidence_by_hand() -> None:
    pre = {
        1: answers(2, 2, 2),  # learner 1: 2.0
        2: answers(3, 3, 3),  # learner 2: 3.0
        3: answers(1, 2, 3),  # learner 3: 2.0
        4: answers(5, 5, 5),  # learner 4: 5.0 (no "after")
    }
    post = {
        1: answers(3, 3, 3),  # 3.0
        2: answers(4, 4, 4),  # 4.0
        3: answers(3, 3, 4),  # 10/3 = 3.333...
        5: answers(2, 2, 2),  # learner 5: 2.0 (no "before")
    }
    c = confidence_change(pre, post, ITEMS)
    assert (c.n_pre, c.n_post, c.n_paired) == (4, 4, 3)
    assert c.mean_pre == 3.0  # (2 + 3 + 2 + 5) / 4 = 12 / 4
    assert c.mean_post == 3.08  # (3 + 4 + 10/3 + 2) / 4 = 37/12 = 3.0833
    assert c.paired_mean_pre == 2.33  # learners 1-3: (2 + 3 + 2) / 3 = 7/3
    assert c.paired_mean_post == 3.44  # (3 + 4 + 10/3) / 3 = 31/9 = 3.4444
    assert c.difference == 1.11  # 31/9 - 7/3 = 10/9 = 1.1111
    assert c.percent_change == 47.6  # (10/9) / (7/3) = 10/21 = 47.619 %
    by_item = {i.id: (i.mean_pre, i.mean_post, i.difference) for i in c.items}
    assert by_item == {
        "a": (2.0, 3.33, 1.33),  # before (2 + 3 + 1) / 3 = 2; after (3 + 4 + 3) / 3 = 10/3
        "b": (2.33, 3.33, 1.0),  # before (2 + 3 + 2) / 3 = 7/3; after 10/3
        "c": (2.67, 3.67, 1.0),  # before (2 + 3 + 3) / 3 = 8/3; after (3 + 4 + 4) / 3 = 11/3
    }


def test_the_pilots_kind_of_figure() -> None:
    """Three learners from 2.4 to 3.0 on average: +25%, as the course's pilot reported."""
    pre = {1: answers(2, 2, 2), 2: answers(3, 3, 3), 3: answers(2, 2, 3)}  # 2, 3, 7/3: mean 22/9
    post = {1: answers(3, 3, 3), 2: answers(4, 4, 4), 3: answers(2, 3, 3)}  # 3, 4, 8/3: mean 29/9
    c = confidence_change(pre, post, ITEMS)
    assert (c.paired_mean_pre, c.paired_mean_post) == (2.44, 3.22)
    assert c.percent_change == 31.8  # (7/9) / (22/9) = 7/22 = 31.818 %
    even = confidence_change(
        {1: answers(2, 2, 2), 2: answers(2, 2, 2), 3: answers(4, 4, 4)},
        {1: answers(3, 3, 3), 2: answers(3, 3, 3), 3: answers(4, 4, 4)},
        ITEMS,
    )
    assert (even.paired_mean_pre, even.paired_mean_post, even.percent_change) == (2.67, 3.33, 25.0)  # (2/3)/(8/3)


def test_fewer_than_three_learners_hide_every_figure_but_the_counts() -> None:
    pre = {1: answers(2, 2, 2), 2: answers(3, 3, 3), 3: answers(1, 1, 1)}
    post = {1: answers(3, 3, 3), 2: answers(4, 4, 4)}
    c = confidence_change(pre, post, ITEMS)
    assert (c.n_pre, c.n_post, c.n_paired) == (3, 2, 2)
    assert c.mean_pre == 2.0 and c.mean_post is None  # three before: shown; two after: hidden
    assert c.paired_mean_pre is c.paired_mean_post is c.difference is c.percent_change is None
    assert c.items == []


def test_an_answer_missing_an_item_counts_for_nothing() -> None:
    pre = {1: answers(2, 2, 2), 2: answers(3, 3, 3), 3: {"a": 1, "b": 1}}  # an item added since
    assert confidence_change(pre, {}, ITEMS).n_pre == 2


def test_satisfaction_by_hand() -> None:
    s = satisfaction_summary([5, 4, 3, 5, 2])
    assert (s.n, s.mean, s.percent_satisfied) == (5, 3.8, 60.0)  # 19 / 5; three of five rated 4 or 5
    s = satisfaction_summary([4, 5, 5])
    assert (s.mean, s.percent_satisfied) == (4.67, 100.0)  # 14 / 3
    hidden = satisfaction_summary([5, 5])
    assert (hidden.n, hidden.mean, hidden.percent_satisfied) == (2, None, None)


def test_the_csv_holds_only_aggregates_and_says_what_is_hidden() -> None:
    from api.schemas import CohortMeasures

    pre = {1: answers(2, 2, 2), 2: answers(3, 3, 3), 3: answers(1, 2, 3)}
    post = {1: answers(3, 3, 3), 2: answers(4, 4, 4), 3: answers(3, 3, 4)}
    m = CohortMeasures(
        cohort_id=1,
        min_n=3,
        scale_min=1,
        scale_max=5,
        post_open=True,
        post_opened_at=None,
        confidence=confidence_change(pre, post, ITEMS),
        satisfaction=satisfaction_summary([5, 4]),
    )
    lines = measures_csv(m).splitlines()
    assert lines[0] == "measure,n,value,note"
    assert "confidence before: mean (1-5),3,2.33," in lines
    assert "confidence of learners who answered both: % change,3,47.6," in lines
    assert "item a: mean after,3,3.33," in lines
    assert "satisfaction: mean rating (1-5),2,,hidden: fewer than 3" in lines
