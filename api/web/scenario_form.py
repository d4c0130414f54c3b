"""The scenario-writing form (``/author``) as flat fields and back: one field per part of a
scenario, named by the path the checks use in their problems (``lines.vent.calm``,
``facts[0].answers.angry``), so every problem finds the field it is about.

Lines are written one per line of a text box; a line that voices a feeling (an empathic
opportunity) starts with the feeling in lowercase and a colon: ``worried: I don't know what's
happening``. ``data_from_form`` builds the same shape as a stored copy of a built-in scenario
(``Scenario.model_dump(mode="json", exclude_none=True)``), so saving an unchanged form changes
nothing, and ``form_from_data`` is its inverse (tests/api/test_web_authoring.py checks both on
every built-in scenario). Plain Python: no request, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData, UploadFile

from actions.scenarios import REACTION_MOVES
from actions.vocabulary import ACTS, LEVELS

LEVEL_TEMPLATES = ("recall", "holding_back", "deflect", "need_heard")
TEMPLATE_LABELS = {
    "recall": "Asked again about a fact ({gist} names it)",
    "holding_back": "Holding back a guarded fact until listened to",
    "deflect": "Asked something the patient has no fact for",
    "need_heard": "When the learner names the hidden need",
}
FEELING_LINE = re.compile(r"^([a-z][a-z _-]{0,39}):\s+(\S.*)$")
SENSITIVITY_LINE = re.compile(r"^([a-z0-9_]+)\s*:\s*(\S+)$")
# The form's top-level text fields, in the order the page shows them.
TEXT_FIELDS = ("title", "staff_role", "setting", "situation", "hidden_need")


Form = FormData


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _rows(text: str) -> list[str]:
    return [row.strip() for row in text.replace("\r\n", "\n").split("\n") if row.strip()]


def _number(text: str) -> int | str:
    """A whole number as a number; anything else as typed, for the checks to name."""
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else text


def lines_from_text(text: str) -> list[dict[str, str]]:
    """One line of the patient's per row; ``feeling: text`` marks the feeling it voices."""
    out = []
    for row in _rows(text):
        match = FEELING_LINE.match(row)
        out.append({"text": match.group(2), "opportunity": match.group(1)} if match else {"text": row})
    return out


def text_from_lines(lines: Any) -> str:
    rows = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, str):
            rows.append(line)
        elif isinstance(line, dict):
            text = str(line.get("text", ""))
            rows.append(f"{line['opportunity']}: {text}" if line.get("opportunity") else text)
    return "\n".join(rows)


def fact_count(form: Form) -> int:
    count = _text(form, "fact_count")
    return min(int(count), 200) if count.isdigit() else 0


def _fact_from_form(form: Form, i: int) -> dict[str, Any] | None:
    """Fact ``i`` of the form; None when it is marked for removal or left empty (the spare one)."""
    p = f"facts[{i}]"
    if form.get(f"{p}.remove"):
        return None
    texts = {k: _text(form, f"{p}.{k}") for k in ("id", "about", "keywords", "gist", "asks")}
    answers = {level: _text(form, f"{p}.answers.{level}") for level in LEVELS}
    if not any(texts.values()) and not any(answers.values()):
        return None
    return {
        "id": texts["id"],
        "topic": _text(form, f"{p}.topic"),
        "also": [t for t in form.getlist(f"{p}.also") if isinstance(t, str) and t],
        "about": texts["about"],
        "keywords": _rows(texts["keywords"]),
        "gist": texts["gist"],
        "asks": _rows(texts["asks"]),
        "guarded": bool(form.get(f"{p}.guarded")),
        "answers": {level: lines_from_text(answers[level]) for level in LEVELS},
    }


def _levels(form: Form, prefix: str) -> dict[str, list[dict[str, str]]]:
    return {level: lines_from_text(_text(form, f"{prefix}.{level}")) for level in LEVELS}


def data_from_form(form: Form) -> dict[str, Any]:
    """The scenario the form describes (without its id), as it is stored."""
    templates: dict[str, Any] = {}
    for kind in LEVEL_TEMPLATES:
        by_level = _levels(form, f"templates.{kind}")
        if any(by_level.values()):  # a kind left wholly empty is left out; a missing level is a problem
            templates[kind] = by_level
    reactions = {}
    for move in REACTION_MOVES:
        by_level = {k: v for k, v in _levels(form, f"templates.reactions.{move}").items() if v}
        if by_level:  # a level left out uses the act's lines
            reactions[move] = by_level
    if reactions:
        templates["reactions"] = reactions
    sensitivity: dict[str, Any] = {}
    for row in _rows(_text(form, "sensitivity")):
        match = SENSITIVITY_LINE.match(row)
        if match:
            try:
                sensitivity[match.group(1)] = float(match.group(2))
            except ValueError:
                sensitivity[match.group(1)] = match.group(2)
        else:
            sensitivity[row] = row  # the checks name what is wrong with it
    facts = [f for i in range(fact_count(form) + 1) if (f := _fact_from_form(form, i)) is not None]
    return {
        **{name: _text(form, name) for name in TEXT_FIELDS[:3]},
        "difficulty": _number(_text(form, "difficulty")),
        "skills": [s for s in form.getlist("skills") if isinstance(s, str)],
        "themes": [t for t in form.getlist("themes") if isinstance(t, str)],
        "persona": {
            "name": _text(form, "persona.name"),
            "age": _number(_text(form, "persona.age")),
            "description": _text(form, "persona.description"),
        },
        "situation": _text(form, "situation"),
        "hidden_need": _text(form, "hidden_need"),
        "start_level": _text(form, "start_level"),
        "turn_budget": _number(_text(form, "turn_budget")),
        "opening": lines_from_text(_text(form, "opening")),
        "lines": {act: _levels(form, f"lines.{act}") for act in ACTS},
        "sensitivity": sensitivity,
        "facts": facts,
        "templates": templates,
    }


def _level_pairs(prefix: str, by_level: Any) -> Iterable[tuple[str, str | UploadFile]]:
    by_level = by_level if isinstance(by_level, dict) else {}
    for level in LEVELS:
        yield f"{prefix}.{level}", text_from_lines(by_level.get(level, []))


def form_from_data(data: dict[str, Any]) -> FormData:
    """The form showing ``data`` (a stored version, or what a refused save sent)."""
    pairs: list[tuple[str, str | UploadFile]] = []
    for name in TEXT_FIELDS:
        pairs.append((name, str(data.get(name, ""))))
    persona = _mapping(data.get("persona"))
    for key in ("name", "age", "description"):
        pairs.append((f"persona.{key}", str(persona.get(key, ""))))
    for key in ("difficulty", "start_level", "turn_budget"):
        pairs.append((key, str(data.get(key, ""))))
    pairs += [("skills", str(s)) for s in data.get("skills") or []]
    pairs += [("themes", str(t)) for t in data.get("themes") or []]
    pairs.append(("opening", text_from_lines(data.get("opening"))))
    lines = _mapping(data.get("lines"))
    for act in ACTS:
        pairs += _level_pairs(f"lines.{act}", lines.get(act))
    sensitivity = _mapping(data.get("sensitivity"))
    pairs.append(
        (
            "sensitivity",
            "\n".join(f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}" for k, v in sensitivity.items()),
        )
    )
    facts = [f for f in data.get("facts") or [] if isinstance(f, dict)]
    pairs.append(("fact_count", str(len(facts))))
    for i, fact in enumerate(facts):
        p = f"facts[{i}]"
        for key in ("id", "topic", "about", "gist"):
            pairs.append((f"{p}.{key}", str(fact.get(key, ""))))
        pairs += [(f"{p}.also", str(t)) for t in fact.get("also") or []]
        for key in ("keywords", "asks"):
            pairs.append((f"{p}.{key}", "\n".join(str(v) for v in fact.get(key) or [])))
        if fact.get("guarded"):
            pairs.append((f"{p}.guarded", "on"))
        pairs += _level_pairs(f"{p}.answers", fact.get("answers"))
    templates = _mapping(data.get("templates"))
    for kind in LEVEL_TEMPLATES:
        pairs += _level_pairs(f"templates.{kind}", templates.get(kind))
    reactions = _mapping(templates.get("reactions"))
    for move in REACTION_MOVES:
        pairs += _level_pairs(f"templates.reactions.{move}", reactions.get(move))
    return FormData(pairs)


def field_names(facts: int) -> set[str]:
    """Every field a problem may point at, for a form with ``facts`` facts."""
    names = {*TEXT_FIELDS, "id", "difficulty", "start_level", "turn_budget", "skills", "themes"}
    names |= {"persona.name", "persona.age", "persona.description", "opening", "sensitivity"}
    names |= {f"lines.{act}.{level}" for act in ACTS for level in LEVELS}
    names |= {f"templates.{kind}.{level}" for kind in LEVEL_TEMPLATES for level in LEVELS}
    names |= {f"templates.reactions.{move}.{level}" for move in REACTION_MOVES for level in LEVELS}
    for i in range(facts):
        names |= {f"facts[{i}].{k}" for k in ("id", "topic", "also", "about", "keywords", "gist", "asks", "guarded")}
        names |= {f"facts[{i}].answers.{level}" for level in LEVELS}
    return names


def field_id(name: str) -> str:
    """An element id for a field name: ``lines.vent.calm`` -> ``f-lines-vent-calm``."""
    return "f-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _field_for(path: str, names: set[str], fact_ids: list[str]) -> str | None:
    """The form field a problem's path is about: the path itself, or the nearest field that
    holds it (``lines.vent.calm[0].text`` is in ``lines.vent.calm``)."""
    match = re.fullmatch(r"facts\.([a-z0-9_]+)(?:\.(keywords))?", path)
    if match and match.group(1) in fact_ids:  # the facts check names a fact by its id
        return f"facts[{fact_ids.index(match.group(1))}].{match.group(2) or 'asks'}"
    while path:
        if path in names:
            return path
        if f"{path}.calm" in names:  # a whole set of levels: its first box
            return f"{path}.calm"
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def place_problems(problems: list[str], *, scenario_id: str, data: dict[str, Any]) -> list[dict[str, str | None]]:
    """Each problem as ``{"text", "field", "anchor"}``: the text without the scenario id in
    front, the field it is about (None when it is about the whole scenario) and its element id."""
    facts = [f for f in data.get("facts") or [] if isinstance(f, dict)]
    names = field_names(len(facts))
    fact_ids = [str(f.get("id", "")) for f in facts]
    placed: list[dict[str, str | None]] = []
    for problem in problems:
        text = problem.removeprefix(f"{scenario_id}: ")
        path = text.split(": ", 1)[0] if ": " in text else ""
        field = _field_for(path, names, fact_ids)
        placed.append({"text": text, "field": field, "anchor": field_id(field) if field else None})
    return placed
