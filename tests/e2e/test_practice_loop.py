"""Whole conversations through the API, the real trained Rasa model and the action server."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from practice.demo import SCENARIO, WELL_HANDLED
from practice.supervisor import Stack
from tests.e2e.conftest import Conversation, Converse

pytestmark = pytest.mark.e2e

BADLY_HANDLED = [
    "Calm down, sir, there's no need to shout.",
    "If you'd kept your number up to date you'd have got the text.",
    "That's not true, we did send a message.",
    "You're being completely unreasonable.",
]


def test_a_well_handled_conversation_de_escalates(converse: Converse) -> None:
    chat: Conversation = converse(SCENARIO)
    assert chat.session["opening"][0]["text"]
    levels = [chat.session["opening"][0]["escalation"]]
    for reply in WELL_HANDLED:
        body = chat.say(reply)
        card = body["turn"]["score_card"]
        assert card["cues"], f"no cue found in {reply!r}"
        assert card["score"] > 0
        assert body["turn"]["patient_lines"], "the patient answered"
        levels.append(card["escalation"])
        if chat.ended:
            break
    summary = chat.end()
    assert summary["outcome"] == "de_escalated", (levels, summary["outcome"])
    assert summary["done_well"] and summary["support"]["options"]
    assert summary["empathic_opportunities"]["taken"] >= 1
    acts = [line["act"] for turn in chat.turns for line in turn["turn"]["patient_lines"]]
    assert "disclose_need" in acts, acts
    assert "walk_out" not in acts


def test_a_badly_handled_conversation_escalates(converse: Converse) -> None:
    chat: Conversation = converse(SCENARIO)
    for reply in BADLY_HANDLED:
        body = chat.say(reply)
        card = body["turn"]["score_card"]
        assert any(cue["family"] == "anti_pattern" for cue in card["cues"]), (reply, card["cues"])
        if chat.ended:
            break
    summary = chat.end()
    assert summary["outcome"] == "escalated"
    assert summary["to_try"] and summary["to_try"][0]["quote"]


def test_stepping_away_for_safety_is_credited(converse: Converse) -> None:
    chat: Conversation = converse("phone_line_abusive_caller")
    chat.say("I want to help you, and I can't while I'm being sworn at. Can we talk without the swearing?")
    summary = chat.end(reason="safety")
    assert summary["outcome"] == "ended_for_safety"
    assert summary["support"]["options"]


def test_seeking_support_ends_the_session_for_safety(converse: Converse) -> None:
    chat: Conversation = converse("phone_line_abusive_caller")
    body = chat.say("I'm going to end this call now, and I'll let my team leader know what happened.")
    assert body["turn"]["patient_lines"][0]["act"] == "handover"
    assert chat.summary is not None and chat.summary["outcome"] == "ended_for_safety"
    assert "seek_support" in chat.summary["cue_counts"]


def test_the_same_seed_gives_the_same_transcript(converse: Converse, api: httpx.Client) -> None:
    transcripts = []
    for _ in range(2):
        chat: Conversation = converse("ward_relative_news", seed=1234)
        for reply in WELL_HANDLED[:2]:
            chat.say(reply)
        lines = [chat.session["opening"][0]["text"]]
        lines += [line["text"] for turn in chat.turns for line in turn["turn"]["patient_lines"]]
        transcripts.append(lines)
    assert transcripts[0] == transcripts[1]


def engine_events(stack: Stack, session_id: str) -> int:
    with sqlite3.connect(stack.config.tracker_db) as trackers:
        return int(trackers.execute("SELECT count(*) FROM events WHERE sender_id = ?", (session_id,)).fetchone()[0])


def test_the_transcript_is_recorded_and_the_engine_forgets_it(
    converse: Converse, api: httpx.Client, stack: Stack
) -> None:
    chat: Conversation = converse(SCENARIO)
    chat.say(WELL_HANDLED[0])
    assert engine_events(stack, chat.session["id"]) > 0, "a live conversation survives a Rasa restart"
    chat.end()
    assert engine_events(stack, chat.session["id"]) == 0, "once ended, the transcript is the only copy"
    transcript = api.get(f"/api/sessions/{chat.session['id']}").json()
    assert transcript["status"] == "ended"
    assert transcript["turns"][0]["learner_text"] == WELL_HANDLED[0]
    assert transcript["turns"][0]["score_card"]["cues"]
    assert transcript["summary"]["outcome"]
