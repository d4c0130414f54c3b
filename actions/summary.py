"""The end-of-session report, built from the session's score cards.

Plain Python. Measures follow ../shared/CUES.md: the reflection-to-question ratio (MITI),
the share of questions that are open, empathic opportunities taken and missed, and
anti-patterns per ten turns. The two things done well and the two to try quote the
learner's own words; the support signposting is always there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from actions.feedback import load_guide, support_info, with_quote
from actions.vocabulary import Outcome

# What each outcome (actions.vocabulary.OUTCOMES) means, in the words the report gives the learner.
OUTCOME_TEXT: dict[Outcome, str] = {
    "de_escalated": "The patient calmed down and felt heard.",
    "escalated": "The patient became more upset and the conversation broke down.",
    "ended_for_safety": "You ended the conversation to keep yourself safe or brought in support. That is a skill, and it counts.",
    "abandoned": "The conversation ended before the patient felt settled.",
}
REFLECTIONS = ("reflection_simple", "reflection_complex")
QUESTIONS = ("open_question", "closed_question")


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def _turn_cues(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One entry per distinct cue in a turn (the first occurrence carries the quote)."""
    distinct: dict[str, dict[str, Any]] = {}
    for cue in card.get("cues", []):
        distinct.setdefault(cue["cue"], cue)
    return distinct


def _done_well(cards: Sequence[dict[str, Any]], outcome: Outcome) -> list[dict[str, Any]]:
    guide = load_guide()
    best: dict[str, dict[str, Any]] = {}
    for card in cards:
        for cue_id, cue in _turn_cues(card).items():
            if cue["family"] != "anti_pattern" and cue_id not in best:
                best[cue_id] = cue
    ranked = sorted(
        best.values(), key=lambda c: (c["cue"] != "seek_support" or outcome != "ended_for_safety", -c["weight"])
    )
    chosen = [
        {"cue": c["cue"], "quote": c["quote"], "text": with_quote(guide.advice(c["cue"]).comment, c["quote"])}
        for c in ranked[:2]
    ]
    if not chosen and cards:
        # Nothing to praise in their words: say so kindly rather than quote a misstep as a success.
        chosen.append(
            {
                "cue": None,
                "quote": None,
                "text": "You took on a hard conversation. Practising it, including the parts that go wrong, is how the skill grows.",
            }
        )
    return chosen


def _to_try(cards: Sequence[dict[str, Any]], skills: Sequence[str]) -> list[dict[str, Any]]:
    guide = load_guide()
    items: list[dict[str, Any]] = []
    harmful: dict[str, dict[str, Any]] = {}
    for card in cards:
        for cue_id, cue in _turn_cues(card).items():
            if cue["family"] == "anti_pattern":
                harmful.setdefault(cue_id, cue)
    for cue in sorted(harmful.values(), key=lambda c: c["weight"]):
        advice = guide.advice(cue["cue"])
        items.append(
            {
                "cue": cue["cue"],
                "quote": cue["quote"],
                "text": f"{with_quote(advice.comment, cue['quote'])} {advice.try_next}",
            }
        )
    for card in cards:
        opportunity = card.get("opportunity")
        if opportunity and not opportunity.get("taken"):
            missed = guide.missed_opportunity
            said = card.get("said", "")
            emotion = opportunity.get("emotion") or "upset"
            items.append(
                {
                    "cue": "missed_opportunity",
                    "quote": said,
                    "text": f"{with_quote(f'When they said they felt {emotion}, you replied', said)} "
                    f"{missed.try_next.format(emotion=emotion)}",
                }
            )
            break
    used = {cue_id for card in cards for cue_id in _turn_cues(card)}
    for skill in [*skills, "name_emotion", "reflection_complex", "open_question"]:
        if skill not in used and skill not in {item["cue"] for item in items}:
            items.append({"cue": skill, "quote": None, "text": guide.advice(skill).try_next})
    return items[:2]


def summarise(cards: Sequence[dict[str, Any]], *, outcome: Outcome, skills: Sequence[str] = ()) -> dict[str, Any]:
    """The summary message for a finished session (see docs/DESIGN.md, `summary`)."""
    cue_counts: Counter[str] = Counter()
    family_counts: Counter[str] = Counter()
    for card in cards:
        for cue_id, cue in _turn_cues(card).items():
            cue_counts[cue_id] += 1
            family_counts[cue["family"]] += 1
    offered = [c["opportunity"] for c in cards if c.get("opportunity")]
    taken = sum(1 for o in offered if o.get("taken"))
    turns = len(cards)
    return {
        "type": "summary",
        "outcome": outcome,
        "outcome_text": OUTCOME_TEXT[outcome],
        "turns": turns,
        "cue_counts": dict(cue_counts),
        "family_counts": dict(family_counts),
        "reflection_to_question": _ratio(
            sum(cue_counts[c] for c in REFLECTIONS), sum(cue_counts[c] for c in QUESTIONS)
        ),
        "open_question_share": _ratio(cue_counts["open_question"], sum(cue_counts[c] for c in QUESTIONS)),
        "empathic_opportunities": {"offered": len(offered), "taken": taken, "missed": len(offered) - taken},
        "anti_patterns_per_10_turns": round(10 * family_counts["anti_pattern"] / turns, 1) if turns else 0.0,
        "mean_turn_score": round(sum(c.get("score", 0.0) for c in cards) / turns, 2) if turns else None,
        "done_well": _done_well(cards, outcome),
        "to_try": _to_try(cards, skills),
        "support": support_info(),
    }
