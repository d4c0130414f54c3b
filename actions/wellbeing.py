"""What a private check-in says back: signposting that fits the learner's answers, and a
self-compassion prompt. The words are data (the ``check_in`` part of ``data/support.yml``),
checked when they are loaded; an error names the file, the field and the problem.

Plain Python and YAML. ``api/services/check_ins.py`` stores the check-ins; this module only
chooses the words for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.feedback import SUPPORT_FILE
from actions.vocabulary import FEELINGS

WHEN_KEYS = ("feeling", "affected")


class SupportDataError(ValueError):
    """``data/support.yml``'s check-in part is not in the expected format."""


@dataclass(frozen=True)
class Signposting:
    """One section of signposting and the answers it is for (``when``; empty: any answers)."""

    id: str
    heading: str
    text: str
    options: tuple[str, ...]
    feelings: frozenset[str] = frozenset()
    affected: bool = False

    @property
    def fallback(self) -> bool:
        return not self.feelings and not self.affected

    def matches(self, *, feeling: str | None, affected: bool | None) -> bool:
        return self.fallback or (feeling in self.feelings) or (self.affected and affected is True)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "heading": self.heading, "text": self.text, "options": list(self.options)}


@dataclass(frozen=True)
class CheckInGuide:
    signposting: tuple[Signposting, ...]
    prompts: tuple[str, ...]

    def signposting_for(self, *, feeling: str | None, affected: bool | None) -> Signposting:
        """The first section whose ``when`` matches the answers (the last one matches anything)."""
        return next(s for s in self.signposting if s.matches(feeling=feeling, affected=affected))

    def prompt_for(self, number: int) -> str:
        """The self-compassion prompt for the check-in numbered ``number``: they take turns."""
        return self.prompts[number % len(self.prompts)]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SupportDataError(f"{where}: must be some text")
    return " ".join(value.split())


def _section(raw: Any, where: str) -> Signposting:
    if not isinstance(raw, Mapping):
        raise SupportDataError(f"{where}: must be a mapping with id, heading, text and options")
    unknown = set(raw) - {"id", "when", "heading", "text", "options"}
    if unknown:
        raise SupportDataError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    section_id = _text(raw.get("id"), f"{where}.id")
    where = f"{where} ({section_id})"
    options = raw.get("options")
    if not isinstance(options, list) or not options:
        raise SupportDataError(f"{where}.options: must be a list of one or more lines")
    lines = tuple(_text(o, f"{where}.options[{i}]") for i, o in enumerate(options))
    when = raw.get("when")
    feelings: frozenset[str] = frozenset()
    affected = False
    if when is not None:
        if not isinstance(when, Mapping) or not when:
            raise SupportDataError(f"{where}.when: must map feeling and/or affected to the answers it is for")
        unknown = set(when) - set(WHEN_KEYS)
        if unknown:
            raise SupportDataError(
                f"{where}.when: unknown condition(s) {', '.join(sorted(map(str, unknown)))} "
                f"(known: {', '.join(WHEN_KEYS)})"
            )
        if "feeling" in when:
            chosen = when["feeling"]
            if not isinstance(chosen, list) or not chosen:
                raise SupportDataError(f"{where}.when.feeling: must be a list of feelings ({', '.join(FEELINGS)})")
            wrong = [str(f) for f in chosen if f not in FEELINGS]
            if wrong:
                raise SupportDataError(
                    f"{where}.when.feeling: unknown feeling(s) {', '.join(wrong)} (known: {', '.join(FEELINGS)})"
                )
            feelings = frozenset(chosen)
        if "affected" in when:
            if when["affected"] is not True:
                raise SupportDataError(f"{where}.when.affected: must be true (matches 'yes, something affected me')")
            affected = True
    return Signposting(
        id=section_id,
        heading=_text(raw.get("heading"), f"{where}.heading"),
        text=_text(raw.get("text"), f"{where}.text"),
        options=lines,
        feelings=feelings,
        affected=affected,
    )


def parse_guide(raw: Any, source: str) -> CheckInGuide:
    """The check-in part of a parsed support file, or ``SupportDataError`` saying what is wrong."""
    part = raw.get("check_in") if isinstance(raw, Mapping) else None
    if not isinstance(part, Mapping):
        raise SupportDataError(f"{source}: check_in: missing (signposting and prompts for check-ins)")
    sections_raw = part.get("signposting")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise SupportDataError(f"{source}: check_in.signposting: must be a list of one or more sections")
    sections = tuple(_section(s, f"{source}: check_in.signposting[{i}]") for i, s in enumerate(sections_raw))
    ids = [s.id for s in sections]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SupportDataError(f"{source}: check_in.signposting: id(s) used twice: {', '.join(repeated)}")
    fallbacks = [i for i, s in enumerate(sections) if s.fallback]
    if fallbacks != [len(sections) - 1]:
        raise SupportDataError(
            f"{source}: check_in.signposting: exactly one section, the last, must have no `when` "
            "(what is shown when no other section matches)"
        )
    prompts_raw = part.get("prompts")
    if not isinstance(prompts_raw, list) or len(prompts_raw) < 2:
        raise SupportDataError(f"{source}: check_in.prompts: must be a list of two or more prompts")
    prompts = tuple(_text(p, f"{source}: check_in.prompts[{i}]") for i, p in enumerate(prompts_raw))
    return CheckInGuide(signposting=sections, prompts=prompts)


@lru_cache(maxsize=1)
def load_check_in_guide(path: Path = SUPPORT_FILE) -> CheckInGuide:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SupportDataError(f"{path}: cannot be read: {exc}") from exc
    return parse_guide(raw, str(path))
