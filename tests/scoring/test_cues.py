"""Hard cases per cue family: active listening, de-escalation, anti-patterns."""

from __future__ import annotations

import pytest

from tests.scoring.conftest import cues

# (text, context, must contain, must not contain)
ACTIVE_LISTENING = [
    (
        "It sounds like you've been sent to three desks this morning.",
        "I've been sent to three desks this morning.",
        {"reflection_simple"},
        {"reflection_complex"},
    ),
    (
        "You were told your mum would be home today.",
        "They said mum was coming home today.",
        {"reflection_simple"},
        {"closed_question"},
    ),
    (
        "It feels like nobody is taking your pain seriously.",
        "I've been in agony for hours.",
        {"reflection_complex"},
        set(),
    ),
    ("You sound really frustrated.", "", {"name_emotion"}, set()),
    ("I can see how worried you are about your dad.", "", {"name_emotion"}, set()),
    ("Anyone would be upset after being passed around like that.", "", {"validate"}, set()),
    ("No wonder you're fed up.", "", {"validate"}, set()),
    (
        "Let me check I've got this right: you rang at eight, were told to come in, and now there's no record. "
        "Have I missed anything?",
        "",
        {"summarise", "closed_question"},
        set(),
    ),
]
DE_ESCALATION = [
    ("I'm Sam, one of the ward clerks.", "", {"introduce_self"}, set()),
    ("I'm sorry you've had such a long wait.", "", {"apologise"}, {"dismiss"}),
    ("Thank you for bearing with us, I know you've already tried to sort this.", "", {"affirm"}, set()),
    ("I'll ring the ward now and come back to you within ten minutes.", "", {"commit_action"}, set()),
    ("I want to help you, and I can't while I'm being sworn at.", "", {"set_boundary"}, {"command"}),
    ("I'm going to ask my manager to join us.", "", {"seek_support"}, {"commit_action"}),
    ("I'm going to end this call now; I'll note it for the team.", "", {"seek_support"}, set()),
    (
        "You can wait for the next slot, or I can book you a call with the GP this afternoon.",
        "",
        {"offer_choice"},
        set(),
    ),
]
ANTI_PATTERNS = [
    ("I'm sorry you feel that way.", "", {"dismiss"}, {"apologise", "name_emotion"}),
    ("Could you just calm down, please?", "", {"command"}, {"closed_question"}),
    ("I need you to relax and lower your voice.", "", {"command"}, set()),
    ("It's not that bad, everyone has to wait.", "", {"dismiss"}, set()),
    ("If you'd read the letter you'd know.", "", {"blame"}, set()),
    ("Actually, the policy says we can't do that.", "", {"argue"}, set()),
    ("That's not my department.", "", {"pass_buck"}, set()),
    ("He's MFFD, we're just waiting on TTOs.", "", {"jargon"}, set()),
    ("It'll definitely be five minutes.", "", {"false_promise"}, set()),
    ("You should just go to a walk-in centre.", "", {"advise_unasked"}, set()),
    ("Oh, brilliant.", "The machine ate my parking ticket.", {"sarcasm"}, set()),
    ("Any more of that and you'll be removed.", "", {"threaten"}, set()),
    ("Calm down, it's not the end of the world.", "", {"command", "dismiss"}, set()),
]


@pytest.mark.parametrize("text,context,wanted,unwanted", ACTIVE_LISTENING + DE_ESCALATION + ANTI_PATTERNS)
def test_cue_hard_cases(scorer, text, context, wanted, unwanted):
    found = cues(scorer, text, context)
    assert wanted <= found, f"missing {wanted - found} in {found}"
    assert not (unwanted & found), f"unexpected {unwanted & found}"


def test_score_formula_uses_taxonomy_weights(scorer):
    result = scorer.score("I'm so sorry. Could you just calm down?")
    weights = {c.id: c.weight for c in scorer.taxonomy}
    assert result.score == pytest.approx(sum(weights[c] for c in set(result.cue_ids)))
    assert result.score < 0  # the anti-pattern outweighs the apology


def test_plain_small_talk_has_no_cues(scorer):
    assert cues(scorer, "Okay.") == set()


def test_a_paraphrase_in_new_words_is_a_reflection_of_one_kind(scorer):
    """ "Passed from desk to desk" for "sent to three desks" sits between simple and complex
    (GUIDE.md); the classifier's likelier reading decides (better in CV than the rule's), but
    it is always a reflection, and never both kinds."""
    found = cues(
        scorer,
        "It sounds like you've been passed from desk to desk all morning.",
        "I've been sent to three desks this morning.",
    )
    assert len(found & {"reflection_simple", "reflection_complex"}) == 1, found
