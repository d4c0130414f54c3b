"""The confidence scale and the satisfaction line (``data/confidence.yml``), loaded and checked.

The items are ours, written from the course's stated aims, in the style of a Likert-type
self-efficacy scale (the data file says so and why). What is stored with an answer is each
item's ``id``; ``ConfidenceScale.check_answers`` is the one place answers are validated, for
the JSON API and the web form alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.vocabulary import REPO_ROOT

CONFIDENCE_PATH = REPO_ROOT / "data" / "confidence.yml"
ITEM_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class ConfidenceScaleError(ValueError):
    """data/confidence.yml is malformed; the message names the file, the field and the problem."""


@dataclass(frozen=True)
class Item:
    id: str
    text: str


@dataclass(frozen=True)
class ConfidenceScale:
    title: str
    intro: str
    stem: str
    low: int
    high: int
    anchors: dict[int, str]  # every point from low to high, labelled
    items: tuple[Item, ...]
    satisfaction_question: str
    satisfaction_anchors: dict[int, str]  # 1-5
    comment_label: str
    comment_max_chars: int

    @property
    def points(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    def check_answers(self, answers: Mapping[str, Any]) -> tuple[dict[str, int], list[str]]:
        """The answers as ``{item id: point}`` for every item, and a problem per item that is
        missing, unknown or off the scale (worded for a person: the item's own text)."""
        problems: list[str] = []
        known = {item.id for item in self.items}
        for unknown in sorted(set(answers) - known):
            problems.append(f"{unknown}: not an item of this questionnaire")
        clean: dict[str, int] = {}
        for item in self.items:
            value = answers.get(item.id)
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if value is None or value == "":
                problems.append(f"{item.id}: choose an answer for “{item.text}”")
            elif isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
                problems.append(f"{item.id}: “{item.text}” takes a whole number from {self.low} to {self.high}")
            else:
                clean[item.id] = value
        return clean, problems


def _anchors(raw: Any, where: str, path: Path, *, low: int, high: int) -> dict[int, str]:
    if not isinstance(raw, Mapping):
        raise ConfidenceScaleError(f"{path}: {where}: expected a mapping of each point to its label")
    try:
        anchors = {int(k): str(v).strip() for k, v in raw.items()}
    except (TypeError, ValueError):
        raise ConfidenceScaleError(f"{path}: {where}: points must be whole numbers") from None
    if sorted(anchors) != list(range(low, high + 1)) or not all(anchors.values()):
        raise ConfidenceScaleError(f"{path}: {where}: needs a label for every point from {low} to {high}")
    return anchors


def _text(raw: Mapping[str, Any], key: str, where: str, path: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfidenceScaleError(f"{path}: {where}{key}: required text is missing")
    return " ".join(value.split())


def parse_scale(raw: Any, path: Path = CONFIDENCE_PATH) -> ConfidenceScale:
    if not isinstance(raw, Mapping):
        raise ConfidenceScaleError(f"{path}: expected a mapping at the top")
    scale = raw.get("scale")
    if not isinstance(scale, Mapping):
        raise ConfidenceScaleError(f"{path}: scale: required mapping is missing")
    low, high = scale.get("min"), scale.get("max")
    if not isinstance(low, int) or not isinstance(high, int) or not (low == 1 and 5 <= high <= 7):
        raise ConfidenceScaleError(f"{path}: scale: min must be 1 and max 5 to 7")
    anchors = _anchors(scale.get("anchors"), "scale.anchors", path, low=low, high=high)
    items_raw = raw.get("items")
    if not isinstance(items_raw, list) or not 5 <= len(items_raw) <= 7:
        raise ConfidenceScaleError(f"{path}: items: needs 5 to 7 items")
    items: list[Item] = []
    for i, entry in enumerate(items_raw):
        if not isinstance(entry, Mapping):
            raise ConfidenceScaleError(f"{path}: items[{i}]: expected a mapping with id and text")
        item_id = entry.get("id")
        if not isinstance(item_id, str) or not item_id or not set(item_id) <= ITEM_ID_CHARS:
            raise ConfidenceScaleError(f"{path}: items[{i}].id: lowercase letters, digits and _ only")
        if any(item.id == item_id for item in items):
            raise ConfidenceScaleError(f"{path}: items[{i}].id: {item_id!r} is used twice")
        items.append(Item(item_id, _text(entry, "text", f"items[{i}].", path)))
    satisfaction = raw.get("satisfaction")
    if not isinstance(satisfaction, Mapping):
        raise ConfidenceScaleError(f"{path}: satisfaction: required mapping is missing")
    max_chars = satisfaction.get("comment_max_chars")
    if not isinstance(max_chars, int) or not 1 <= max_chars <= 1000:
        raise ConfidenceScaleError(f"{path}: satisfaction.comment_max_chars: a whole number from 1 to 1000")
    return ConfidenceScale(
        title=_text(raw, "title", "", path),
        intro=_text(raw, "intro", "", path),
        stem=_text(raw, "stem", "", path),
        low=low,
        high=high,
        anchors=anchors,
        items=tuple(items),
        satisfaction_question=_text(satisfaction, "question", "satisfaction.", path),
        satisfaction_anchors=_anchors(satisfaction.get("anchors"), "satisfaction.anchors", path, low=1, high=5),
        comment_label=_text(satisfaction, "comment_label", "satisfaction.", path),
        comment_max_chars=max_chars,
    )


@lru_cache(maxsize=4)
def load_scale(path: Path = CONFIDENCE_PATH) -> ConfidenceScale:
    """The scale in ``path`` (read once per path)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfidenceScaleError(f"{path}: cannot be read: {exc}") from None
    return parse_scale(raw, Path(path))
