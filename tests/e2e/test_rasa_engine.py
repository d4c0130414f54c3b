"""Rasa's own checks: the training data validates and the test stories pass on the trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

from practice.engine import run_test_stories, validate_data

pytestmark = pytest.mark.e2e


def test_training_data_validates() -> None:
    validate_data()


def test_test_stories_pass(trained_model: Path, tmp_path: Path) -> None:
    run_test_stories(trained_model, tmp_path)
