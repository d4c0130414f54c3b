"""Sentence-structure and dialogue features (structure.py, features.py) and the general
rules added with them. Sentences here are written fresh, not copied from the cue data."""

from __future__ import annotations

import pytest

from actions.scoring.features import classifier_words, context_tokens
from actions.scoring.guard import mask_fillers
from actions.scoring.lang import get_lang
from actions.scoring.structure import sentence_tokens, sentences
from tests.scoring.conftest import cues


def _marks(text: str) -> set[str]:
    return {w for w in sentence_tokens(get_lang(), text) if w.startswith("zz")}


@pytest.mark.parametrize("text", ["Sit down.", "Please just wait over there.", "Breathe slowly for me."])
def test_imperative(text):
    assert "zzimp" in _marks(text)


@pytest.mark.parametrize(
    "text",
    ["Transport's the one holding things up.", "Sorry about that.", "Would you sit down?", "You should sit down."],
)
def test_not_imperative(text):
    assert "zzimp" not in _marks(text)


def test_negative_imperative_and_lets():
    assert "zzimpneg" in _marks("Don't shout at the staff.")
    assert "zzlets" in _marks("Let's start again.")


def test_subject_duration_cause_tag():
    m = _marks("The lab usually takes about three hours because it's busy.")
    assert {"zzsubj_3", "zzdur", "zzcause"} <= m
    assert "zztag" in _marks("That wasn't very clever, was it?")


def test_sentence_boundary_token_per_sentence():
    words = classifier_words(get_lang(), "Stop. Go on then.", "", frozenset())
    assert words.count("zzsb") == 2
    assert sentences("One. Two? Three!") == ["One.", "Two?", "Three!"]


def test_context_tokens():
    assert "zzctxq" in context_tokens("It opens at nine.", "When does it open?", 0.0)
    toks = context_tokens("We did post it.", "You never posted my letter.", 0.5)
    assert {"zzctxyou", "zzdefend", "zzpolflip"} <= set(toks)


# (text, context, must contain, must not contain)
GENERAL = [
    ("You could have mentioned that before you signed the form.", "", {"blame"}, set()),
    ("I'm sorry, you should have been kept informed.", "", set(), {"blame"}),
    ("Thank you for sticking with the physio plan.", "", {"affirm"}, set()),
    ("She'll be home by Friday, no problem at all.", "", {"false_promise"}, set()),
    ("Of course it still stings.", "", {"validate"}, set()),
    ("That news has really shaken you.", "", {"name_emotion"}, set()),
    ("Have you tried cutting out caffeine?", "", {"advise_unasked", "closed_question"}, {"open_question"}),
    ("Did you not check the date on it?", "", {"blame", "closed_question"}, {"open_question"}),
    ("Do you want a medal?", "", {"sarcasm"}, {"closed_question", "open_question"}),
    ("We'll fetch her from the ward, which can take a while.", "", set(), {"closed_question"}),
    ("How has the week been, would you say?", "", {"open_question"}, {"closed_question"}),
    ("They aren't missing, they're in the drawer.", "You've lost his glasses.", {"argue"}, set()),
]


@pytest.mark.parametrize("text,context,must,must_not", GENERAL)
def test_general_rules(scorer, text, context, must, must_not):
    got = cues(scorer, text, context)
    assert must <= got, got
    assert not (must_not & got), got


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("Yeah. Yeah. It's- it's been really tough for you.", "It's been really tough for you."),
        ("Mm-hmm. Okay. And what happened then?", "And what happened then?"),
        ("Um, so, you've, uh, been feeling the the pressure.", "So, you've been feeling the pressure."),
    ],
)
def test_transcript_disfluencies_do_not_change_the_cues(scorer, spoken, written):
    """Real transcripts open with acknowledgements and stutter; the cues are the same."""
    ctx = "My dad passed last year and I've not been the same since."
    assert cues(scorer, spoken, ctx) == cues(scorer, written, ctx)


def test_masking_keeps_offsets_and_deliberate_repeats():
    text = "Yeah. So 111 sent you, you came straight here. No, no, that's fine."
    masked = mask_fillers(text)
    assert len(masked) == len(text)
    assert masked.lstrip().startswith("So 111 sent you, you came")
    assert "No, no," in masked


@pytest.mark.parametrize(
    "text, context",
    [
        (
            "So what I'm hearing is you'd like to cut back but you're not sure how.",
            "I want to drink less but I don't know where to start.",
        ),
        ("Right. So the weekends are the hardest.", "During the week I'm fine, it's the weekends."),
        ("So it's a way of coping with the stress.", "When work gets bad I just reach for a drink."),
    ],
)
def test_a_reflection_is_simple_or_complex_not_both(scorer, text, context):
    found = cues(scorer, text, context)
    assert found & {"reflection_simple", "reflection_complex"}, found
    assert not {"reflection_simple", "reflection_complex"} <= found, found
