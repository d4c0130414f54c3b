"""Matching a learner's question to the patient's facts (actions/facts.py, data/topics.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.facts import TOPICS_PATH, asked_like, lemmas, load_topics, names_in, parse_topics, questions_on
from actions.scenarios import Fact
from actions.scoring.errors import DataError
from actions.vocabulary import LEVELS


def fact(id: str, topic: str, keywords: list[str], guarded: bool = False, also: tuple[str, ...] = ()) -> Fact:
    return Fact.model_validate(
        {
            "id": id,
            "topic": topic,
            "also": list(also),
            "about": id,
            "keywords": keywords,
            "gist": id,
            "asks": [f"about {id}?"],
            "guarded": guarded,
            "answers": {level: [f"{id} at {level}"] for level in LEVELS},
        }
    )


FACTS = [
    fact("cancelled", "what_happened", ["cancel", "appointment", "text"]),
    fact("waiting", "how_long", ["book", "month"]),
    fact("chest", "symptoms", ["chest", "stairs"], guarded=True),
    fact("brother", "afraid", ["brother", "heart"], guarded=True),
    fact("shift", "practical", ["shift", "work", "see"]),
]


def matched(question: str) -> str | None:
    match = load_topics().match(question, FACTS)
    return match.fact.id if match else None


def test_lemmas_spell_out_clitics_and_inflections() -> None:
    assert lemmas("What's happened? I can't, they won't") == [
        "what",
        "be",
        "happen",
        "i",
        "can",
        "not",
        "they",
        "will",
        "not",
    ]
    assert lemmas("waited waiting") == ["wait", "wait"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("So what's happened today?", "cancelled"),  # a topic phrase
        ("How long ago did you book it?", "waiting"),  # phrase and a keyword
        ("Have you been having any pain?", "chest"),  # a strong topic word
        ("Is it your chest?", "chest"),  # a keyword of the scenario's own
        ("What's worrying you most about all this?", "brother"),
        ("Did you have to swap a shift at work?", "shift"),
    ],
)
def test_questions_reach_their_fact(question: str, expected: str) -> None:
    assert matched(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Did you see the football last night?",  # "see" is one of the fact's keywords, but a common word
        "Is it cold out there?",
        "Who won the match?",  # one supporting word is not enough
        "Do you want a cup of tea?",
    ],
)
def test_questions_on_nothing_the_patient_knows_match_nothing(question: str) -> None:
    assert matched(question) is None


def test_content_words_nothing_accounts_for_are_unexplained() -> None:
    lexicon = load_topics()
    # Words of no topic and nothing the patient knows: the question is about something else.
    assert lexicon.unexplained(lemmas("Who's your favourite darts player?"), FACTS) >= {"dart", "player"}
    # Topic words, function words and the patient's own world all count as explained.
    assert lexicon.unexplained(lemmas("Is anyone with you at the moment?"), FACTS) == frozenset()
    assert lexicon.unexplained(lemmas("Is it your chest, on the stairs?"), FACTS) == frozenset()


def test_a_question_led_like_a_topic_about_something_else_matches_nothing() -> None:
    # "who" leads both, but darts are nothing the patient knows.
    facts = [*FACTS, fact("son", "who", ["son"])]
    lexicon = load_topics()
    assert lexicon.match("Who's your favourite darts player?", facts) is None
    found = lexicon.match("Who's come in with you today, is it your son?", facts)
    assert found is not None and found.fact.id == "son"


@pytest.mark.parametrize(
    "question",
    [
        "Are you scared of snakes?",  # the frame is a fear, the matter is nothing the patient knows
        "When did you last go to the cinema?",
        "Would you like me to tell you a joke?",
    ],
)
def test_a_topic_frame_around_nothing_of_the_patients_is_small_talk(question: str) -> None:
    assert matched(question) is None


def test_a_name_the_patient_never_said_is_something_else() -> None:
    assert names_in("What happened on Coronation Street? I missed it.") == {"coronation", "street"}
    assert names_in("Did Kai's mum come? I wondered.") == {"kai"}  # not "Did", not "I"
    assert matched("What happened on Coronation Street last night?") is None
    assert matched("What happened at the surgery last night?") == "cancelled"
    # A fact's keyword that only says when ("night") does not make a name part of its world.
    tonight = [fact("cancelled", "what_happened", ["cancel", "appointment", "night"])]
    assert load_topics().match("What happened on The Traitors last night?", tonight) is None


def test_a_frame_around_the_patients_own_words_still_reaches_the_fact() -> None:
    # "swap" is nothing the patient's fact says, but "shift" is one of its keywords.
    assert matched("Did you have to swap a shift at work?") == "shift"
    assert matched("What are you scared of?") == "brother"


def test_a_question_worded_like_a_facts_example_leans_to_that_fact() -> None:
    asks = ("How long has he been like this?", "When did it start?")
    assert asked_like(lemmas("And how long has he been like this, roughly?"), asks) == 1.0
    assert asked_like(lemmas("Is he warm?"), asks) == 0.0
    lexicon = load_topics()
    words = lemmas("How long has he been like this?")
    like = fact("like_this", "how_long", ["long"]).model_copy(update={"asks": list(asks)})
    unlike = fact("since_booking", "how_long", ["long"])
    assert lexicon.score(words, like) == lexicon.score(words, unlike) + lexicon.asks_weight


def test_an_offer_asks_what_the_patient_wants_whatever_it_offers() -> None:
    facts = [*FACTS, fact("wants", "want", ["sort", "appointment"])]
    lexicon = load_topics()
    found = lexicon.match("Would you like me to ask the nurse what happened to your appointment?", facts)
    assert found is not None and found.fact.id == "wants"
    found = lexicon.match("Would it help if I checked your chest again?", facts)
    assert found is not None and found.fact.id == "wants"


def test_a_clause_opening_the_question_does_not_lead_it() -> None:
    lexicon = load_topics()
    assert lexicon.after_leading_clause("When he rang the surgery, who did he speak to?") == "who did he speak to?"
    assert lexicon.after_leading_clause("So, if we did weigh her, where?") == "where?"
    assert lexicon.after_leading_clause("When did it start, roughly?") is None  # "when" leads the question
    words = lexicon.read("When he rang the surgery, who did he speak to?")
    assert lexicon.answer_topics(words, "When he rang the surgery, who did he speak to?") == {"who", "home"}


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("Do you live on your own, Irene?", "do you live on your own"),
        ("How have you been, Mrs Solanki, since the funeral?", "how have you be since the funeral"),
        ("What can I do for you, sweetheart?", "what can i do for you"),
        ("Is it Kai, the little lad?", "be it kai the little lad"),  # a name that is asked about stays
        ("What's his date of birth, so I can find him?", "what be his date of birth"),  # why it is asked
    ],
)
def test_who_is_addressed_and_why_is_not_what_is_asked(question: str, read: str) -> None:
    assert " ".join(load_topics().read(question)) == read


@pytest.mark.parametrize(
    ("question", "main"),
    [
        ("How was your dad in himself when he was waiting?", "how be your dad in himself"),
        ("Have you had any sleep since he came in?", "have you have any sleep"),
        ("How long has it been since you last ate?", "how long have it be"),
        ("Has it been like this since yesterday?", "have it be like this since yesterday"),  # no clause
        ("Do you know roughly when it started?", "do you know roughly when it start"),  # the clause is asked
        ("When did you last eat?", "when do you last eat"),  # a lead, not a clause
    ],
)
def test_a_time_clause_after_the_lead_is_not_what_is_asked(question: str, main: str) -> None:
    assert " ".join(load_topics().read(question)) == main


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("Who's that, if you don't mind me asking?", "who be that"),
        ("When did you book it, can you remember?", "when do you book it"),
        ("What bay is he in, do you know?", "what bay be he in"),
        ("Do you know?", "do you know"),  # nothing left: a tag on another question, read as it is
        ("Who's the best comedian, do you think?", "who be the best comedian do you think"),  # asks an opinion
        ("Has she been poorly lately, at home?", "have she be poorly lately"),  # where, not what
        ("Has she been poorly, in the time she's been at home?", "have she be poorly in the time she be be at home"),
    ],
)
def test_a_polite_tail_is_not_what_is_asked(question: str, read: str) -> None:
    assert " ".join(load_topics().read(question)) == read


def test_a_when_question_in_the_past_asks_how_long_ago() -> None:
    # Lemmas make "did" and "do" one word; the lead's tense is read as said.
    lexicon = load_topics()
    question = "Sorry, when did you book it?"
    assert lexicon.answer_topics(lexicon.read(question), question) == {"how_long"}
    question = "When do you start your shift?"
    assert lexicon.answer_topics(lexicon.read(question), question) == {"how_long", "practical"}


def test_a_time_clause_does_not_decide_the_topic() -> None:
    # "since" would make it a question about how long; what is asked is how he is.
    assert matched("Have you had any pain since you booked it?") == "chest"


def test_a_tag_on_another_question_asks_nothing_itself() -> None:
    assert matched("do you know?") is None
    assert load_topics().match_any(["Did you book it a month ago?", "do you know?"], FACTS) is not None


def test_a_fact_that_also_answers_another_topic_is_reached_by_either() -> None:
    # Living alone answers "do you live alone?" (home) and "is anyone with you?" (who).
    alone = fact("alone", "home", ["live", "alone", "own"], also=("who",))
    facts = [*FACTS, alone, fact("sister", "who", ["sister"])]
    lexicon = load_topics()
    for question in ("Do you live on your own?", "Is anyone there with you at the moment?"):
        found = lexicon.match(question, facts)
        assert found is not None and found.fact.id == "alone", question
    # Facts on the same topic are not rivals: the scenario's own words pick between them.
    found = lexicon.match("Is your sister with you?", facts)
    assert found is not None and found.fact.id == "sister"


def test_a_fact_cannot_also_answer_its_own_topic_or_one_twice() -> None:
    for also in (("home",), ("who", "who")):
        with pytest.raises(ValueError, match="each other topic once"):
            fact("alone", "home", ["alone"], also=also)


@pytest.mark.parametrize(
    ("question", "about_speaker"),
    [
        ("How long have I been on this desk? Since before the extension!", True),
        ("Do you know how long I've been answering these phones?", True),
        ("Have I had this cardigan long, do you think?", True),
        ("How long have you been waiting?", False),
        ("I'm sorry, how long have you been waiting?", False),  # "I" frames; "you" is asked about
        ("What can I do to help?", False),  # an offer
        ("Would it help if I rang the ward?", False),
        ("Is there anything I can do?", False),
        ("Who am I speaking to?", False),  # the conversation itself
        ("Have I got that right, you rang at five?", False),
    ],
)
def test_a_question_about_the_member_of_staff_is_told_apart(question: str, about_speaker: bool) -> None:
    lexicon = load_topics()
    assert lexicon.about_speaker(lexicon.read(question)) is about_speaker


def test_a_question_about_the_member_of_staff_reaches_no_fact() -> None:
    assert matched("How long have you been waiting since you booked?") == "waiting"
    assert matched("How long have I been waiting to book my holiday, do you reckon?") is None


def test_a_question_between_two_topics_matches_neither() -> None:
    # "appointment" is a keyword of one fact and "brother" of another, with nothing else to go on.
    facts = [fact("a", "what_happened", ["appointment"]), fact("b", "who", ["brother"])]
    assert load_topics().match("Your appointment or your brother?", facts) is None


def test_the_strongest_of_several_questions_wins() -> None:
    match = load_topics().match_any(["Is that okay?", "How long have you been waiting since booking?"], FACTS)
    assert match is not None and match.fact.id == "waiting"


def test_questions_are_read_off_the_score_card_in_order() -> None:
    card = {
        "cues": [
            {"cue": "closed_question", "start": 30, "quote": "Is it your chest?"},
            {"cue": "name_emotion", "start": 0, "quote": "You sound worried"},
            {"cue": "open_question", "start": 10, "quote": "What happened?"},
        ]
    }
    assert questions_on(card) == ["What happened?", "Is it your chest?"]


def test_every_question_the_card_lists_is_read_not_only_one_of_each_kind() -> None:
    said = "Are you comfy? Any pain anywhere?"
    card = {
        "said": said,
        "cues": [{"cue": "closed_question", "start": 0, "end": 14, "quote": "Are you comfy?"}],
        "questions": [
            {"cue": "closed_question", "start": 0, "end": 14, "quote": "Are you comfy?"},
            {"cue": "closed_question", "start": 15, "end": len(said), "quote": "Any pain anywhere?"},
        ],
    }
    assert questions_on(card) == ["Are you comfy?", "Any pain anywhere?"]
    assert load_topics().match_any(questions_on(card), FACTS).fact.id == "chest"  # type: ignore[union-attr]


def test_a_question_tag_is_read_with_the_statement_it_is_tagged_on() -> None:
    said = "Thanks for waiting. And Alfie's your son, is that right? When did it start?"
    tag = said.index("is that right")
    start = said.index("When")
    card = {
        "said": said,
        "cues": [
            {"cue": "closed_question", "start": tag, "end": tag + 14, "quote": "is that right?"},
            {"cue": "open_question", "start": start, "end": len(said), "quote": "When did it start?"},
        ],
    }
    assert questions_on(card) == ["And Alfie's your son, is that right?", "When did it start?"]
    # Without the turn's words (an older card) the tag stays as it was found.
    del card["said"]
    assert questions_on(card)[0] == "is that right?"


def test_a_check_asked_as_its_own_sentence_checks_the_sentence_before() -> None:
    said = "It sounds like you're scared of something. Is that right?"
    check = said.index("Is")
    card = {"said": said, "cues": [{"cue": "closed_question", "start": check, "end": len(said), "quote": said[check:]}]}
    assert questions_on(card) == [said]
    assert load_topics().match_any(questions_on(card), FACTS).fact.id == "brother"  # type: ignore[union-attr]


def test_a_statement_closed_by_a_tag_is_read_as_a_question() -> None:
    """The scorer lists "And it's your chest, yeah?" as a tag question: the patient answers it."""
    said = "And it's your chest, yeah?"
    card = {"said": said, "cues": [], "questions": [{"cue": "tag_question", "start": 0, "end": 19, "quote": said[:19]}]}
    assert questions_on(card) == ["And it's your chest"]
    assert load_topics().match_any(questions_on(card), FACTS).fact.id == "chest"  # type: ignore[union-attr]


def test_the_topic_words_are_checked() -> None:
    raw = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))
    del raw["topics"]["home"]
    with pytest.raises(DataError, match="topics.home: missing"):
        parse_topics(raw, Path("topics.yml"))
    raw = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))
    raw["topics"]["weather"] = {"words": ["rain"]}
    with pytest.raises(DataError, match="unknown topic"):
        parse_topics(raw, Path("topics.yml"))
    raw = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))
    raw["threshold"] = "high"
    with pytest.raises(DataError, match="threshold"):
        parse_topics(raw, Path("topics.yml"))
