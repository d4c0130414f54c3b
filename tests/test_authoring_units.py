"""The pieces of scenario authoring that need no API: what-changed lines, the engine's files
(written atomically, read by the loader beside the built-in library), and the CLI grant."""

from __future__ import annotations

import argparse
import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.scenarios import ScenarioError, load_library
from actions.settings import DEFAULT_SCENARIO_DIR, Settings
from api.services.authored_files import write_version
from api.services.scenario_changes import summarise_changes

RAW: dict[str, Any] = yaml.safe_load((DEFAULT_SCENARIO_DIR / "gp_reception_appointment.yml").read_text())


def test_summary_names_each_change() -> None:
    new = copy.deepcopy(RAW)
    new["persona"]["name"] = "Someone else"
    new["lines"]["vent"]["angry"] += ["One more.", "And another."]
    new["lines"]["soften"]["calm"] = new["lines"]["soften"]["calm"][:-1]
    new["facts"].append({**new["facts"][0], "id": "extra"})
    new["facts"][0] = {**new["facts"][0], "gist": "changed"}
    new["difficulty"] = 3
    new.pop("sensitivity", None)
    summary = summarise_changes(RAW, new)
    assert summary.startswith("difficulty, persona.name, lines.vent.angry (+2 lines), lines.soften.calm (-1 line)")
    assert "facts (1 added, 1 changed)" in summary
    assert summarise_changes(None, RAW) == "first version"
    assert summarise_changes(RAW, copy.deepcopy(RAW)) == "no changes"
    edited = copy.deepcopy(RAW)
    edited["lines"]["vent"]["calm"][0] = "Reworded."
    assert summarise_changes(RAW, edited) == "lines.vent.calm (1 changed)"


def test_versions_are_written_atomically_and_read_beside_the_library(tmp_path: Path) -> None:
    authored = tmp_path / "authored"
    assert "ward__v1" not in load_library(DEFAULT_SCENARIO_DIR, authored_dir=authored)  # no directory yet: fine
    path = write_version(authored, "ward", 1, {**RAW, "id": "ward"})
    assert path.name == "ward__v1.yml" and yaml.safe_load(path.read_text())["id"] == "ward__v1"
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    library = load_library(DEFAULT_SCENARIO_DIR, authored_dir=authored)
    assert library["ward__v1"].title == RAW["title"] and "gp_reception_appointment" in library

    # A write that fails half-way leaves the old file whole and no temporary file behind.
    before = path.read_text()
    real_replace = os.replace

    def failing(src: str, dst: str) -> None:
        raise OSError("disk full")

    os.replace = failing  # type: ignore[assignment]
    try:
        with pytest.raises(OSError):
            write_version(authored, "ward", 1, {**RAW, "title": "Changed"})
    finally:
        os.replace = real_replace
    assert path.read_text() == before and sorted(p.name for p in authored.iterdir()) == ["ward__v1.yml"]


def test_an_authored_file_may_not_shadow_a_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "gp_reception_appointment.yml").write_text(
        (DEFAULT_SCENARIO_DIR / "gp_reception_appointment.yml").read_text()
    )
    with pytest.raises(ScenarioError, match="is also a built-in scenario"):
        load_library(DEFAULT_SCENARIO_DIR, authored_dir=tmp_path)


def test_cli_grants_authoring_to_staff_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from api.auth.bootstrap import create_user_at
    from practice.commands.users import run_author

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'practice.db'}", var_dir=tmp_path)
    create_user_at(settings.database_url, username="fay", password="a long password", role="facilitator")
    create_user_at(settings.database_url, username="lena", password="a long password", role="learner")
    assert run_author(argparse.Namespace(username="fay", revoke=False), settings=settings) == 0
    assert "may now write scenarios" in capsys.readouterr().out
    assert run_author(argparse.Namespace(username="lena", revoke=False), settings=settings) == 1
    assert "only facilitators or admins" in capsys.readouterr().err
    assert run_author(argparse.Namespace(username="nobody", revoke=False), settings=settings) == 1
    assert run_author(argparse.Namespace(username="fay", revoke=True), settings=settings) == 0
