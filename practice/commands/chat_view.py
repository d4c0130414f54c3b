"""How a practice conversation looks in the terminal: plain text, no colours needed."""

from __future__ import annotations

import textwrap
from typing import Any

from actions.vocabulary import LEVELS, OUTCOMES, Outcome

# What each outcome means, for a summary that carries no ``outcome_text`` of its own.
OUTCOME_TEXT: dict[Outcome, str] = {
    "de_escalated": "The patient felt heard and things calmed down.",
    "escalated": "The patient left before things were resolved.",
    "ended_for_safety": "Stepping away and getting support is a skill, and it counts.",
    "abandoned": "The conversation ended before it was resolved.",
}
HELP = """\
Type what you would say and press Enter.
  /end     finish and see your summary
  /safety  step away and get support (ending for safety is a skill, not a failure)
  /help    show this again
  Ctrl-D   finish"""
WIDTH = 78


def wrap(text: str, indent: str = "  ") -> str:
    """Fill to the terminal width; a bullet or marker in `indent` shows on the first line only."""
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent))


def meter(level: str | None) -> str:
    """``angry [####-]``: how worked up the patient is, calm (one mark) to hostile (five)."""
    if level not in LEVELS:
        return level or ""
    filled = LEVELS.index(level) + 1
    return f"{level} [{'#' * filled}{'-' * (len(LEVELS) - filled)}]"


def patient_name(brief: dict[str, Any] | None) -> str:
    persona = (brief or {}).get("persona") or {}
    return str(persona.get("name") or "Patient")


def intro(session: dict[str, Any]) -> str:
    brief = session.get("scenario") or {}
    parts = [brief.get("title") or session.get("scenario_id", "")]
    role = ", ".join(str(x) for x in (brief.get("staff_role"), brief.get("setting")) if x)
    if role:
        parts.append(f"You are: {role}")
    persona = brief.get("persona") or {}
    if persona.get("description"):
        parts.append(wrap(f"{patient_name(brief)}: {persona['description']}", indent=""))
    if brief.get("situation"):
        parts.append(wrap(brief["situation"], indent=""))
    return "\n".join(parts) + "\n\n" + HELP


def patient_lines(lines: list[dict[str, Any]], name: str) -> str:
    out = []
    for line in lines:
        out.append(f"{name} ({meter(line.get('escalation'))}):")
        out.append(wrap(f'"{line.get("text", "")}"'))
    return "\n".join(out)


def score_card(card: dict[str, Any] | None) -> str:
    """Cues heard in the learner's words (quoted), the score, and the feedback lines."""
    if not card:
        return ""
    head = f"  Feedback: score {card.get('score', 0):+.1f}"
    before, after = card.get("escalation_before"), card.get("escalation")
    if before and after and before != after:
        head += f", patient {before} -> {after}"
    out = [head]
    for cue in card.get("cues") or []:
        mark = "-" if cue.get("family") == "anti_pattern" else "+"
        label = cue.get("label") or cue.get("cue", "")
        if cue.get("tentative"):
            label = f"possibly {label[:1].lower()}{label[1:]}"
        quote = f': "{cue["quote"]}"' if cue.get("quote") else ""
        out.append(f"    {mark} {label}{quote}")
    opportunity = card.get("opportunity")
    if opportunity:
        taken = "taken" if opportunity.get("taken") else "missed"
        out.append(f"    Chance to respond to a feeling ({opportunity.get('emotion')}): {taken}")
    for line in card.get("feedback") or []:
        out.append(wrap(line, indent="    > "))
    if card.get("flags"):
        out.append(f"    (note: {', '.join(card['flags'])})")
    return "\n".join(out)


def _label(cue: str, labels: dict[str, str]) -> str:
    return labels.get(cue) or cue.replace("_", " ").capitalize()


def summary(data: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """The end-of-session report: outcome, counts, done well / to try with quotes, support."""
    labels = labels or {}
    out = ["", "=" * 20 + " Session summary " + "=" * 20]
    outcome = data.get("outcome")
    words = data.get("outcome_text") or (OUTCOME_TEXT[outcome] if outcome in OUTCOMES else "")
    out.append(wrap(f"Outcome: {(outcome or 'unknown').replace('_', '-')}. {words}".rstrip(), indent=""))
    out.append(f"Your replies: {data.get('turns', 0)}")
    counts = data.get("cue_counts") or {}
    if counts:
        heard = ", ".join(f"{_label(c, labels)} x{n}" for c, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        out.append(wrap(f"What we heard: {heard}", indent=""))
    opp = data.get("empathic_opportunities") or {}
    if opp.get("offered"):
        out.append(f"Chances to respond to a feeling: {opp.get('taken', 0)} of {opp['offered']} taken")
    if data.get("open_question_share") is not None:
        out.append(f"Open questions: {data['open_question_share']:.0%} of your questions")
    if data.get("reflection_to_question") is not None:
        out.append(f"Reflections per question: {data['reflection_to_question']:.1f}")
    for title, key, mark in (("Done well:", "done_well", "+"), ("To try next time:", "to_try", "-")):
        items = data.get(key) or []
        if items:
            out.append("")
            out.append(title)
            for item in items:
                text = item.get("text", "")
                out.append(wrap(text, indent=f"  {mark} "))
                if item.get("quote") and item["quote"] not in text:
                    out.append(wrap(f'"{item["quote"]}"', indent="      "))
    support = data.get("support") or {}
    if support:
        out.append("")
        out.append(f"{support.get('heading') or 'Looking after yourself'}:")
        if support.get("text"):
            out.append(wrap(support["text"]))
        for link in [*(support.get("options") or []), *(support.get("links") or [])]:
            if isinstance(link, dict):
                link = " ".join(str(x) for x in (link.get("title") or link.get("text"), link.get("url")) if x)
            out.append(wrap(str(link), indent="  - "))
    return "\n".join(out)
