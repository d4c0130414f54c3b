"""Reviewers' corrections as training data, without a real build: the refusal rule, conflicts,
partial examples, versioned builds and their selection, and score cards naming their build."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import pytest

from actions.scoring import builds
from actions.scoring import textcat as tc
from practice.scoring import corrections as cx
from practice.scoring.evaluate import CueStats, Report

W, M = "wrong", "missed"


def test_the_refusal_rule_allows_a_drop_of_at_most_0_01():
    assert cx.decide(0.850, 0.860)[0]
    assert cx.decide(0.850, 0.8401)[0]  # -0.0099
    assert cx.decide(0.850, 0.840)[0]  # exactly the allowance
    ok, why = cx.decide(0.850, 0.8399)
    assert not ok and "refused" in why and "0.8500 to 0.8399" in why and "current build keeps scoring" in why


def test_a_wrong_cue_is_a_negative_and_a_missed_one_a_positive_for_that_cue_only():
    examples, conflicts = cx.training_examples(
        [
            cx.Correction("Sorry, which ward?", "", "apologise", W),
            cx.Correction("sorry which ward", "", "closed_question", M),
            cx.Correction("I can see you're worried.", "ctx", "name_emotion", M),
        ]
    )
    assert conflicts == []
    assert examples == [
        ("Sorry, which ward?", "", {"apologise": 0.0, "closed_question": 1.0}),
        ("I can see you're worried.", "ctx", {"name_emotion": 1.0}),
    ]


def test_conflicting_corrections_of_the_same_text_are_left_out_and_counted():
    items = [
        cx.Correction("Sorry, which ward?", "", "apologise", W, reviewer_id=1),
        cx.Correction("sorry,  which ward", "", "apologise", M, reviewer_id=2),
        cx.Correction("Sorry, which ward?", "", "closed_question", M, reviewer_id=2),
        cx.Correction("Calm down.", "", "command", M, reviewer_id=1),
        cx.Correction("Calm down.", "", "command", M, reviewer_id=2),  # agreeing is no conflict
    ]
    examples, conflicts = cx.training_examples(items)
    assert conflicts == [cx.Conflict("Sorry, which ward?", "apologise", wrong=1, missed=1)]
    assert examples == [
        ("Sorry, which ward?", "", {"closed_question": 1.0}),
        ("Calm down.", "", {"command": 1.0}),
    ]


def test_corrections_of_cues_no_longer_in_the_taxonomy_are_skipped():
    examples, _ = cx.training_examples([cx.Correction("Hi", "", "retired_cue", W)], known_cues={"apologise"})
    assert examples == []


def test_corrections_read_and_write_as_json_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    items = [cx.Correction("Sorry, which ward?", "Hello", "apologise", W, 3, "k-1")]
    cx.write_corrections(items, path)
    assert cx.read_corrections(path) == items
    path.write_text(json.dumps({"text": "x", "cue": "apologise", "kind": "maybe"}) + "\n")
    with pytest.raises(ValueError, match="kind"):
        cx.read_corrections(path)


def _fake_build(build_dir, build_id):
    (build_dir / build_id).mkdir(parents=True)
    (build_dir / build_id / "meta.json").write_text(json.dumps({"key": build_id}))


def test_builds_are_versioned_and_the_previous_one_stays_selectable(tmp_path):
    assert builds.choose("k", tmp_path) == "k"  # nothing selected: the plain build
    _fake_build(tmp_path, "k")
    _fake_build(tmp_path, "k-aaaa")
    _fake_build(tmp_path, "old-bbbb")
    builds.select("k-aaaa", tmp_path)
    assert builds.selected(tmp_path) == "k-aaaa" and builds.choose("k", tmp_path) == "k-aaaa"
    assert [(b["id"], b["selected"]) for b in builds.list_builds("k", tmp_path)] == [("k", False), ("k-aaaa", True)]
    builds.select("k", tmp_path)  # back to the previous build
    assert builds.choose("k", tmp_path) == "k"
    builds.select("old-bbbb", tmp_path)  # a build of other training data is never loaded for this key
    assert builds.choose("k", tmp_path) == "k"
    with pytest.raises(FileNotFoundError):
        builds.select("k-missing", tmp_path)


def test_a_selection_changes_the_token_a_running_scorer_watches(tmp_path):
    _fake_build(tmp_path, "k")
    _fake_build(tmp_path, "k-aaaa")
    assert builds.selection_token(tmp_path) is None
    builds.select("k-aaaa", tmp_path)
    first = builds.selection_token(tmp_path)
    builds.select("k", tmp_path)
    assert first is not None and builds.selection_token(tmp_path) is not None


def test_partial_examples_train_only_the_labels_they_name():
    pairs: list[tuple[list[str], tuple[str, ...]]] = [
        (["kind", "words"], ("a",)),
        (["rude", "words"], ("b",)),
        (["kind", "thing"], ("a",)),
    ] * 4
    config = dict(tc.CONFIG, seeds=[1], epochs=2)
    nlp = tc.train(pairs, ["a", "b"], config, partial=[(["kind", "words"], {"a": 0.0, "not_a_label": 1.0})])
    assert set(tc.TrainedClassifier(nlp, ("a", "b"), "x").predict([["kind"]])[0]) == {"a", "b"}


def _report(macro_by_cue: dict[str, tuple[int, int, int]]) -> Report:
    return Report({c: CueStats(*v) for c, v in macro_by_cue.items()}, n=10)


@pytest.mark.parametrize(("after", "installed"), [((9, 1, 1), True), ((7, 3, 3), False)])
def test_a_rebuild_that_lowers_dev_macro_f1_too_much_is_refused_and_the_current_build_kept(
    tmp_path, monkeypatch, after, installed
):
    """The rule applied end to end with a stand-in for training and for dev (fast)."""
    before_report = _report({"apologise": (8, 2, 2)})  # F1 0.8
    after_report = _report({"apologise": after})  # F1 0.9 (installed) or 0.7 (refused)
    current = SimpleNamespace(
        taxonomy=SimpleNamespace(ids=["apologise"]),
        classifier_input=lambda text, context="": text.split(),
        rules=None,
        lang=None,
        calibration=None,
        version="k",
    )

    class FakeScorer:
        def __init__(self, *args, **kwargs):
            self.version = "new"

        @staticmethod
        def load(**kwargs):
            return current

    reports = iter([before_report, after_report])
    monkeypatch.setattr(cx, "Scorer", FakeScorer)
    monkeypatch.setattr(cx, "classifier_key", lambda: "k")
    monkeypatch.setattr(cx, "evaluate", lambda scorer, examples: next(reports))
    monkeypatch.setattr(cx, "load_split", lambda split, known: [])

    def fake_build(train, to_words, ids, build_id, build_dir, partial, meta):
        _fake_build(build_dir, build_id)
        return None

    monkeypatch.setattr(cx.tc, "build", fake_build)
    _fake_build(tmp_path, "k")
    builds.select("k", tmp_path)
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"text": "Sorry, which ward?", "cues": []}) + "\n")
    result = cx.rebuild(
        [cx.Correction("Sorry, which ward?", "", "apologise", W)] * 2
        + [cx.Correction("Hi", "", "apologise", W), cx.Correction("hi.", "", "apologise", M)],
        build_dir=tmp_path,
        dev_path=dev,
    )
    assert result.installed is installed
    assert (result.n_corrections, result.n_examples, result.n_conflicts) == (4, 1, 1)
    assert builds.selected(tmp_path) == (result.build_id if installed else "k")
    meta = builds.read_meta(result.build_id, tmp_path)
    assert meta is not None and meta["status"] == ("installed" if installed else "refused")
    table = cx.format_table(result)
    assert "1 conflicting left out" in table and "apologise" in table and "dev macro-F1" in table
    assert ("refused" in table) is not installed


def test_score_cards_record_the_build_that_scored_them(scorer):
    from actions.reply_card import alternative_card, read_reply

    assert read_reply("Sorry, which ward?", None).scorer == scorer.version
    assert alternative_card("Sorry, which ward?", None)["scorer"] == scorer.version
    assert scorer.version == (scorer.classifier.key if scorer.classifier else builds.RULES_ONLY)


def test_the_cli_says_what_is_wrong(tmp_path, capsys, scorer):
    from practice.cli import main

    assert main(["score", "--with-corrections"]) == 2
    assert "--with-corrections goes with --build" in capsys.readouterr().err
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    report = tmp_path / "report.json"
    code = main(["score", "--build", "--with-corrections", "--corrections", str(empty), "--report-json", str(report)])
    assert code == 2 and "no corrections to learn from" in capsys.readouterr().out
    assert json.loads(report.read_text()) == {"error": "no corrections to learn from"}
    assert main(["score", "--use", "nope-1234"]) == 2
    assert "no build 'nope-1234' of the current training data" in capsys.readouterr().out
    assert main(["score", "--builds"]) == 0
    assert scorer.version in capsys.readouterr().out


def test_the_cli_reads_the_databases_corrections(tmp_path, monkeypatch, capsys, scorer):
    """Without --corrections the command reads the API's database (migrated first), here empty."""
    from actions.settings import get_settings
    from practice.scoring import commands

    monkeypatch.setenv("PRACTICE_DATABASE_URL", f"sqlite:///{tmp_path / 'practice.db'}")
    get_settings.cache_clear()
    try:
        assert commands.database_corrections() == []
        assert commands.run_build_with_corrections(sys.stdout, None) == 2
    finally:
        get_settings.cache_clear()
    assert "no corrections to learn from" in capsys.readouterr().out


def test_the_admin_pages_runner_runs_the_cli_in_a_child_and_reads_its_report():
    from api.services.scorer_builds import run_in_child

    assert run_in_child([]) == {"error": "no corrections to learn from"}
