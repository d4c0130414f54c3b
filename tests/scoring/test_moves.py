"""The move the patient reacts to is read from the score card (data/cues/moves.yml).

One reading: the move is a function of the cues the learner is shown, so the patient never
reacts to something the feedback did not find.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.scoring import DataError, Scorer
from actions.scoring.moves import MOVES_PATH, NEUTRAL, OUT_OF_SCOPE, MoveRules, load_moves, parse_moves
from actions.scoring.result import CueHit
from actions.scoring.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moves() -> MoveRules:
    return load_moves()


def hit(cue: str, confidence: float = 0.9, start: int = 0) -> CueHit:
    return CueHit(cue, start, start + 5, confidence)


def test_every_cue_leads_to_one_move(moves: MoveRules) -> None:
    for cue in load_taxonomy().ids:
        assert moves.read("", [hit(cue)]).cue == cue


def test_an_anti_pattern_anywhere_outranks_the_listening_around_it(moves: MoveRules) -> None:
    listening = [hit("name_emotion", start=0), hit("open_question", start=60)]
    assert moves.read("", listening).id == "acknowledge_emotion"
    assert moves.read("", [*listening, hit("command", start=30)]).id == "command"


def test_support_outranks_everything_and_a_boundary_outranks_listening(moves: MoveRules) -> None:
    assert moves.read("", [hit("blame"), hit("seek_support")]).id == "seek_support"
    assert moves.read("", [hit("reflection_complex"), hit("set_boundary")]).id == "set_boundary"


def test_a_confident_cue_beats_a_tentative_anti_pattern(moves: MoveRules) -> None:
    floor = moves.confidence_floor
    move = moves.read("", [hit("blame", floor - 0.1), hit("closed_question", 0.9)])
    assert (move.id, move.tentative) == ("closed_question", False)


def test_a_tentative_call_for_support_gives_way_but_tentative_listening_keeps_its_place(moves: MoveRules) -> None:
    low = moves.confidence_floor - 0.05
    assert moves.read("", [hit("seek_support", low), hit("open_question", 0.9)]).id == "open_question"
    move = moves.read("", [hit("reflection_complex", low), hit("open_question", 0.9)])
    assert (move.id, move.cue, move.tentative) == ("reflect", "reflection_complex", True)


def test_a_move_from_tentative_cues_alone_is_tentative(moves: MoveRules) -> None:
    move = moves.read("", [hit("blame", moves.confidence_floor - 0.1)])
    assert (move.id, move.cue, move.tentative) == ("blame", "blame", True)
    assert not moves.read("", [hit("blame", moves.confidence_floor)]).tentative


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("Mm.", "listen"),
        ("Yeah, go on.", "listen"),
        ("Mm-hmm", "listen"),
        ("Okay.", "listen"),
        ("Hello there", "greet"),
        ("Good morning, Mrs Khan", "greet"),
        ("OK then, bye", "goodbye"),
        ("Take care now. Bye.", "goodbye"),
        ("The car park is round the back.", NEUTRAL),
        ("I'll see you at ten then", NEUTRAL),
    ],
)
def test_turns_without_cues_are_read_from_their_form(moves: MoveRules, text: str, move: str) -> None:
    assert moves.read(text, []).id == move


def test_a_farewell_at_the_end_closes_the_turn_after_listening(moves: MoveRules) -> None:
    assert moves.read("Thanks for your patience, take care", [hit("affirm")]).id == "goodbye"
    assert moves.read("Take care of your back when you lift him", [hit("affirm")]).id == "acknowledge_emotion"


@pytest.mark.parametrize("flag", ["empty", "no_words", "non_english"])
def test_nothing_to_read_is_out_of_scope(moves: MoveRules, flag: str) -> None:
    assert moves.read("🙂", [], [flag]).id == OUT_OF_SCOPE


def test_the_scorer_gives_every_result_its_move() -> None:
    from actions.scoring import get_scorer

    scorer = get_scorer()
    for text in ("", "🙂🙂", "Mm.", "Calm down, sir.", "What happened this morning?", "x" * 5000):
        result = scorer.score(text)
        assert result.move is not None
        payload = result.to_dict()
        assert payload["move"] == result.move.id and payload["move_tentative"] == result.move.tentative
        cues = {c["cue"] for c in payload["cues"]}
        step = next((s for s in scorer.moves.precedence if s.move == result.move.id and s.cues), None)
        assert result.move.cue is None or (result.move.cue in cues and step and result.move.cue in step.cues)


def _move_id(scorer: Scorer, text: str) -> str | None:
    move = scorer.score(text).move
    return move.id if move is not None else None


def test_the_test_conversations_are_read_as_their_moves() -> None:
    """tests/conversations.yml (Rasa's test stories) labels each learner text with a move;
    the scorer must read nearly all of them so (what it misses is the scorer's to learn)."""
    from actions.scoring import get_scorer

    scorer = get_scorer()
    data = yaml.safe_load((REPO / "tests" / "conversations.yml").read_text(encoding="utf-8"))
    turns = [turn for conv in data["conversations"] for turn in conv["turns"] if turn[0] != "end_session"]
    read = [(move, _move_id(scorer, text), text) for move, _, text in turns]
    wrong = [(move, got, text) for move, got, text in read if got != move]
    assert len(wrong) <= len(turns) // 10, json.dumps(wrong, indent=1)


def _raw() -> dict:
    return yaml.safe_load(MOVES_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["precedence"].append({"move": "x", "cues": ["no_such_cue"]}), "unknown cue 'no_such_cue'"),
        (lambda raw: raw["precedence"].append({"move": "x", "cues": ["blame"]}), "cue 'blame' already leads to move"),
        (lambda raw: raw["precedence"].pop(0), "no move for cue(s) seek_support"),
        (lambda raw: raw["forms"].update(farewell="(unclosed"), "forms.farewell: bad regular expression"),
        (lambda raw: raw["precedence"].append({"move": "x", "form": "shrug"}), "unknown form 'shrug'"),
        (lambda raw: raw.update(confidence_floor=2), "confidence_floor: expected a number from 0 to 1"),
        (lambda raw: raw.update(yield_when_tentative=["shouting"]), "yield_when_tentative: expected a list of cue ids"),
    ],
)
def test_a_malformed_moves_file_names_the_field(change: Callable[[dict[str, Any]], object], message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(DataError, match="moves.yml: " + ".*" + __import__("re").escape(message)):
        parse_moves(raw, tuple(load_taxonomy().ids))


def test_a_colleague_inside_an_offer_or_a_commitment_is_that_offer_or_commitment(moves: MoveRules) -> None:
    assert moves.read("", [hit("seek_support"), hit("offer_choice")]).id == "offer_options"
    assert moves.read("", [hit("seek_support"), hit("commit_action")]).id == "commit_action"
    tentative_offer = hit("offer_choice", moves.confidence_floor - 0.1)
    assert moves.read("", [hit("seek_support"), tentative_offer]).id == "seek_support"
