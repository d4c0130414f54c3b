"""The taxonomy loader others import, and its error messages."""

from __future__ import annotations

import pytest

from actions.scoring import TaxonomyError, load_taxonomy
from actions.scoring.taxonomy import _parse


def test_loads_all_cues_with_weights():
    tax = load_taxonomy()
    assert len(tax) == 25 and "open_question" in tax
    assert tax["blame"].family == "anti_pattern" and tax["blame"].weight < 0
    assert all(c.weight > 0 for c in tax if c.family != "anti_pattern")


def test_bad_family_names_the_cue(tmp_path):
    with pytest.raises(TaxonomyError, match="'x'.*unknown family"):
        _parse({"cues": [{"id": "x", "family": "nope", "weight": 1}]}, tmp_path / "t.yml")


def test_scoring_package_has_no_rasa_or_fastapi_imports():
    import subprocess
    import sys

    code = "import sys, actions.scoring; print(any(m.split('.')[0] in ('rasa', 'rasa_sdk', 'fastapi') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
