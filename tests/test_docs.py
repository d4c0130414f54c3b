"""docs/DESIGN.md opens with a map of the repository; every path it names must exist."""

from __future__ import annotations

import re

from actions.vocabulary import REPO_ROOT

DESIGN = (REPO_ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")


def _map_section() -> str:
    return DESIGN.split("## Map", 1)[1].split("\n## ", 1)[0]


def test_the_map_comes_first() -> None:
    headings = re.findall(r"^## (.+)$", DESIGN, re.M)
    assert headings[0] == "Map"


def test_every_path_in_the_map_exists() -> None:
    paths = [p for p in re.findall(r"`([^`\s]+)`", _map_section()) if "/" in p or "." in p]
    paths = [p for p in paths if not p.startswith(("/", "PRACTICE_")) and "{" not in p]
    assert len(paths) > 30
    missing = [p for p in paths if not (REPO_ROOT / p).exists() and not _in_a_named_folder(p)]
    assert missing == []


def _in_a_named_folder(path: str) -> bool:
    """`cli.py` in the practice/ row means practice/cli.py; bare names are looked up beside
    the folder their row names."""
    if "/" in path.rstrip("/"):
        return False
    return any(
        (REPO_ROOT / folder / path).exists()
        for folder in ("actions", "api", "practice", "data", "data/cues", "requirements")
    )
