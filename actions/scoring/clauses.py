"""Clauses and mood: what each part of a long spoken turn does.

Why: real turns are long. "Ma'am, I need you to calm down. I'm here because your
neighbour called." carries its order in one clause of one sentence; "I understand you're
upset, but that doesn't change the fact that you have to wait" takes back its
acknowledgement in the clause after "but". A bag of words over the whole turn, or a regex
anchored at the start of a sentence, sees neither. This module reads general English
structure (no domain words; those live in rules.yml `clauses:`):

- `split_clauses`: a sentence cut where a new clause starts: before a contrast connective
  ("but", "however", "though", "although", "yet"), at ";" or a dash, and before "and / so /
  or / then" or a comma when a new subject follows ("..., and I'll ring", "If you don't
  stop, I'll..."). Each clause keeps its offsets and its leading connective.
- `imperative`: the clause's verb when the clause is an order or instruction (mood):
  a base-form verb first, after optional fillers and vocatives ("Okay, sir, sit down"),
  "don't" + verb, never a question. "Let me / let's" are proposals, not orders.
- `directive`: "you need to / should / have to / must / 've got to / 'd better" + verb as a
  statement (not "Do you need to...?", not "you need to be seen" (passive: a need, not an
  instruction), not "you should have..." (the past: blame)).
- `yes_but`: an acknowledgement clause followed by a contrast clause that insists or
  contradicts: the contrast takes the acknowledgement back.
- `consequence`: an imperative (or "one more X / any more X") + "and" + a clause with a
  future subject ("... and you'll / I'll / we'll / you're ..."): the conditional-threat
  shape when the imperative continues or repeats the other person's behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.scoring.lang import Lang

_CONTRAST = ("but", "however", "though", "although", "yet", "except", "still")
_SUBJECT = (
    r"(?:i|you|we|he|she|it|they|that|this|there|nobody|no one|everyone|everybody|someone|"
    r"i'm|i'll|i've|i'd|you're|you'll|you've|you'd|we're|we'll|we've|he's|she's|it's|it'll|"
    r"they're|they'll|that's|that'll|there's|the \w+|your \w+|my \w+|our \w+)"
)
_SPLIT = re.compile(
    r"\s*;\s*|\s+[-\u2013\u2014]+\s+"
    rf"|,?\s+(?=(?:but|however|although|though|yet|whereas)\b\W*\w)"
    rf"|,?\s+(?=(?:and|so|or|then)\s+(?:then\s+|also\s+|just\s+)?{_SUBJECT}\b)"
    rf"|,\s*(?={_SUBJECT}\s+(?:\w+\s+)?(?:am|is|are|was|were|do|does|did|don't|doesn't|didn't|will|won't|can|"
    r"can't|could|would|should|must|have|has|had|need|needs|want|wants|know|think|get|got|see|hear|understand|"
    r"'ll|'m|'re|'s|'ve|'d)?\b)",
    re.I,
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_LEAD = re.compile(r"^\W*((?:but|however|although|though|yet|whereas|and|so|or|then)\b)?[\s,]*", re.I)

# words that may come before the verb of an order: fillers, politeness, vocatives
FILLERS = frozenset(
    "oh well so okay ok right now just please hey um er erm yes yeah alright honestly then "
    "sir madam ma'am maam mate love darling dear pal buddy son miss mister mr mrs ms come on kindly "
    "simply actually seriously quickly really".split()
)
# first words that look like base verbs but rarely begin an order
_NOT_ORDER = frozenset(
    "i you we he she it they this that these those there here what how why when where who which whose "
    "is are was were am be been do does did have has had can could will would shall should may might must "
    "thank thanks sorry hello hi bye cheers welcome fine sure absolutely definitely maybe perhaps no not "
    "never always sounds sound seems seem feels feel looks means mean course part fair like even wonder people "
    "up out need needs sleep bless fancy mind guess reckon suppose hope bet imagine love hate want know think "
    "lots lot plenty loads glad good great well done shame pity mean matter".split()
)
_ATTENTION = re.compile(r"\b(?:look|listen|see|hang on|hold on|wait)\s*,", re.I)  # "Look, ..." is not an order
_AUX = frozenset("is are was were 's 're will 'll can could would should has have had must may might".split())
_YOU_FUTURE = re.compile(
    r"^\W*(?:(?:then|also|just)\s+)?(?:you|i|we|they|security|the police)(?:'ll|'re| will| are| won't| will not|"
    r"'re going to| are going to|'ll be| shall)\b|^\W*(?:that'll|that will|that's|it'll|it will) (?:be|get) you\b",
    re.I,
)


@dataclass(frozen=True)
class Clause:
    start: int  # offsets in the sentence the clause came from
    end: int
    text: str  # without its leading connective
    lead: str  # "" (first clause), a connective ("but", "and", ...), "," or ";"


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def split_clauses(sentence: str) -> list[Clause]:
    """The clauses of one sentence, in order, with their offsets and leading connective."""
    cuts = [0]
    seps: list[str] = [""]
    for m in _SPLIT.finditer(sentence):
        if m.end() <= cuts[-1] or m.start() == 0:
            continue
        cuts.append(m.end())
        sep = m.group(0).strip()
        seps.append(";" if sep in (";", "-", "\u2013", "\u2014", "--") else ("," if sep == "," else ""))
    out: list[Clause] = []
    for i, s in enumerate(cuts):
        e = cuts[i + 1] if i + 1 < len(cuts) else len(sentence)
        chunk = sentence[s:e]
        lead_match = _LEAD.match(chunk)
        lead = (lead_match.group(1) or "").lower() if lead_match else ""
        body_start = s + (lead_match.end() if lead_match else 0)
        body = sentence[body_start:e].rstrip(" ,;-\u2013\u2014")
        if not body.strip():
            continue
        out.append(Clause(body_start, body_start + len(body), body, lead or seps[i]))
    return out


def _skip_fillers(ws: list[str]) -> int:
    i = 0
    while i < len(ws) - 1 and (ws[i] in FILLERS or (ws[i] == "come" and ws[i + 1] == "on")):
        i += 2 if ws[i] == "come" and ws[i + 1] == "on" else 1
    return min(i, len(ws) - 1)


def imperative(clause: str, lang: Lang) -> str | None:
    """The verb of an order ("sit", "keep", "don't shout" -> "don't"), or None."""
    text = _ATTENTION.sub(",", clause.strip())
    if text.endswith("?"):
        return None
    ws = words(text)
    if not ws:
        return None
    i = _skip_fillers(ws)
    first = ws[i]
    nxt = ws[i + 1] if i + 1 < len(ws) else ""
    if first in ("don't", "dont") or (first == "do" and nxt == "not"):
        after = ws[i + 2] if first == "do" and i + 2 < len(ws) else nxt
        return "don't" if after and after not in ("you", "we", "they", "i", "know", "think", "worry") else None
    if first == "let" and nxt in ("me", "us", "'s"):
        return None
    if first == "do" and nxt in ("that", "this", "it", "something", "anything", "what", "as", "the", "your", "some"):
        return "do"  # "Do that again", "Do as you're told" (not "Do you...?")
    if first in _NOT_ORDER or first in FILLERS or lang.lemma(first) != first or first not in lang.verbs:
        return None
    if nxt in _AUX or (nxt.endswith("s") and lang.lemma(nxt) != nxt and nxt not in ("yours", "its", "us", "this")):
        return None  # "Water helps", "Time's up": a noun subject, not an order
    return first


_DIRECTIVE = re.compile(
    r"(?<!\bdo )(?<!\bdid )(?<!\bwill )(?<!\bwould )(?<!\bif )(?<!\bwhen )(?<!\bunless )(?<!\bwhat )(?<!\bhow )"
    r"\b(?:you(?:'ve got to|'d better|'d best)|you (?:really |just |honestly |seriously |probably |definitely |still |also |then )?"
    r"(?:need to|needs to|should|ought to|have to|have got to|must|had better)"
    r"|(?:i|we) (?:really |just )?(?:need|want|'d like|would like|'m asking|am asking|'re asking|are asking) you to)"
    r"\s+(?:just |really |also |definitely |probably |start |try (?:and |to )?)?([a-z]+)",
    re.I,
)


def directive(clause: str, lang: Lang) -> str | None:
    """The verb of "you need to / should / have to ... <verb>" as a statement, or None."""
    text = clause.strip()
    if text.endswith("?"):
        return None
    m = _DIRECTIVE.search(text)
    if not m:
        return None
    verb = m.group(1).lower()
    if verb in ("be", "have", "get") and re.match(
        r"\s*(?:\w+ )?(?:seen|told|given|checked|sent|looked|treated|kept|"
        r"been|had|done|referred|admitted|examined)\b",
        text[m.end() :],
        re.I,
    ):
        return None  # "you need to be seen": a need, not an instruction
    if verb in ("have", "'ve") or lang.lemma(verb) != verb and verb not in lang.verbs:
        return None  # "you should have rung": the past, not an instruction
    return verb


def consequence(clauses: list[Clause]) -> int | None:
    """Index of an "and you'll / I'll ..." clause that follows an imperative or a
    "one more / any more" noun phrase (the consequence of a conditional order), or None."""
    for k in range(1, len(clauses)):
        if clauses[k].lead in ("and", "or") and _YOU_FUTURE.search(clauses[k].text):
            return k
    return None


def advice_question(sentence: str) -> bool:
    """A question that is really advice: "Have you tried...?", "Why don't you...?",
    "What about / how about trying...?", "Why not...?", "Have you thought about...?"."""
    return bool(_ADVICE_Q.search(sentence))


_ADVICE_Q = re.compile(
    r"(?:^|[,;]\s*|\b(?:so|and|well|oh|but)\s+)(?:have you (?:\w+ )?(?:tried|thought about|considered|thought of)|"
    r"why (?:don't|do not) you|why not|what about (?:\w+ing|just|maybe)|how about (?:\w+ing|just|maybe)|"
    r"wouldn't it be (?:better|easier) (?:to|if))\b[^?]*\?",
    re.I,
)


@dataclass
class Reading:
    """What the clauses of one sentence do (offsets in the sentence)."""

    clauses: list[Clause]
    cues: list[tuple[str, int, int]]  # (cue, start, end) found by structure
    takes_back: bool = False  # an acknowledgement here is taken back by a later clause
    opens_with_contrast: bool = False  # first clause is "But / However ..." + insistence
    acknowledges: bool = False  # some clause acknowledges (for a "But..." in the next sentence)


def _from_verb(text: str) -> str:
    """The clause from its first non-filler word on ("Okay sir, just sit down" -> "sit down")."""
    text = _ATTENTION.sub(lambda m: " " * len(m.group(0)), text)
    ws = list(re.finditer(r"[a-z]+(?:'[a-z]+)?", text, re.I))
    if not ws:
        return text
    return text[ws[_skip_fillers([w.group(0).lower() for w in ws])].start() :]


_ORDER_CUT = re.compile(r",\s*(?:(?:and|then|so|or)\s+)?|\s+(?:and|then)\s+", re.I)


def _split_orders(c: Clause, lang: Lang) -> list[Clause]:
    """Cut a clause where an order starts: after a comma ("It's only a cold, get some
    rest") or, after an order, at "and / then" ("Sit down and listen")."""
    for m in _ORDER_CUT.finditer(c.text):
        after = c.text[m.end() :]
        if not imperative(after, lang) or not words(c.text[: m.start()]):
            continue
        if "," not in m.group(0) and (not imperative(c.text[: m.start()], lang) or len(words(c.text[: m.start()])) < 2):
            continue  # "sit down and listen" is two orders; "go and see" is one
        lead = (words(m.group(0)) or [","])[0]
        head = Clause(c.start, c.start + m.start(), c.text[: m.start()], c.lead)
        tail = Clause(c.start + m.end(), c.end, after, lead)
        return [head] + _split_orders(tail, lang)
    return [c]


def read(sentence: str, lang: Lang, lex, empathic=None) -> Reading:
    """Read one sentence clause by clause. `lex` is rules.yml `clauses:` (rules.ClauseLexicon);
    `empathic(text)` says whether a clause names an emotion or validates (the cue rules)."""
    clauses = [x for c in split_clauses(sentence) for x in _split_orders(c, lang)]
    r = Reading(clauses, [])
    if lex is None or not clauses:
        return r
    acks: list[int] = []
    for k, c in enumerate(clauses):
        if lex.acknowledge.search(c.text) or (empathic is not None and empathic(c.text)):
            acks.append(k)
        verb = imperative(c.text, lang)
        rest = _from_verb(c.text) if verb else ""
        d = None if verb else directive(c.text, lang)
        if d:
            m = _DIRECTIVE.search(c.text)
            rest = c.text[m.start(1) :] if m else ""
        if rest:
            if lex.behaviour.search(rest):
                r.cues.append(("command", c.start, c.end))
            elif verb and lex.advice.search(rest) and not re.search(r"\b(?:me|us)\b", rest[:40], re.I):
                r.cues.append(("advise_unasked", c.start, c.end))
        if k > 0 and c.lead in ("and", "or") and _YOU_FUTURE.search(c.text) and lex.consequence.search(c.text):
            prev = clauses[k - 1]
            # "Sit down or I'll call security": an order + "or" + a sanction is an ultimatum;
            # with "and" the order must continue or repeat their behaviour ("Keep that up
            # and...", "Do that again and...", "One more word and...")
            ordered = imperative(prev.text, lang) is not None
            counted = bool(re.match(r"^\W*(?:just )?(?:one|any|another|a single) ", prev.text, re.I))
            if (c.lead == "or" and ordered) or (lex.continuation.search(prev.text) and (ordered or counted)):
                # an order inside an ultimatum stays an order too (GUIDE: command + threaten)
                r.cues.append(("threaten", prev.start, c.end))
        if c.lead in _CONTRAST and lex.insist.search(c.text):
            if any(a < k for a in acks):
                r.takes_back = True
                r.cues.append(("argue", c.start, c.end))
            elif k == 0:
                r.opens_with_contrast = True
    r.acknowledges = bool(acks)
    return r
