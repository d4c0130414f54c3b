"""Issue 22's bar, with one real build (minutes on two cores): 50 reviewers' corrections of one
recognisable mistake fix it on 15 held-back turns of the same kind, without lowering dev
macro-F1 by more than 0.01; the before/after table is printed (`pytest -s` shows it).

The mistake: a "Sorry," before a clarifying question ("Sorry, which ward did you say?") is read
as an apology (GUIDE.md: "I'm sorry, what did you say?" = nothing), and the patient then reacts
to an apology. The rule `^sorry\\W+\\w+` finds it and the classifier is too unsure to veto it.
The 50 corrections (tests/scoring/fixtures/corrections_sorry.jsonl) and the 15 held back
(..._heldback.jsonl) are different questions; the build goes to a temporary directory, so the
project's own build and selection are untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

from actions.scoring import builds
from actions.scoring.scorer import Scorer, classifier_key
from practice.scoring import corrections as cx

FIXTURES = Path(__file__).parent / "fixtures"
CUE = "apologise"


def _wrongly_found(scorer: Scorer, held: list[cx.Correction]) -> list[str]:
    return [c.text for c in held if CUE in scorer.score(c.text, c.context).cue_ids]


def test_fifty_corrections_fix_the_mistake_on_held_back_turns_without_lowering_dev(tmp_path, scorer):
    fixes = cx.read_corrections(FIXTURES / "corrections_sorry.jsonl")
    held = cx.read_corrections(FIXTURES / "corrections_sorry_heldback.jsonl")
    assert len(fixes) == 50 and len(held) == 15
    assert not {cx.same_text(c.text) for c in fixes} & {cx.same_text(c.text) for c in held}
    key = classifier_key()
    assert key is not None and scorer.classifier is not None
    shutil.copytree(builds.BUILD_DIR / scorer.version, tmp_path / scorer.version)  # the build that scores now
    if scorer.version != key:
        builds.select(scorer.version, tmp_path)

    before = _wrongly_found(scorer, held)
    assert len(before) == 15, before  # the mistake is there, on every held-back turn

    result = cx.rebuild(fixes, build_dir=tmp_path)
    print("\n" + cx.format_table(result))
    after_scorer = Scorer.load(build_dir=tmp_path, build_if_missing=False)
    assert after_scorer.version == result.build_id  # installed: it is the one that scores now
    after = _wrongly_found(after_scorer, held)
    print(f"held-back turns read as an apology: {len(before)}/15 before, {len(after)}/15 after {after}")

    assert result.installed, result.reason
    assert result.dev_after >= result.dev_before - 0.01
    assert len(after) <= 1, after
    # real apologies are still apologies
    for text in ("I'm so sorry you've had such a long wait.", "Sorry for the mix-up with your letter."):
        assert CUE in after_scorer.score(text).cue_ids, text
    meta = builds.read_meta(result.build_id, tmp_path)
    assert meta is not None and (meta["n_corrections"], meta["status"]) == (50, "installed")
