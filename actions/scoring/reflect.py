"""Reflections by rule: a statement that gives back the patient's words or feelings.

Why code and not only regexes: a reflection is defined by its relation to the patient's
previous line. With a marker ("it sounds like", "so you're saying", "so you...") the
sentence is a reflection; without one, a second-person statement ("You were told ten
o'clock and nobody came") is a reflection only if it echoes the context (lemma overlap)
or names a feeling. It is *complex* when it adds meaning or feeling beyond the words
(a feeling not in the context, "it feels like", "nobody", "you just want..."), else simple.
"""

from __future__ import annotations

import re

from actions.scoring.features import feeling_words, overlap
from actions.scoring.lang import Lang, simple_tokens
from actions.scoring.rules import Rules

OVERLAP_MIN = 0.34
PARAPHRASE_MIN_WORDS = 5
ECHO_MIN = 0.5
_FIRST_PERSON = re.compile(
    r"^\W*(?:(?:and|but|so|ok|okay|right|well)\W+)*(?:i|i'm|i've|i'll|i'd|we|we're|we've|we'll|my|our|let me|let's)\b",
    re.I,
)


# A sentence with none of these is a verbless fragment ("Four hours on the floor.", "Since
# March."): said back to someone, it echoes their words, so it is read like an echo question.
_CLAUSE_WORDS = frozenset(
    "i you he she it we they i'm you're he's she's it's we're they're i've you've we've they've "
    "that's there's what's who's here's is are was were am be been being do does did have has had "
    "will would can could shall should may might must don't doesn't didn't isn't aren't wasn't "
    "weren't won't can't couldn't wouldn't shouldn't haven't hasn't hadn't let's please".split()
)


def is_fragment(sentence: str) -> bool:
    """True for a verbless fragment: no subject pronoun, auxiliary, modal or copula."""
    tokens = simple_tokens(sentence)
    return bool(tokens) and not any(t in _CLAUSE_WORDS for t in tokens)


_NOT_PARAPHRASE = re.compile(
    r"\b(?:'ll|will|should|must|need to|needs to|have to|has to|want to get|gonna|can't|cannot|won't)\b|(?-i:\b[A-Z]{2,}\d*\b)",
    re.I,
)


def detect_reflection(
    sentence: str, context: str, rules: Rules, lang: Lang, echo_only: bool = False, named_emotion: bool = False
) -> str | None:
    """Return 'reflection_simple', 'reflection_complex' or None for one sentence.

    `echo_only`: the sentence is a fragment or statement ending in "?" ("Since eight this
    morning?"); it is a reflection when it echoes the context, whatever its first word.
    """
    marker = rules.reflection_markers.search(sentence)
    feel = feeling_words(lang, sentence, rules.feelings)
    ov = overlap(lang, sentence, context)
    if not marker:
        if (echo_only and ov >= OVERLAP_MIN) or (ov >= ECHO_MIN and not _FIRST_PERSON.match(sentence)):
            pass  # an echo of their words ("Four beds in two days.") is a reflection
        elif not rules.reflection_second_person.search(sentence):
            return None
        elif not context.strip():
            return None  # nothing to reflect: a statement about "you" is not enough
        elif named_emotion and ov < OVERLAP_MIN:
            return None  # "You sound exhausted" names the emotion; that is its cue
        elif _NOT_PARAPHRASE.search(sentence):
            return None  # predictions, advice, orders and jargon are not paraphrases
        elif ov < OVERLAP_MIN and len(simple_tokens(sentence)) < PARAPHRASE_MIN_WORDS:
            return None
        if ov < OVERLAP_MIN:
            return "reflection_complex"  # a paraphrase in new words interprets what was said
    new_feel = feel - feeling_words(lang, context, rules.feelings) if context else feel
    if new_feel or _adds_meaning(sentence, context, rules, lang):
        return "reflection_complex"
    return "reflection_simple"


def _adds_meaning(sentence: str, context: str, rules: Rules, lang: Lang) -> bool:
    """A complex-marker phrase counts only if the patient did not already say it."""
    ctx = {lang.lemma(w) for w in simple_tokens(context)}
    for m in rules.reflection_complex.finditer(sentence):
        words = [lang.lemma(w) for w in simple_tokens(m.group(0))]
        if not words or not all(w in ctx for w in words):
            return True
    return False
