"""What changed between two versions of a scenario, in a line an author reads at a glance:
``persona.name, lines.vent.angry (+2 lines), facts (1 added)``.

Stored with each version (``ScenarioVersion.summary``) so the history reads without diffing
JSON on every page. Plain Python on the scenario mappings (the data as saved), no pydantic.
"""

from __future__ import annotations

from typing import Any

# Beyond this many changed fields the summary says "and N more": a line, not a report.
MAX_PARTS = 12


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _is_line(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and "text" in value)


def _list_change(path: str, old: list[Any], new: list[Any]) -> str:
    """``opening (+1 line)``, ``lines.vent.calm (-2 lines)``, ``skills (2 changed)``."""
    lines = all(_is_line(v) for v in [*old, *new])
    grown = len(new) - len(old)
    if grown:
        sign = "+" if grown > 0 else "-"
        return f"{path} ({sign}{_plural(abs(grown), 'line') if lines else _entries(abs(grown))})"
    changed = sum(a != b for a, b in zip(old, new, strict=True))
    return f"{path} ({changed} changed)"


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _facts_change(old: list[Any], new: list[Any]) -> str:
    """``facts (1 added, 1 changed)`` by fact id."""
    before = {f.get("id"): f for f in old if isinstance(f, dict)}
    after = {f.get("id"): f for f in new if isinstance(f, dict)}
    parts = []
    if added := len(after.keys() - before.keys()):
        parts.append(f"{added} added")
    if removed := len(before.keys() - after.keys()):
        parts.append(f"{removed} removed")
    if changed := sum(before[k] != after[k] for k in after.keys() & before.keys()):
        parts.append(f"{changed} changed")
    return f"facts ({', '.join(parts) or 'reordered'})"


def _changes(path: str, old: Any, new: Any) -> list[str]:
    if old == new:
        return []
    if path == "facts" and isinstance(old, list) and isinstance(new, list):
        return [_facts_change(old, new)]
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in [*new, *(k for k in old if k not in new)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in old:
                found.append(f"{where} (added)")
            elif key not in new:
                found.append(f"{where} (removed)")
            else:
                found += _changes(where, old[key], new[key])
        return found
    if isinstance(old, list) and isinstance(new, list):
        return [_list_change(path, old, new)]
    return [path or "(top level)"]


def summarise_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """What ``new`` changes against ``old`` (``None``: the first version), in one line."""
    if old is None:
        return "first version"
    parts = _changes("", old, new)
    if not parts:
        return "no changes"
    if len(parts) > MAX_PARTS:
        return ", ".join(parts[:MAX_PARTS]) + f", and {len(parts) - MAX_PARTS} more"
    return ", ".join(parts)
