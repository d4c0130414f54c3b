"""Issue 20: in 200 simulated 12-turn sessions, no patient line repeats within a session while an
unused line of its pool (the act's lines at that level, a fact's answers, a template's lines)
remains. The sessions run the patient's side as the engine does, without Rasa: the behaviour
table picks the act (practice.dialogue), the tension model moves the level, the difficulty
profile holds acts back, and actions.patient_reply chooses the words."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from actions.difficulty import difficulty, listening_replies, performed_act
from actions.facts import load_topics
from actions.patient import TERMINAL_OUTCOMES, level_for, next_tension, start_tension
from actions.patient_reply import patient_reply
from actions.scenarios import REACTION_MOVES, Scenario, cue_weights, load_library
from practice.dialogue import load_behaviour
from practice.scenario_check import MOVE_CUES

SESSIONS = 200
TURNS = 12
QUOTES = {
    "command": "Calm down",
    "dismiss": "There's nothing I can do",
    "argue": "That's not true",
    "blame": "You should have rung",
}
OFF_TOPIC = ["Did you watch the match?", "Is it still raining out there?", "Have you been on holiday this year?"]


def _pool_size(scenario: Scenario, prefix: str) -> int:
    parts = prefix.split(".")
    if parts[0] == "lines":
        return len(scenario.lines_for(parts[1], parts[2]))
    if parts[0] == "facts":
        return len(next(f for f in scenario.facts if f.id == parts[1]).answers_at(parts[2]))
    if parts[1] == "reactions":
        return len(scenario.reaction_lines(parts[2], parts[3]))
    return len(scenario.template_lines(parts[1], parts[2]))


def _card(move: str, rng: random.Random, scenario: Scenario) -> dict[str, Any]:
    cues = [{"cue": cue, "quote": QUOTES.get(move, "so"), "start": 0} for cue in MOVE_CUES[move]]
    if move in ("open_question", "closed_question"):
        asks = [q for fact in scenario.facts for q in fact.asks] + OFF_TOPIC
        cues = [{"cue": MOVE_CUES[move][0], "quote": rng.choice(asks), "start": 0}]
    return {"move": move, "move_cue": MOVE_CUES[move][0] if MOVE_CUES[move] else None, "cues": cues}


def simulate(scenario: Scenario, seed: int) -> list[dict[str, Any]]:
    """One session of up to TURNS learner turns; the patient's messages, as the engine sends them."""
    rng = random.Random(seed)
    behaviour = load_behaviour()
    profile = difficulty(scenario.difficulty)
    weights = cue_weights()
    moves = [m for m in behaviour.table if m != "seek_support"]  # support ends the session at once
    tension, need_disclosed = start_tension(scenario.start_level), False
    cards: list[dict[str, Any]] = []
    said: list[dict[str, Any]] = []
    for turn in range(1, TURNS + 1):
        move = rng.choice(moves)
        card = _card(move, rng, scenario)
        cards.append(card)
        cues = [c["cue"] for c in card["cues"]]
        change = next_tension(
            tension,
            cues,
            weights=weights,
            sensitivity={},
            opportunity_offered=False,
            escalation_rate=profile.escalation_rate,
        )
        tension, level = change.after, level_for(change.after)
        act = performed_act(behaviour.act(move, level, need_disclosed), level=level, cards=cards, profile=profile)
        reply = patient_reply(
            scenario,
            act=act,
            level=level,
            card=card,
            history=said,
            need_open=need_disclosed or listening_replies(cards) >= profile.listening_before_need,
            seed=str(seed),
            turn=turn,
            lexicon=load_topics(),
        )
        said.append({"text": reply.text, "key": reply.key, "fact": reply.fact, "kind": reply.kind, "act": act})
        need_disclosed = need_disclosed or act == "disclose_need"
        if act in TERMINAL_OUTCOMES:
            break
    return said


def repeats_with_fresh_lines_left(scenario: Scenario, said: list[dict[str, Any]]) -> list[str]:
    """Lines said again while their pool still had a line not said this session."""
    found = []
    for n, line in enumerate(said):
        before = said[:n]
        if line["text"] not in {b["text"] for b in before}:
            continue
        used = {part for b in before for part in b["key"].split("+")}
        for part in line["key"].split("+"):
            prefix = re.sub(r"\[\d+\]$", "", part)
            size = _pool_size(scenario, prefix)
            if len({u for u in used if u.startswith(prefix + "[")}) < size:
                found.append(f"turn {n + 1}: {line['text']!r} ({part}: {size} lines, not all used)")
    return found


@pytest.fixture(scope="module")
def sessions() -> list[tuple[Scenario, list[dict[str, Any]]]]:
    library = load_library()
    ids = sorted(library)
    return [(library[ids[seed % len(ids)]], simulate(library[ids[seed % len(ids)]], seed)) for seed in range(SESSIONS)]


def test_no_line_repeats_while_an_unused_one_remains(sessions: list[tuple[Scenario, list[dict[str, Any]]]]) -> None:
    problems = [
        f"{scenario.id} seed {seed}: {p}"
        for seed, (scenario, said) in enumerate(sessions)
        for p in repeats_with_fresh_lines_left(scenario, said)
    ]
    assert sum(len(said) for _, said in sessions) > SESSIONS * 4  # long enough to test variety
    assert not problems, "\n".join(problems[:20])


def test_the_simulation_reaches_facts_reactions_and_recall(
    sessions: list[tuple[Scenario, list[dict[str, Any]]]],
) -> None:
    """The sessions exercise every kind of line, so the check above means something."""
    kinds = {line["kind"] for _, said in sessions for line in said}
    assert {"act", "fact", "recall", "deflect", "reaction"} <= kinds
    assert set(REACTION_MOVES) >= set(QUOTES)
