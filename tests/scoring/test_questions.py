"""Open vs closed questions on hard cases (structure, not memorised sentences)."""

from __future__ import annotations

import pytest

from tests.scoring.conftest import cues

OPEN = [
    "What brought you in today?",
    "How has the week been for you?",
    "Why do you think that keeps happening?",
    "Can you tell me a bit about what's been going on?",
    "Talk me through what happened at the pharmacy",  # no "?"
    "Could you take me through what happened back in March?",  # asked, not a request to do something
    "Can you fill me in on what's happened so far?",  # "fill me in" asks to be told, unlike "fill in this form"
    "Could you bring me up to speed with how he's been?",
    "Tell me more about the pain",
    "Help me understand what you were hoping for.",
    "I'm wondering how you've been managing at home.",
    "So what would make today feel less awful?",
    "I know it's been a long morning, but what matters most to you right now?",
    "When do you notice the dizziness most?",
]
CLOSED = [
    "Did the ward ring you this morning?",
    "Are you still taking the blue tablets?",
    "Have you had anything to eat today",  # no "?"
    "What's your date of birth?",
    "How long have you been waiting?",
    "Is your daughter with you?",
    "Who's your named nurse?",
    "When did the pain start?",
    "Where would you put the pain out of ten?",
    "Can you tell me the address you're calling from?",
    "And you've been doing that for how long?",  # wh-word left at the end
    "You take how many a day?",
]
NEITHER = [
    "Could you pop your arm on the table for me?",  # request
    "What a morning.",  # exclamation
    "Well, shouting won't get you seen any faster, will it?",  # tag question, sarcasm
]


@pytest.mark.parametrize("text", OPEN)
def test_open(scorer, text):
    found = cues(scorer, text)
    assert "open_question" in found and "closed_question" not in found, found


@pytest.mark.parametrize("text", CLOSED)
def test_closed(scorer, text):
    found = cues(scorer, text)
    assert "closed_question" in found and "open_question" not in found, found


@pytest.mark.parametrize("text", NEITHER)
def test_not_a_question(scorer, text):
    found = cues(scorer, text)
    assert not found & {"open_question", "closed_question"}, found


def test_two_questions_in_one_sentence(scorer):
    found = cues(scorer, "How long have you had it, and how is it affecting you?")
    assert {"open_question", "closed_question"} <= found


def test_choice_question_is_an_offer_and_a_closed_question(scorer):
    """GUIDE.md (MITI-style): a turn that asks carries its question cue whatever else it does."""
    found = cues(scorer, "Would you rather wait here or somewhere quieter?")
    assert {"offer_choice", "closed_question"} <= found


def test_a_check_after_a_summary_is_a_closed_question(scorer):
    found = cues(scorer, "Let me check I've got this right: you rang twice and nobody called back. Is that right?")
    assert {"summarise", "closed_question"} <= found and "open_question" not in found


def test_statement_with_question_mark_echoing_patient_is_reflection(scorer):
    found = cues(scorer, "So you've been waiting since nine?", "I've been waiting here since nine o'clock.")
    assert "reflection_simple" in found and "closed_question" not in found


def test_every_question_of_a_turn_is_read_in_order(scorer):
    """The cues name each kind of question once; `questions` keeps every one the turn asks, so
    the patient can answer the one that asks about something ("Any pain anywhere?")."""
    text = "Are you comfy on there? Any pain anywhere? And what happened this morning?"
    result = scorer.score(text)
    asked = [(q.cue, result.quote(q)) for q in result.questions]
    assert asked == [
        ("closed_question", "Are you comfy on there?"),
        ("closed_question", "Any pain anywhere?"),
        ("open_question", "what happened this morning?"),
    ]
    assert [h.cue for h in result.cues].count("closed_question") == 1


def test_a_statement_closed_by_a_tag_is_heard_as_asked_but_scores_no_question(scorer):
    """ "And you're Kai's dad, yeah?" checks something the patient answers ("Yes, I'm his dad"),
    so `questions` holds the statement; a tag question carries no question cue (GUIDE.md)."""
    result = scorer.score("And you're Kai's dad, yeah? How long have you been waiting?")
    asked = [(q.cue, result.quote(q)) for q in result.questions]
    assert asked == [("tag_question", "And you're Kai's dad"), ("closed_question", "How long have you been waiting?")]
    assert "tag_question" not in {h.cue for h in result.cues}


@pytest.mark.parametrize("text", ["It's not that hard, is it?", "You should have rung earlier, shouldn't you?"])
def test_a_tagged_statement_that_argues_or_blames_asks_nothing(scorer, text):
    assert scorer.score(text).questions == []


def test_a_request_to_fill_in_a_form_is_still_a_request(scorer):
    assert scorer.score("Could you fill in this form for me?").questions == []


def test_a_name_after_the_auxiliary_is_its_subject(scorer):
    """ "Is Chloe around today, or is it just you?" asks about Chloe: the question is read from
    its start, not from the alternative after "or"."""
    text = "Is Chloe around today, or is it just you?"
    result = scorer.score(text)
    assert [result.quote(q) for q in result.questions] == [text]
