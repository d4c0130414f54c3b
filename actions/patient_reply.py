"""What the patient says on a turn: a line of the chosen act, or an answer to what was asked.

The dialogue model chooses the act (how the patient reacts to *how* the learner spoke); this
module chooses the words, from the same score card the learner sees (*what* they said):

* a question the scorer found, when the patient is not reacting to an attack, is answered
  from the scenario's facts (`actions.facts`) at the patient's level: a fact told before is
  recalled ("I've told you: {gist}"), a guarded fact waits until the learner has listened
  (the rule that lets the hidden need out), and a question with no fact gets a deflection
  where the act would have been a plain answer;
* an anti-pattern may be taken up in the learner's own words (``reactions``: "'{quote}'?
  Don't you tell me to calm down."), among the act's own lines;
* a reflection that names the hidden need is acknowledged ("Yes. That's exactly it.") before
  the act's line.

Every choice is deterministic for a session's seed and history (`choose_line_index`) and
skips the lines of its pool already said this session while unused ones remain. Plain
Python: the Rasa actions, the scenario check and the tests share it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from actions.facts import FactMatch, TopicLexicon, keyword_lemmas, lemmas, questions_on
from actions.patient import choose_line_index
from actions.scenarios import REACTION_MOVES, Fact, Line, Scenario

# Acts in which the patient answers a question put to them; a disclosure, an acceptance, an
# escalation and the endings say what they say whatever was asked.
ANSWERING_ACTS = frozenset({"answer", "vent", "demand", "soften", "confused", "accuse"})
# Acts a reflection of the hidden need may be acknowledged before.
ACKNOWLEDGING_ACTS = frozenset({"disclose_need", "soften", "vent", "accept"})
REFLECTING_MOVES = frozenset({"reflect", "acknowledge_emotion"})
REFLECTION_CUES = frozenset({"reflection_simple", "reflection_complex", "summarise", "name_emotion", "validate"})
MAX_QUOTE_CHARS = 80  # a longer quote reads as a speech read back, not a retort

LineKind = Literal["act", "fact", "recall", "holding_back", "deflect", "reaction"]


@dataclass(frozen=True)
class PatientReply:
    """The words the patient says, and where they came from (kept on the message, so later
    turns know which lines and facts were used)."""

    text: str
    act: str
    kind: LineKind
    key: str  # which line: "lines.vent.angry[2]", "facts.chest.calm[0]", "templates.recall.upset[1]"
    opportunity: str | None = None
    fact: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class _Pool:
    """Lines to choose from, each with its key, and the slots to fill them with."""

    name: str  # the chooser's tag: same seed, turn and tag give the same pick
    entries: tuple[tuple[str, Line], ...]


def _pick(pool: _Pool, history: Sequence[Mapping[str, Any]], *, seed: str, turn: int) -> tuple[str, Line]:
    """A line of the pool, skipping those said before (by key, or by text for older messages)."""
    keys = {part for h in history for part in str(h.get("key") or "").split("+")}
    texts = {h.get("text") for h in history}
    used = [i for i, (key, line) in enumerate(pool.entries) if key in keys or line.text in texts]
    index = choose_line_index(len(pool.entries), seed=seed, turn=turn, act=pool.name, used=used)
    return pool.entries[index]


def _lines(prefix: str, lines: Sequence[Line]) -> tuple[tuple[str, Line], ...]:
    return tuple((f"{prefix}[{i}]", line) for i, line in enumerate(lines))


def quote_of(card: Mapping[str, Any]) -> str | None:
    """The learner's words that decided their move, tidied to be said back ("Calm down")."""
    cue = card.get("move_cue")
    quote = next((c.get("quote") for c in card.get("cues", []) if c.get("cue") == cue and c.get("quote")), None)
    if not quote:
        return None
    words = " ".join(str(quote).split()).strip(" .!?,;:'\"")
    if not words or len(words) > MAX_QUOTE_CHARS:
        return None
    return words[0].upper() + words[1:]


def _need_named(card: Mapping[str, Any], scenario: Scenario) -> bool:
    """A reflection on this turn uses a word of a guarded fact (the hidden need, in their words)."""
    if card.get("move") not in REFLECTING_MOVES:
        return False
    reflected = {
        w for c in card.get("cues", []) if c.get("cue") in REFLECTION_CUES for w in lemmas(c.get("quote") or "")
    }
    need_words = {w for fact in scenario.facts if fact.guarded for w in keyword_lemmas(tuple(fact.keywords))}
    return bool(reflected & need_words)


def _told(fact: Fact, history: Sequence[Mapping[str, Any]]) -> bool:
    return any(h.get("fact") == fact.id and h.get("kind") in ("fact", "recall") for h in history)


def _answer(
    scenario: Scenario,
    match: FactMatch,
    *,
    act: str,
    level: str,
    need_open: bool,
    history: Sequence[Mapping[str, Any]],
    seed: str,
    turn: int,
) -> PatientReply:
    """The fact asked about, told, recalled or held back."""
    fact = match.fact
    kind: LineKind
    if _told(fact, history):
        kind, pool = "recall", _template_pool(scenario, "recall", level)
    elif fact.guarded and not need_open:
        kind, pool = "holding_back", _template_pool(scenario, "holding_back", level)
    else:
        kind, pool = "fact", _Pool(f"fact:{fact.id}", _lines(f"facts.{fact.id}.{level}", fact.answers_at(level)))
    key, line = _pick(pool, history, seed=seed, turn=turn)
    return PatientReply(line.fill(gist=fact.gist), act, kind, key, line.opportunity, fact.id, fact.topic)


def _template_pool(scenario: Scenario, kind: str, level: str) -> _Pool:
    return _Pool(kind, _lines(f"templates.{kind}.{level}", scenario.template_lines(kind, level)))


def patient_reply(
    scenario: Scenario,
    *,
    act: str,
    level: str,
    card: Mapping[str, Any] | None,
    history: Sequence[Mapping[str, Any]],
    need_open: bool,
    seed: str,
    turn: int,
    lexicon: TopicLexicon,
) -> PatientReply:
    """What the patient says for `act` at `level`, after the learner turn scored in `card`.

    `history` is the patient's messages so far this session (``patient_line`` messages, each
    with its ``key`` and ``fact``); `need_open` says whether the learner has listened enough
    for the hidden need to come out (``actions.difficulty``).
    """
    card = card or {}
    move = card.get("move")
    if act in ANSWERING_ACTS and move not in REACTION_MOVES and scenario.facts:
        questions = questions_on(card)
        match = lexicon.match_any(questions, scenario.facts) if questions else None
        if match is not None:
            return _answer(
                scenario, match, act=act, level=level, need_open=need_open, history=history, seed=seed, turn=turn
            )
        if questions and act == "answer" and scenario.template_lines("deflect", level):
            key, line = _pick(_template_pool(scenario, "deflect", level), history, seed=seed, turn=turn)
            return PatientReply(line.text, act, "deflect", key, line.opportunity)
    entries = _lines(f"lines.{act}.{level}", scenario.lines_for(act, level))
    quote = quote_of(card) if move in REACTION_MOVES else None
    reactions = scenario.reaction_lines(str(move), level) if quote else []
    entries += _lines(f"templates.reactions.{move}.{level}", reactions)
    key, line = _pick(_Pool(act, entries), history, seed=seed, turn=turn)
    text = line.fill(quote=quote) if key.startswith("templates.") and quote else line.text
    kind: LineKind = "reaction" if key.startswith("templates.") else "act"
    if act in ACKNOWLEDGING_ACTS and scenario.template_lines("need_heard", level) and _need_named(card, scenario):
        heard_key, heard = _pick(_template_pool(scenario, "need_heard", level), history, seed=seed, turn=turn)
        text, key = f"{heard.text} {text}", f"{key}+{heard_key}"
    return PatientReply(text, act, kind, key, line.opportunity)
