"""Open vs closed questions by sentence structure, not by memorised sentences.

Why structure: held-out conversations use words we never saw, but English question
syntax is small. A sentence (or a clause after "but", "so", a comma) is
- an OPEN question when it starts with an open wh-word (what/how/why, except fact-seeking
  forms like "what time", "how long", "what's your date of birth"), or is an invitation to
  tell ("tell me", "talk me through", "can you tell me what happened", "I wonder how...");
- a CLOSED question when it starts with an auxiliary or modal followed by its subject
  ("did you", "is it", "have they", "would you like") or with a closed wh-word
  (when/where/who/which, "how many"), or is a declarative or fragment ending in "?";
- not a question when an "aux + you" form is a request to do something ("could you take a
  seat", "can you just calm down") -- that is a request (maybe `command`), not a question.
Word lists live in rules.yml (`questions:`) so they can be extended without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class QuestionLexicon:
    """Word lists read from rules.yml."""

    open_wh: frozenset[str]
    closed_wh: frozenset[str]
    closed_after_how: frozenset[str]
    fact_nouns: frozenset[str]
    auxiliaries: frozenset[str]
    subjects: frozenset[str]
    tell_verbs: frozenset[str]
    info_verbs: frozenset[str]
    open_objects: frozenset[str]
    lead_ins: frozenset[str]
    invitations: tuple[re.Pattern[str], ...]
    closed_patterns: tuple[re.Pattern[str], ...]
    not_questions: tuple[re.Pattern[str], ...]
    checks: re.Pattern[str] | None

    @classmethod
    def from_config(cls, cfg: dict) -> QuestionLexicon:
        """Build from the `questions:` mapping of rules.yml."""

        def fs(key: str) -> frozenset[str]:
            return frozenset(str(w).lower() for w in cfg.get(key, []))

        return cls(
            open_wh=fs("open_wh"),
            closed_wh=fs("closed_wh"),
            closed_after_how=fs("closed_after_how"),
            fact_nouns=fs("fact_nouns"),
            auxiliaries=fs("auxiliaries"),
            subjects=fs("subjects"),
            tell_verbs=fs("tell_verbs"),
            info_verbs=fs("info_verbs"),
            open_objects=fs("open_objects"),
            lead_ins=fs("lead_ins"),
            invitations=tuple(re.compile(p, re.I) for p in cfg.get("invitations", [])),
            closed_patterns=tuple(re.compile(p, re.I) for p in cfg.get("closed_patterns", [])),
            not_questions=tuple(re.compile(p, re.I) for p in cfg.get("not_questions", [])),
            checks=re.compile("|".join(f"(?:{p})" for p in cfg["checks"]), re.I) if cfg.get("checks") else None,
        )


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


_CAPITALISED = re.compile(r"(?<=\s)[A-Z][a-z]+(?:'s)?\b")


def _names(clause: str) -> frozenset[str]:
    """The clause's capitalised words after its first (names, titles), lower-cased."""
    return frozenset(m.group().lower() for m in _CAPITALISED.finditer(clause.replace("\u2019", "'")))


def is_check(sentence: str, lex: QuestionLexicon) -> bool:
    """A comprehension/agreement check ("Is that right?", "Does that make sense?")."""
    return bool(lex.checks and lex.checks.search(sentence.strip()))


def _strip_lead(words: list[str], lex: QuestionLexicon) -> list[str]:
    """Drop discourse lead-ins ("so", "okay", "and", "please", names after a comma...)."""
    i = 0
    while i < len(words) and words[i] in lex.lead_ins:
        i += 1
    return words[i:]


def _classify_clause(
    words: list[str],
    has_qmark: bool,
    lex: QuestionLexicon,
    mid_sentence: bool = False,
    names: frozenset[str] = frozenset(),
) -> str | None:
    """Return 'open' or 'closed' for a clause that STARTS like a question, else None.

    Only structural starts count here (wh-word, auxiliary + subject); declaratives ending
    in "?" are handled by the caller as weak closed questions. `names` are the clause's
    capitalised words (lower-cased): a name is a subject too ("Is CHLOE around today?",
    "Does KAI live with you?").
    """
    w = _strip_lead(words, lex)
    if not w:
        return None
    first = w[0]
    second = w[1] if len(w) > 1 else ""
    head = set(w[1:4])
    base = first.split("'")[0]
    if base in lex.open_wh:
        if len(w) == 1 and not has_qmark:
            return None
        if second in {"a", "an"} and not has_qmark:  # "what a day", "how a..." exclamations
            return None
        if base == "how" and second in lex.closed_after_how:
            return "closed"
        if base == "what" and (second in lex.fact_nouns or (head & lex.fact_nouns and "your" in head)):
            return "closed"
        if (
            not has_qmark
            and second not in lex.auxiliaries
            and second not in {"happened", "else", "about", "if", "would", "could", "can", "do", "did", "does"}
        ):
            return None  # "what I can do is ...", "how it works is ..." are statements
        return "open"
    if base in lex.closed_wh:
        if len(w) == 1 and not has_qmark:
            return None
        if mid_sentence and (not has_qmark or second not in lex.auxiliaries):
            # ", which can take a few hours", "..., when that happened?": a relative or
            # subordinate clause; a real wh-question inverts ("..., when did it start?")
            return None
        if not has_qmark and second not in lex.auxiliaries:
            return None  # "when you're ready, ..." is a clause, not a question
        factual = bool(set(w[1:5]) & lex.fact_nouns) or second in {"did", "was", "were", "will", "time"}
        if base == "where" and not factual:
            return "open"  # "where does that leave you?", "which matters most to you?"
        if base in {"when", "who"} and second in {"do", "does"} and not factual:
            return "open"  # "when do you notice it most?", "who do you talk to?"
        return "closed"
    if first in {"can", "could", "shall"} and second == "we" and len(w) > 2 and w[2] not in {"tell", "ask"}:
        return "request"  # "can we talk at a normal volume?" proposes, it does not ask
    if first in lex.auxiliaries and (second in lex.subjects or second in names):
        if not has_qmark and (second not in _PRONOUNS or "'" in first):
            return None  # "have a seat", "don't you worry" are imperatives
        tail = w[2:]
        if second == "you" and any(v in lex.tell_verbs for v in tail[:4]):
            facts = any(x in lex.fact_nouns for x in tail)
            opens = any(x in lex.open_objects for x in tail) or any(x in lex.open_wh for x in tail)
            if opens and not facts:
                return "open"
            return "closed"
        if second == "you" and first in {"can", "could", "would", "will"}:
            if first == "would" and tail[:1] and tail[0] in {"like", "rather", "prefer", "mind", "be"}:
                return "closed"
            if any(v in lex.info_verbs for v in tail[:3]):
                return "closed"
            if _looks_like_request(w):
                return "request"  # "could you take a seat?" is a request, not a question
            return "closed" if has_qmark else None
        if has_qmark or len(w) >= 3:
            return "closed"
    return None


_TAG_ENDS = frozenset("i we you say think reckon agree".split())  # "..., would you say?"
_PRONOUNS = frozenset("i you we he she it they there anyone anybody someone somebody".split())

_REQUEST_VERBS = frozenset(
    "calm relax stop sit wait take lower keep quiet move step come go leave hold give put be just please "
    "bear speak talk listen try settle hang fill not pop roll lift hop slip pass sign bring turn open close "
    "breathe lie stand follow kindly quickly".split()
)


def _looks_like_request(words: list[str]) -> bool:
    return len(words) > 2 and (words[2] in _REQUEST_VERBS)


_CLAUSE_SPLIT = re.compile(r"(?:,|;|:|\s-\s|\s\u2013\s|\bbut\b|\band\b|\bor\b|\bso\b)", re.I)


_TAG = re.compile(
    r",\s*(?:(?:eh|right|yeah|no|ok|okay)|(?:is|are|was|were|do|does|did|will|would|can|could|shall|should|have|has|had"
    r"|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|shouldn't|haven't|hasn't)"
    r"\s+(?:it|i|you|we|they|he|she|there|that|this))\W*\?\W*$",
    re.I,
)  # "..., is it?" / "..., would you?": a tag on a statement or order, not a question

_CONJ_LEAD = re.compile(r"(?:[\s,;:\-\u2013]*(?:but|and|or|so)\b)*[\s,;:\-\u2013]*", re.I)


@dataclass(frozen=True)
class QuestionHit:
    """A question found in one sentence: kind, clause span, and whether syntax proved it."""

    kind: str  # "open" | "closed"
    start: int
    end: int
    strong: bool  # False: only a "?" on a declarative or fragment


def find_tag_check(sentence: str) -> QuestionHit | None:
    """A statement closed by a question tag ("And you're Kai's dad, yeah?", "Three weeks ago,
    was it?"), as the span of the statement, or None.

    A tag question carries no question cue: it does what its statement does (GUIDE.md). But
    it checks something with the listener, who answers it ("Yes, I'm his dad"), so the patient
    hears the statement as asked. `find_questions` finds no question in such a sentence."""
    text = sentence.rstrip()
    tag = _TAG.search(text)
    if tag is None or len(_words(text[: tag.start()])) < 2:
        return None
    return QuestionHit("tag", 0, tag.start(), False)


def find_questions(sentence: str, lex: QuestionLexicon) -> list[QuestionHit]:
    """Every question clause of one sentence ("How long, and how is it affecting you?" has two).

    The span runs from the start of the question clause to the end of the sentence, so a
    preamble ("I know it's been a long day, but") is not quoted as the question.
    """
    text = sentence.rstrip()
    has_qmark = "?" in text[-3:]
    for pat in lex.invitations:
        m = pat.search(text)
        if m:
            return [QuestionHit("open", m.start(), len(text), True)]
    if any(p.search(text) for p in lex.not_questions) or _TAG.search(text):
        return []
    if any(p.search(text) for p in lex.closed_patterns):
        return [QuestionHit("closed", 0, len(text), True)]
    starts = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(text)]
    hits: list[QuestionHit] = []
    kinds: set[str] = set()
    tagged = bool(re.search(r",\s*(?:eh|right|yeah|no)\W*$", text, re.I))
    for i, s in enumerate(starts):
        clause = text[s:]
        words = _words(clause)
        if not words:
            continue
        kind = _classify_clause(words, has_qmark, lex, mid_sentence=i > 0, names=_names(clause))
        if kind == "request":
            return []
        if kind is None or kind in kinds:
            continue
        if i > 0 and len(words) <= 3 and kind == "closed" and words[-1] in lex.subjects | _TAG_ENDS:
            tagged = True
            continue  # tag question: "..., is it?" / "..., shall I?" is not a real question
        lead_match = _CONJ_LEAD.match(clause)  # always matches (possibly empty)
        lead = lead_match.end() if lead_match else 0
        hits.append(QuestionHit(kind, s + lead, len(text), True))
        kinds.add(kind)
    if not hits and has_qmark and not tagged and _words(text):
        hits.append(QuestionHit("closed", 0, len(text), False))
    return hits
