"""Versioned classifier builds, and which one scores.

Every build lives in `build/scorer/<build id>/` with its `meta.json`. The id of the plain
build is the classifier key (scorer.classifier_key: a hash of train, rules, config and code);
a build that also learnt from reviewers' corrections is `<classifier key>-<hash of the
corrections>`, and its meta says when it was made, from how many corrections (and how many
conflicting ones were left out), and its dev figures before and after. `selected.json` names
the build that scores; without it (or when it names a build of another classifier key: the
training data or code changed since) the plain build scores. The previous builds of the
current key stay on disk, so any of them can be selected again (`practice score --use ID`).

Score cards carry the id of the build that scored them (`scorer` on the card), and a
reviewer's correction keeps it (DESIGN.md, "Reviewers' corrections as training data").
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from actions.vocabulary import REPO_ROOT

BUILD_DIR = REPO_ROOT / "build" / "scorer"
SELECTED = "selected.json"
RULES_ONLY = "rules"  # the version of a scorer with no classifier


def base_of(build_id: str) -> str:
    """The classifier key a build was made from."""
    return build_id.split("-")[0]


def selected(build_dir: Path = BUILD_DIR) -> str | None:
    """The build id `selected.json` names, or None."""
    path = build_dir / SELECTED
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("build")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def selection_token(build_dir: Path = BUILD_DIR) -> int | None:
    """Changes whenever the selection is written (cheap enough to check on every turn)."""
    try:
        return (build_dir / SELECTED).stat().st_mtime_ns
    except OSError:
        return None


def choose(key: str, build_dir: Path = BUILD_DIR) -> str:
    """The build to load for classifier key `key`: the selected one if it was made from this
    key and is on disk, else the plain build."""
    chosen = selected(build_dir)
    if chosen and base_of(chosen) == key and (build_dir / chosen / "meta.json").exists():
        return chosen
    return key


def select(build_id: str, build_dir: Path = BUILD_DIR) -> None:
    """Make `build_id` the build that scores (atomically: a reader sees the old or the new)."""
    if not (build_dir / build_id / "meta.json").exists():
        raise FileNotFoundError(f"no scorer build {build_id!r} in {build_dir}")
    build_dir.mkdir(parents=True, exist_ok=True)
    tmp = build_dir / f".{SELECTED}.tmp"
    tmp.write_text(json.dumps({"build": build_id}) + "\n", encoding="utf-8")
    os.replace(tmp, build_dir / SELECTED)


def read_meta(build_id: str, build_dir: Path = BUILD_DIR) -> dict[str, Any] | None:
    try:
        meta = json.loads((build_dir / build_id / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def update_meta(build_id: str, changes: dict[str, Any], build_dir: Path = BUILD_DIR) -> None:
    meta = read_meta(build_id, build_dir) or {}
    meta.update(changes)
    tmp = build_dir / build_id / ".meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    os.replace(tmp, build_dir / build_id / "meta.json")


def list_builds(key: str | None, build_dir: Path = BUILD_DIR) -> list[dict[str, Any]]:
    """The builds made from classifier key `key` (all when None), oldest first, each its meta
    plus `id` and `selected`."""
    if not build_dir.exists():
        return []
    current = choose(key, build_dir) if key else selected(build_dir)
    out: list[dict[str, Any]] = []
    for path in build_dir.iterdir():
        if not path.is_dir() or path.name.startswith(".") or (key and base_of(path.name) != key):
            continue
        meta = read_meta(path.name, build_dir)
        if meta is None:
            continue
        out.append({**meta, "id": path.name, "selected": path.name == current})
    return sorted(out, key=lambda m: (str(m.get("created_at", "")), m["id"]))
