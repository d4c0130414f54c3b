"""Sentence-structure pseudo-words for the classifier: what each sentence *does*.

Why: a bag of lemma n-grams cannot see where a sentence starts, who its subject is, or
whether it is an order, so "sit down" inside a sentence and "Sit down." as an order look
alike, and an explanation ("The results take about an hour because...") looks like any
other statement. These markers are general English syntax (no domain words), so they
carry over to conversations unlike ours:

- `zzsb` opens every sentence, so bigrams such as "zzsb calm" mean "sentence starts with".
- `zzimp` / `zzimpneg` / `zzlets`: imperative mood (base verb first, "don't" + verb, "let's").
- `zzsubj_<you|i|we|3>`: the subject person of a statement (3 = he/she/it/they/the X).
- `zzdur`: a duration or clock time ("about an hour", "by two", "three weeks");
  `zzcause`: a causal or purpose connective ("because", "so that", "which is why", "in case").
- `zzmodal3`: a third-person future/habitual statement ("they'll ring", "it usually takes").
- `zztag`: a tag question (", is it?", "can she?"): rhetorical, so a stance, not a question.
- clause markers (clauses.py), for long spoken sentences: `zzcimp` an order in a later
  clause ("I hear you, but sit down"); `zzdirect` "you need to / should / have to + verb" or
  "I need you to + verb" as a statement; `zzbut` a contrast clause after another clause
  ("I understand, but..."); `zzimpand` an order + "and/or" + "you'll / I'll ..." (the
  conditional-consequence shape of a threat or a promise); `zzadvq` advice shaped as a
  question ("Have you tried...?", "Why don't you...?").
"""

from __future__ import annotations

import re

from actions.scoring import clauses as cl
from actions.scoring.lang import Lang, simple_tokens

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\s*;\s*")
_FILLERS = frozenset(
    "oh well so okay ok right now just please and but look listen hey um er erm yes yeah no "
    "sir madam love mate honestly alright".split()
)
_NOT_IMPERATIVE = frozenset(
    "i you we he she it they this that these those there here what how why when where who which whose "
    "is are was were am be been do does did have has had can could will would shall should may might must "
    "thank thanks sorry please hello hi bye cheers welcome fine sure absolutely definitely really maybe "
    "perhaps yes no not never always sounds sound seems seem feels looks means".split()
)
_AUX_NEXT = frozenset("is are was were 's will 'll can could would should has have had must may might".split())
_SUBJ = {
    "you": "you",
    "you're": "you",
    "you've": "you",
    "you'll": "you",
    "you'd": "you",
    "your": "you",
    "i": "i",
    "i'm": "i",
    "i've": "i",
    "i'll": "i",
    "i'd": "i",
    "my": "i",
    "we": "we",
    "we're": "we",
    "we've": "we",
    "we'll": "we",
    "we'd": "we",
    "our": "we",
    "let's": "we",
}
_THIRD = frozenset(
    "he she it they he's she's it's they're they'll it'll he'll she'll they've the a an his her "
    "their its that's there's this these those".split()
)
_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half an?|a couple of|a few|few|several)"
_DURATION = re.compile(
    rf"\b(?:{_NUMBER}\s+(?:more\s+)?(?:minutes?|mins?|hours?|days?|weeks?|months?|years?|working days)\b"
    r"|\b(?:by|at|until|before|after|from)\s+(?:\d{1,2}(?::\d\d)?\s*(?:am|pm|o'clock)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday|lunchtime|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:tomorrow|this (?:morning|afternoon|evening)|next week|later today|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)))",
    re.I,
)
_CAUSE = re.compile(
    r"\b(?:because|'cause|cos|so that|which is why|that's why|in case|due to|the reason|since|so (?:we|you|they|the|it|he|she)|in order to|otherwise)\b",
    re.I,
)
_TAG = re.compile(
    r"\w[^?]*,\s*(?:is|isn't|are|aren't|was|wasn't|do|don't|does|doesn't|did|didn't|can|can't|could|"
    r"couldn't|would|wouldn't|will|won't|shall|should|shouldn't|have|haven't|has|hasn't|am|aren't)"
    r"\s+(?:i|you|he|she|it|we|they|there)\s*\?\s*$",
    re.I,
)
_MODAL3 = re.compile(
    r"\b(?:he|she|it|they|the \w+|someone|somebody|a \w+|your \w+)(?:'ll| will| usually| normally| generally| often| can| may| might| should)\b",
    re.I,
)


def sentences(text: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(text.strip()) if s]


def _first_content(toks: list[str]) -> int:
    i = 0
    while i < len(toks) - 1 and toks[i] in _FILLERS:
        i += 1
    return i


def sentence_tokens(lang: Lang, sentence: str) -> list[str]:
    """`zzsb` + lemmas of one sentence + its structure markers."""
    toks = simple_tokens(sentence)
    out = ["zzsb"] + [lang.lemma(t) for t in toks]
    words = [t for t in toks if t not in ("?", "!")]
    if not words:
        return out
    i = _first_content(words)
    first = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    question = sentence.rstrip().endswith("?")
    if first in ("don't", "do") and nxt not in _SUBJ and nxt not in _THIRD and (first == "don't" or nxt == "not"):
        out.append("zzimpneg")
    elif first == "let's":
        out.append("zzlets")
    elif (
        first not in _NOT_IMPERATIVE
        and first not in _FILLERS
        and lang.lemma(first) == first
        and first in lang.verbs
        and nxt not in _AUX_NEXT
        and not question
    ):
        out.append("zzimp")
    subj = _SUBJ.get(first) or ("3" if first in _THIRD else None)
    if subj and not question:
        out.append(f"zzsubj_{subj}")
    if _DURATION.search(sentence):
        out.append("zzdur")
    if _CAUSE.search(sentence):
        out.append("zzcause")
    if _TAG.search(sentence):
        out.append("zztag")
    if sentence.rstrip().endswith("!"):
        out.append("zzexcl")
    if _MODAL3.search(sentence):
        out.append("zzmodal3")
    out.extend(clause_tokens(lang, sentence))
    return out


def clause_tokens(lang: Lang, sentence: str) -> list[str]:
    """Clause-structure markers of one sentence (module doc)."""
    out: list[str] = []
    parts = cl.read(sentence, lang, None).clauses
    parts = [x for c in parts for x in cl._split_orders(c, lang)]
    orders = [cl.imperative(c.text, lang) is not None for c in parts]
    if any(orders[1:]):
        out.append("zzcimp")
    if any(cl.directive(c.text, lang) for c in parts):
        out.append("zzdirect")
    if any(c.lead in cl._CONTRAST for c in parts[1:]):
        out.append("zzbut")
    if any(
        orders[k - 1] and parts[k].lead in ("and", "or") and cl._YOU_FUTURE.search(parts[k].text)
        for k in range(1, len(parts))
    ):
        out.append("zzimpand")
    if cl.advice_question(sentence):
        out.append("zzadvq")
    return out
