"""Words for the learner: per-turn feedback and the support signposting.

Plain Python. The wording lives in `data/cues/feedback.yml` and `data/support.yml` so that
course staff can improve it without touching code. Feedback always quotes the learner's own
words and, for anything to change, says what to try instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.vocabulary import REPO_ROOT

DATA_DIR = REPO_ROOT / "data"
FEEDBACK_FILE = DATA_DIR / "cues" / "feedback.yml"
SUPPORT_FILE = DATA_DIR / "support.yml"


@dataclass(frozen=True)
class Advice:
    """What to say about one cue: praise (or caution) and a concrete thing to try."""

    comment: str
    try_next: str


@dataclass(frozen=True)
class FeedbackGuide:
    cues: dict[str, Advice]
    missed_opportunity: Advice

    def advice(self, cue: str) -> Advice:
        return self.cues.get(cue, Advice(comment=cue.replace("_", " ").capitalize(), try_next=""))


@lru_cache(maxsize=1)
def load_guide(path: Path = FEEDBACK_FILE) -> FeedbackGuide:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cues = {
        cue: Advice(comment=entry.get("praise") or entry.get("caution", ""), try_next=entry.get("try", ""))
        for cue, entry in raw["cues"].items()
    }
    missed = raw["missed_opportunity"]
    return FeedbackGuide(cues=cues, missed_opportunity=Advice(comment=missed["caution"], try_next=missed["try"]))


@lru_cache(maxsize=1)
def support_info(path: Path = SUPPORT_FILE) -> dict[str, Any]:
    """The wellbeing signposting shown after every session and whenever a learner steps away."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"heading": raw["heading"], "text": raw["text"], "options": list(raw["options"])}


def quoted(text: str, limit: int = 120) -> str:
    """The learner's words in quotation marks, shortened if long."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"\u201c{text}\u201d"


def with_quote(comment: str, said: str) -> str:
    """`comment: “their words”.`, without doubling the full stop their words already end with."""
    quote = quoted(said)
    return f"{comment}: {quote}" if quote[-2:-1] in (".", "!", "?", "…") else f"{comment}: {quote}."


def _hedged(comment: str, cue: dict[str, Any]) -> str:
    """A tentative cue (below the scorer's confidence floor) is said as a possibility."""
    return f"Possibly: {comment[:1].lower()}{comment[1:]}" if cue.get("tentative") else comment


def turn_feedback(cues: Sequence[dict[str, Any]], *, opportunity: dict[str, Any] | None, reply: str) -> list[str]:
    """Feedback sentences for one learner reply, helpful cues first, each quoting their words.

    `cues` are score-card cue entries (`cue`, `family`, `quote`, `weight`); `opportunity` is
    the score card's empathic-opportunity entry, if the patient had voiced a feeling.
    """
    guide = load_guide()
    lines: list[str] = []
    seen: set[str] = set()
    helpful = sorted((c for c in cues if c["family"] != "anti_pattern"), key=lambda c: -c["weight"])
    harmful = sorted((c for c in cues if c["family"] == "anti_pattern"), key=lambda c: c["weight"])
    for cue in helpful:
        if cue["cue"] in seen:
            continue
        seen.add(cue["cue"])
        lines.append(with_quote(_hedged(guide.advice(cue["cue"]).comment, cue), cue["quote"]))
    for cue in harmful:
        if cue["cue"] in seen:
            continue
        seen.add(cue["cue"])
        advice = guide.advice(cue["cue"])
        lines.append(f"{with_quote(_hedged(advice.comment, cue), cue['quote'])} Try next: {advice.try_next}")
    if opportunity and not opportunity.get("taken"):
        missed = guide.missed_opportunity
        emotion = opportunity.get("emotion") or "upset"
        try_next = missed.try_next.format(emotion=emotion)
        lines.append(f"They let you know they felt {emotion}. {missed.comment}. Try next: {try_next}")
    if not cues and reply:
        lines.append(
            f"{with_quote('No listening or de-escalation move stood out in', reply)} "
            f"Try next: {guide.advice('open_question').try_next}"
        )
    return lines
