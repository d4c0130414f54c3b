"""Clause structure of long spoken turns (clauses.py and its use in scorer.py): orders in
any clause of any sentence, "yes, but" retractions, conditional threats, advice as a
question or a directive, each with near misses. Sentences are written fresh for these
tests, not copied from the cue data."""

from __future__ import annotations

import pytest

from actions.scoring import clauses as cl
from actions.scoring.lang import get_lang
from actions.scoring.structure import clause_tokens
from tests.scoring.conftest import cues


def _clauses(text: str) -> list[tuple[str, str]]:
    return [(c.lead, c.text) for c in cl.read(text, get_lang(), None).clauses]


# --- clause splitting and mood ------------------------------------------------------------


def test_split_before_contrast_and_new_subject():
    assert _clauses("I know it's late, but the ward is full and we'll ring you") == [
        ("", "I know it's late"),
        ("but", "the ward is full"),
        ("and", "we'll ring you"),
    ]
    assert _clauses("If you don't stop, I'll have to leave.") == [
        ("", "If you don't stop"),
        (",", "I'll have to leave."),
    ]


def test_no_split_inside_one_clause():
    assert len(_clauses("Fish and chips are on the menu tonight.")) == 1
    assert len(_clauses("Take a ticket and have a seat.")) == 1


@pytest.mark.parametrize(
    "text,verb",
    [
        ("Sit down.", "sit"),
        ("Okay sir, just step back", "step"),
        ("Come on, keep going", "keep"),
        ("Don't shout at her", "don't"),
        ("Do that one more time", "do"),
    ],
)
def test_imperative(text, verb):
    assert cl.imperative(text, get_lang()) == verb


@pytest.mark.parametrize(
    "text",
    [
        "Let me check that for you",
        "Let's start again",
        "Sit down?",
        "Water helps",
        "Course you can",
        "Do you want a tea?",
        "Look, it's nearly done",
        "No wonder you're tired",
    ],
)
def test_not_imperative(text):
    assert cl.imperative(text, get_lang()) is None


@pytest.mark.parametrize(
    "text,verb",
    [
        ("You need to phone the surgery", "phone"),
        ("you should really try the cream", "try"),
        ("I need you to move your car", "move"),
        ("Honestly, you've got to eat something", "eat"),
    ],
)
def test_directive(text, verb):
    assert cl.directive(text, get_lang()) == verb


@pytest.mark.parametrize(
    "text",
    [
        "Do you need to phone anyone?",
        "You need to be seen by the doctor",
        "You should have phoned",
        "If you need to phone, the line's free",
        "What you need to know is this",
    ],
)
def test_not_directive(text):
    assert cl.directive(text, get_lang()) is None


def test_clause_markers_for_the_classifier():
    lang = get_lang()
    assert "zzcimp" in clause_tokens(lang, "I can hear that, but stop banging the desk.")
    assert "zzcimp" not in clause_tokens(lang, "Stop banging the desk.")  # first clause: zzimp's job
    assert "zzimpand" in clause_tokens(lang, "Push that button again and you'll regret it.")
    assert "zzimpand" not in clause_tokens(lang, "The lift is broken and you'll need the stairs.")
    assert "zzbut" in clause_tokens(lang, "I hear you, however the list is closed.")
    assert "zzadvq" in clause_tokens(lang, "Why don't you take the bus?")
    assert "zzadvq" not in clause_tokens(lang, "Why did you take the bus?")


# --- 1. anti-patterns anywhere in a long turn -----------------------------------------------


def test_order_in_first_of_several_sentences(scorer):
    got = cues(
        scorer, "Sir, I need you to step back from the counter. I'm the duty nurse tonight. What's brought you in?"
    )
    assert "command" in got


def test_order_in_third_sentence(scorer):
    got = cues(scorer, "Thanks for waiting. The scan room is on the left. Now you need to calm down before we go in.")
    assert "command" in got


def test_order_in_a_later_clause(scorer):
    assert "command" in cues(scorer, "Okay, I get that you're cross, but sit back down.")


def test_near_miss_question_about_need_is_no_order(scorer):
    got = cues(scorer, "Do you need to sit down for a minute?")
    assert "command" not in got and "advise_unasked" not in got


def test_near_miss_offer_to_sit_is_no_order(scorer):
    assert "command" not in cues(scorer, "There's a chair here if you'd like to sit down.")


# --- 2. "yes, but" ------------------------------------------------------------------------


def test_yes_but_takes_back_the_empathy(scorer):
    got = cues(scorer, "I understand you're annoyed, but that doesn't change the fact that the clinic is closed.")
    assert "argue" in got
    assert not got & {"name_emotion", "validate"}


def test_yes_but_rules_are_rules(scorer):
    got = cues(scorer, "I can see you're worried, but rules are rules.")
    assert not got & {"name_emotion", "validate"}
    assert got & {"argue", "dismiss"}


def test_yes_but_across_sentences(scorer):
    got = cues(scorer, "I know this is frustrating. But you still have to wait your turn like everyone.")
    assert "validate" not in got and "name_emotion" not in got


def test_acknowledgement_with_and_keeps_credit(scorer):
    got = cues(scorer, "I can see you're worried, and I'll ring the lab now.")
    assert "name_emotion" in got and "commit_action" in got
    assert "argue" not in got


def test_but_with_a_next_step_keeps_credit(scorer):
    got = cues(scorer, "I'm sorry, but what I can do is book you the first slot on Monday.")
    assert "apologise" in got and "argue" not in got


def test_but_without_insistence_keeps_credit(scorer):
    got = cues(scorer, "I can see you're upset, but I'm going to stay with you until the doctor comes.")
    assert "name_emotion" in got and "argue" not in got


# --- 3. consequences as threats ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Keep talking to me like that and you'll be leaving in the back of a van.",
        "Carry on shouting and I'll have you removed.",
        "One more word and you're out of here.",
        "Do that again and I'm calling security.",
        "If you won't stop kicking the door, I'll ring the police.",
    ],
)
def test_conditional_threat(scorer, text):
    assert "threaten" in cues(scorer, text)


@pytest.mark.parametrize(
    "text",
    [
        "Keep taking the tablets and you'll feel better by the weekend.",
        "Give me two minutes and I'll find out where she is.",
        "Fill in this form and we'll get you booked in.",
    ],
)
def test_near_miss_consequence_is_no_threat(scorer, text):
    assert "threaten" not in cues(scorer, text)


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("I do want to help you, but I'm not able to carry on if you shout at me or swear at me.", "Oh, piss off."),
        (
            "I'm happy to keep talking, but if you keep swearing at me I'll need to take a break.",
            "This is a joke, you're all f***ing useless.",
        ),
    ],
)
def test_a_limit_on_what_the_speaker_will_do_is_a_boundary_not_a_threat(scorer, text, context):
    found = cues(scorer, text, context)
    assert "set_boundary" in found and "threaten" not in found


def test_a_boundary_with_a_consequence_done_to_them_is_still_a_threat(scorer):
    text = "I'm not able to help while you shout at me, and if you carry on I'll have you removed by security."
    assert "threaten" in cues(scorer, text)


# --- 4. advice as a question or a directive ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Have you tried just keeping a food diary?",
        "Why don't you ask your sister to help?",
        "What about trying the late clinic instead?",
        "Have you thought about joining a walking group?",
        "You need to ring your dentist in the morning.",
        "It's only hay fever, get some antihistamines from the chemist.",
    ],
)
def test_advice(scorer, text):
    assert "advise_unasked" in cues(scorer, text)


@pytest.mark.parametrize(
    "text",
    [
        "Would you like some ideas?",
        "Do you need to sit down?",
        "You need to be seen today, I agree.",
        "Ring me on this number if nothing's come by Friday.",
    ],
)
def test_near_miss_not_advice(scorer, text):
    assert "advise_unasked" not in cues(scorer, text)


def test_directive_about_behaviour_is_command_not_advice(scorer):
    got = cues(scorer, "You need to lower your voice.")
    assert "command" in got and "advise_unasked" not in got


def test_an_echo_fragment_is_a_reflection_even_in_a_long_turn(scorer):
    """Their words said back as a verbless fragment are a simple reflection, and the rest of a
    long turn cannot talk the classifier out of it (GUIDE.md, "Echoes")."""
    context = "Six hours! He could've died on that floor!"
    turn = (
        "Six hours on the floor. That must have been terrifying for both of you, and I'm really sorry "
        "it took us that long. I'm going to check him over right now."
    )
    found = {h.cue for h in scorer.score(turn, context).cues}
    assert "reflection_simple" in found, found
    assert "reflection_simple" not in {h.cue for h in scorer.score("Six hours on the floor.", "").cues}
    assert "reflection_simple" not in {h.cue for h in scorer.score("Calm down.", "I won't calm down!").cues}
