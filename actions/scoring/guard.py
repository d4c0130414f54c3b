"""Input guard: turn any string into something safe to score, plus flags.

Why: learners paste anything (emoji, other languages, control characters, whole e-mails).
The scorer must answer clearly ("no cues, here is why") and never crash. Control
characters are replaced by spaces *of the same length* so that cue spans still index the
original text; long text is cut (not rejected) so a long but genuine reply still scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field

MAX_CHARS = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class Guarded:
    """The text to analyse (same offsets as the original prefix) and the flags raised."""

    text: str
    flags: list[str] = field(default_factory=list)
    skip: bool = False  # True: do not look for cues (empty, emoji-only, non-English)


def _is_latin(ch: str) -> bool:
    try:
        return "LATIN" in unicodedata.name(ch)
    except ValueError:
        return False


def guard(text: object, english_words: Container[str]) -> Guarded:
    """Clean `text` and decide whether it is worth scoring.

    `english_words` is a lowercase vocabulary (function words plus the lookup-lemma table)
    used to tell English from other languages written in Latin script.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    flags: list[str] = []
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS)
        text = text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]
        flags.append("truncated")
    cleaned = _CONTROL.sub(" ", text)
    if cleaned != text:
        flags.append("control_chars")
    # Normalise exotic whitespace (tabs/newlines stay: they are single chars).
    if not cleaned.strip():
        flags.append("empty")
        return Guarded(cleaned, flags, skip=True)
    words = _WORD.findall(cleaned)
    letters = "".join(words)
    if not letters:
        flags.append("no_words")  # emoji-only, punctuation, digits
        return Guarded(cleaned, flags, skip=True)
    latin = sum(1 for ch in letters if ch.isascii() or _is_latin(ch))
    if latin / len(letters) < 0.5:
        flags.append("non_english")
        return Guarded(cleaned, flags, skip=True)
    lowered = [w.lower() for w in words]
    if len(lowered) >= 3:
        known = sum(1 for w in lowered if w in english_words)
        if known / len(lowered) < 0.4:
            flags.append("non_english")
            return Guarded(cleaned, flags, skip=True)
    return Guarded(cleaned, flags, skip=False)


_FILLERS = re.compile(
    r"(?<![\w'-])(?:u+m+|u+h+|e+r+m*|a+h+|m{2,}|h+m+|mhm|mm-hmm|uh-huh|uh-uh)(?![\w'-])"
    r"|(?<![\w'])(?:you know|i mean)(?=\s*,)",
    re.I,
)


# A turn that opens with bare acknowledgements ("Yeah. Yeah.", "Okay.", "Right.") before
# what is really said. Not "no", "yes", "sure" or "well": those can carry argument or irony.
_BACKCHANNEL_START = re.compile(
    r"^(?:\s*(?:yeah|yep|yup|okay|ok|right|alright|all right|oh okay|i see|mm+|mhm|mm-hmm|uh-huh)\s*[.!]+)+(?=\s+\S)",
    re.I,
)
# A stutter or restart: the same word twice in a row ("it's- it's", "the the"). Not across a
# comma: "sent you, you came" and "no, no" are said on purpose.
_REPEAT = re.compile(r"(?<![\w'])([a-z]+(?:'[a-z]+)?)(?:\s*-\s*|\s+)(?=\1(?![\w']))", re.I)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def mask_fillers(text: str) -> str:
    """Blank out spoken disfluencies: fillers ("um", "erm", "mm-hmm", "you know,", "I mean,"),
    a turn's opening acknowledgements ("Yeah. Okay.") and stutters ("it's- it's").

    Why: transcripts of real conversations are full of them, and they sit exactly where the
    rules look (the start of a sentence: "um, so it sounds like..."), and a bag-of-words
    classifier trained on written turns reads them as content. They are replaced by spaces
    of the same length, so cue spans still index the original text.
    """
    return _REPEAT.sub(_blank, _FILLERS.sub(_blank, _BACKCHANNEL_START.sub(_blank, text)))
