"""How the simulated patient's tension moves, and which of their lines they say.

Plain Python, shared by the Rasa actions and their tests. The dialogue model decides *what*
the patient does next (which act); this module decides how far each learner reply moves the
patient, from the cues the scorer found, each cue's weight in `data/cues/taxonomy.yml` and
this scenario's sensitivities.

The tension model, per learner turn:

    effect = sum(weight(cue) * sensitivity(cue)) over the distinct cues found
    delta  = -TENSION_PER_POINT * effect
             + UNHEARD_DRIFT      if no helpful cue was found (distress grows when unheard)
             + MISSED_OPPORTUNITY if the patient voiced a feeling and the reply ignored it
    delta  = delta * escalation_rate  when delta > 0 (the scenario's difficulty profile)
    delta is capped at +/- MAX_STEP, tension kept within 0..100

Tension buckets of 20 give the escalation level the dialogue model sees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from actions.vocabulary import LEVELS, Act, EndReason, Level, Outcome

TENSION_PER_POINT = 5.0
UNHEARD_DRIFT = 4.0
MISSED_OPPORTUNITY = 5.0
MAX_STEP = 25.0
# Acts that end the session, and the outcome each ends it with.
TERMINAL_OUTCOMES: dict[Act, Outcome] = {
    "walk_out": "escalated",
    "thank": "de_escalated",
    "handover": "ended_for_safety",
}
# Replies that take up a feeling the patient voiced: the empathic opportunity is taken.
EMPATHIC_CUES = frozenset({"name_emotion", "validate", "reflection_simple", "reflection_complex", "summarise"})


def level_for(tension: float) -> Level:
    """The escalation level for a tension between 0 and 100."""
    index = min(int(max(tension, 0.0) // 20), len(LEVELS) - 1)
    return LEVELS[index]


def start_tension(level: Level) -> float:
    """The middle of a level's band: where a scenario starting at `level` begins."""
    return LEVELS.index(level) * 20.0 + 10.0


@dataclass(frozen=True)
class TensionChange:
    """What one learner turn did to the patient."""

    before: float
    after: float
    effect: float
    opportunity_missed: bool

    @property
    def level_before(self) -> Level:
        return level_for(self.before)

    @property
    def level_after(self) -> Level:
        return level_for(self.after)


def next_tension(
    tension: float,
    cues: Iterable[str],
    *,
    weights: Mapping[str, float],
    sensitivity: Mapping[str, float],
    opportunity_offered: bool,
    escalation_rate: float = 1.0,
) -> TensionChange:
    """Move the patient's tension by the cues of one learner reply (see the module docstring)."""
    distinct = set(cues)
    effect = sum(weights.get(cue, 0.0) * sensitivity.get(cue, 1.0) for cue in distinct)
    helpful = any(weights.get(cue, 0.0) > 0 for cue in distinct)
    missed = opportunity_offered and not (distinct & EMPATHIC_CUES)
    delta = -TENSION_PER_POINT * effect
    if not helpful:
        delta += UNHEARD_DRIFT
    if missed:
        delta += MISSED_OPPORTUNITY
    if delta > 0:
        delta *= escalation_rate
    delta = max(-MAX_STEP, min(MAX_STEP, delta))
    after = max(0.0, min(100.0, tension + delta))
    return TensionChange(before=tension, after=round(after, 1), effect=round(effect, 2), opportunity_missed=missed)


def choose_line_index(count: int, *, seed: str, turn: int, act: str, used: Sequence[int] = ()) -> int:
    """A deterministic choice among `count` lines: same seed and history, same line.

    Lines already used in this session are skipped while any remain, so repeated acts vary.
    """
    if count <= 0:
        raise ValueError("a patient act needs at least one line")
    fresh = [i for i in range(count) if i not in set(used)] or list(range(count))
    digest = hashlib.sha256(f"{seed}:{turn}:{act}".encode()).digest()
    return fresh[int.from_bytes(digest[:4], "big") % len(fresh)]


def outcome_for(
    *, terminal_outcome: Outcome | None, end_reason: EndReason | None, start: float, tension: float
) -> Outcome:
    """The session's outcome when it ends.

    A terminal act decides it (walked out: escalated; thanked: de_escalated; handed over:
    ended_for_safety). Ending for safety is its own outcome and always credited. Otherwise the
    final state: calm or uneasy is de_escalated; hostile, or clearly angrier than at the start,
    is escalated; anything else is abandoned (ended with the patient still upset).
    """
    if terminal_outcome:
        return terminal_outcome
    if end_reason == "safety":
        return "ended_for_safety"
    level = level_for(tension)
    if level in ("calm", "uneasy"):
        return "de_escalated"
    if level == "hostile" or tension >= start + 10.0:
        return "escalated"
    return "abandoned"
