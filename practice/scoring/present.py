"""Presenting results for a person: the utterance with each cue's words highlighted.

ANSI colours when writing to a terminal, [brackets] otherwise (pipes, logs, tests).
Overlapping cue spans are merged for highlighting; the list below names every cue.
"""

from __future__ import annotations

from actions.scoring.result import ScoreResult
from actions.scoring.taxonomy import Taxonomy

_COLOURS = {"active_listening": "\033[1;32m", "de_escalation": "\033[1;36m", "anti_pattern": "\033[1;31m"}
_RESET = "\033[0m"


def highlight(result: ScoreResult, taxonomy: Taxonomy, ansi: bool) -> str:
    """The text with cue spans marked (merged where they overlap)."""
    spans = sorted((h.start, h.end, h.cue) for h in result.cues if h.end > h.start)
    merged: list[list] = []
    for start, end, cue in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append(cue)
        else:
            merged.append([start, end, [cue]])
    out: list[str] = []
    pos = 0
    text = result.text
    for start, end, cues in merged:
        out.append(text[pos:start])
        family = taxonomy[cues[0]].family if cues[0] in taxonomy else "active_listening"
        if any(c in taxonomy and taxonomy[c].family == "anti_pattern" for c in cues):
            family = "anti_pattern"
        words = text[start:end]
        out.append(f"{_COLOURS[family]}{words}{_RESET}" if ansi else f"[{words}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def describe(result: ScoreResult, taxonomy: Taxonomy, ansi: bool) -> str:
    """A short human report: highlighted text, one line per cue, score, flags."""
    lines = [highlight(result, taxonomy, ansi), ""]
    if not result.cues:
        lines.append("  (no cues found)")
    for hit in result.cues:
        cue = taxonomy.get(hit.cue)
        label = cue.label if cue else hit.cue
        weight = f"{cue.weight:+g}" if cue else "?"
        lines.append(f'  {label:<26} {hit.cue:<20} {weight:>5}  conf {hit.confidence:.2f}  "{result.quote(hit)}"')
    lines.append(f"  score {result.score:+g}" + (f"   flags: {', '.join(result.flags)}" if result.flags else ""))
    if result.move is not None:
        why = f"from {result.move.cue}" if result.move.cue else "from the turn's form"
        unsure = ", tentative: below the confidence floor" if result.move.tentative else ""
        lines.append(f"  move {result.move.id} ({why}{unsure}): what the patient reacts to")
    return "\n".join(lines)
