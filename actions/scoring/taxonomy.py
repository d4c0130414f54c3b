"""The cue taxonomy loader.

`data/cues/taxonomy.yml` is the single source of cue ids, families, labels and weights.
Everything that speaks cue ids (scorer, actions, API, UI, evaluation) imports them from here
so that a renamed or re-weighted cue changes in one place only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from actions.scoring.errors import TaxonomyError
from actions.settings import TAXONOMY_PATH
from actions.vocabulary import CUE_FAMILIES


@dataclass(frozen=True)
class Cue:
    """One cue of the taxonomy (immutable: it is shared by every caller)."""

    id: str
    family: str
    label: str
    weight: float
    definition: str = ""
    sources: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    not_: tuple[str, ...] = field(default=())

    @property
    def is_anti_pattern(self) -> bool:
        return self.family == "anti_pattern"


@dataclass(frozen=True)
class Taxonomy:
    """Ordered cues plus family labels; `taxonomy["open_question"]` gives one cue."""

    version: int
    families: dict[str, str]
    cues: tuple[Cue, ...]

    def __getitem__(self, cue_id: str) -> Cue:
        for cue in self.cues:
            if cue.id == cue_id:
                return cue
        raise KeyError(cue_id)

    def get(self, cue_id: str) -> Cue | None:
        """The cue, or None for an id the taxonomy does not know."""
        return next((cue for cue in self.cues if cue.id == cue_id), None)

    def __contains__(self, cue_id: object) -> bool:
        return any(cue.id == cue_id for cue in self.cues)

    def __iter__(self) -> Iterator[Cue]:
        return iter(self.cues)

    def __len__(self) -> int:
        return len(self.cues)

    @property
    def ids(self) -> list[str]:
        return [cue.id for cue in self.cues]

    def weight(self, cue_id: str) -> float:
        return self[cue_id].weight


def _parse(raw: object, path: Path) -> Taxonomy:
    if not isinstance(raw, dict) or not isinstance(raw.get("cues"), list):
        raise TaxonomyError(f"{path}: expected a mapping with a 'cues' list")
    families = dict(raw.get("families") or {})
    cues: list[Cue] = []
    seen: set[str] = set()
    for i, item in enumerate(raw["cues"]):
        if not isinstance(item, dict):
            raise TaxonomyError(f"{path}: cues[{i}] is not a mapping: {item!r}")
        cue_id = item.get("id")
        if not isinstance(cue_id, str) or not cue_id:
            raise TaxonomyError(f"{path}: cues[{i}].id is missing or not a string: {cue_id!r}")
        if cue_id in seen:
            raise TaxonomyError(f"{path}: cues[{i}].id {cue_id!r} is duplicated")
        seen.add(cue_id)
        family = item.get("family")
        if family not in CUE_FAMILIES:
            raise TaxonomyError(f"{path}: cue {cue_id!r} has unknown family {family!r}")
        try:
            weight = float(item["weight"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TaxonomyError(f"{path}: cue {cue_id!r} has a bad weight {item.get('weight')!r}") from exc
        cues.append(
            Cue(
                id=cue_id,
                family=family,
                label=str(item.get("label") or cue_id),
                weight=weight,
                definition=str(item.get("definition") or ""),
                sources=tuple(item.get("sources") or ()),
                examples=tuple(item.get("examples") or ()),
                not_=tuple(item.get("not") or ()),
            )
        )
    return Taxonomy(version=int(raw.get("version", 1)), families=families, cues=tuple(cues))


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Taxonomy:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"{p}: cannot read taxonomy: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{p}: invalid YAML: {exc}") from exc
    return _parse(raw, p)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load (and cache) the taxonomy; raises TaxonomyError naming the file and the problem."""
    return _load_cached(str(Path(path) if path else TAXONOMY_PATH))
