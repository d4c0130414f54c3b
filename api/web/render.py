"""Templates and the small pieces of presentation the pages share: names for levels, outcomes
and cues, the learner's words with their cues highlighted, and the patient's tension meter.

The values come from ``actions.vocabulary``; the ``*_LABELS`` here are how the pages word them,
in the vocabulary's order (drop-downs list them so), and tests/test_vocabulary.py checks that
each one words every value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from actions.scenarios import THEME_LABELS
from actions.vocabulary import LEVELS, AssignmentStatus, CueFamily, Feeling, GroupRunStatus, Outcome, SessionStatus

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

DIFFICULTY = {1: "Foundation", 2: "Intermediate", 3: "Advanced"}
OUTCOME_LABELS: dict[Outcome, str] = {
    "de_escalated": "Calmer and heard",
    "escalated": "The conversation broke down",
    "ended_for_safety": "You stepped away to stay safe",
    "abandoned": "Ended before the patient felt settled",
}
ASSIGNMENT_STATUS_LABELS: dict[AssignmentStatus, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "overdue": "Overdue",
}
SESSION_STATUS_LABELS: dict[SessionStatus, str] = {
    "starting": "Starting",
    "active": "In progress",
    "ended": "Finished",
    "failed": "Could not start",
}
GROUP_RUN_STATUS_LABELS: dict[GroupRunStatus, str] = {
    "open": "Open",
    "paused": "Paused",
    "ended": "Ended",
}
FAMILY_LABELS: dict[CueFamily, str] = {
    "active_listening": "Active listening",
    "de_escalation": "Support and de-escalation",
    "anti_pattern": "Anti-pattern",
}

# The answers to a check-in's "How are you feeling now?", as the form offers them.
FEELING_LABELS: dict[Feeling, str] = {
    "okay": "Okay",
    "shaken": "A bit shaken",
    "upset": "Upset",
    "not_sure": "Not sure",
}


@dataclass(frozen=True)
class CueInfo:
    id: str
    label: str
    family: str

    @property
    def helpful(self) -> bool:
        return self.family != "anti_pattern"


@lru_cache(maxsize=1)
def cue_catalogue() -> dict[str, CueInfo]:
    """Every cue id with its label and family, from the taxonomy (loaded once, on first use)."""
    from actions.scoring.taxonomy import load_taxonomy  # plain Python; spaCy loads with it, so not at import

    return {c.id: CueInfo(c.id, c.label, c.family) for c in load_taxonomy()}


def cue_info(cue_id: str, card_cue: Mapping[str, Any] | None = None) -> CueInfo:
    """A cue's label and family: from the score card when it carries them, else the taxonomy."""
    if card_cue and isinstance(card_cue.get("label"), str) and isinstance(card_cue.get("family"), str):
        return CueInfo(cue_id, card_cue["label"], card_cue["family"])
    known = cue_catalogue().get(cue_id)
    return known or CueInfo(cue_id, cue_id.replace("_", " ").capitalize(), "active_listening")


def highlight(text: str, cues: Sequence[Mapping[str, Any]]) -> Markup:
    """The learner's words, escaped, with every cue's span wrapped in ``<mark>`` (anti-patterns
    marked differently). Spans that do not fit the text are ignored, never trusted."""
    spans: list[tuple[int, int, bool]] = []
    for cue in cues:
        start, end, quote = cue.get("start"), cue.get("end"), cue.get("quote")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            start = end = None
        if isinstance(quote, str) and quote and (start is None or text[start:end] != quote):
            found = text.find(quote)  # the scorer saw a cleaned copy: find its quote in what was stored
            start, end = (found, found + len(quote)) if found >= 0 else (None, None)
        if start is not None and end is not None:
            spans.append((start, end, cue.get("family") == "anti_pattern"))
    if not spans:
        return Markup(escape(text))
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [anti for s, e, anti in spans if s <= a and b <= e]
        piece = str(escape(text[a:b]))
        if covering:
            kind = "hl-anti" if any(covering) else "hl-good"
            out.append(f'<mark class="hl {kind}">{piece}</mark>')
        else:
            out.append(piece)
    return Markup("".join(out))


@dataclass(frozen=True)
class Meter:
    """How the patient is feeling now, and which way the last reply moved them."""

    level: str
    tension: float
    change: str  # "calmer", "angrier" or "steady"

    @property
    def level_name(self) -> str:
        return self.level.capitalize()

    @property
    def change_text(self) -> str:
        return {"calmer": "Getting calmer", "angrier": "Getting angrier", "steady": "No change"}[self.change]


def _tension(line: Mapping[str, Any]) -> float | None:
    value = line.get("tension")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def meter_for(opening: Sequence[Mapping[str, Any]], turns: Sequence[Any]) -> Meter | None:
    """The meter after the last answered turn (or the opening), compared with the line before."""
    lines = [dict(line) for line in opening if isinstance(line, Mapping)]
    for turn in turns:
        if getattr(turn, "status", None) == "answered":
            lines.extend(dict(line) for line in (turn.patient_lines or []) if isinstance(line, Mapping))
    with_state = [line for line in lines if line.get("escalation") in LEVELS and _tension(line) is not None]
    if not with_state:
        return None
    now = with_state[-1]
    before = with_state[-2] if len(with_state) > 1 else now
    delta = (_tension(now) or 0) - (_tension(before) or 0)
    change = "calmer" if delta < 0 else "angrier" if delta > 0 else "steady"
    return Meter(level=now["escalation"], tension=max(0.0, min(100.0, _tension(now) or 0)), change=change)


def when(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M") if value else ""


def day(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """A page, with the signed-in user and the CSRF token (when there is a session) in reach."""
    ctx = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf", ""),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


templates.env.globals.update(
    DIFFICULTY=DIFFICULTY,
    THEME_LABELS=THEME_LABELS,
    OUTCOME_LABELS=OUTCOME_LABELS,
    ASSIGNMENT_STATUS_LABELS=ASSIGNMENT_STATUS_LABELS,
    SESSION_STATUS_LABELS=SESSION_STATUS_LABELS,
    GROUP_RUN_STATUS_LABELS=GROUP_RUN_STATUS_LABELS,
    FAMILY_LABELS=FAMILY_LABELS,
    FEELING_LABELS=FEELING_LABELS,
    cue_info=cue_info,
    highlight=highlight,
)
templates.env.filters.update(when=when, day=day)
