"""Classifier input: lemmas and sentence-structure markers of the utterance (structure.py)
plus context features as pseudo-words.

Why pseudo-words: a bag-of-ngrams text classifier cannot see the patient's previous line,
but a reflection is defined by its relation to that line. We measure the relation (lemma
overlap, feelings echoed or newly named) and append it as tokens such as `zzovhi`, so the
classifier learns e.g. "second-person statement + high overlap = simple reflection".
"""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from actions.scoring.lang import Lang, simple_tokens
from actions.scoring.structure import sentence_tokens, sentences

_STOP = frozenset(w.lower() for w in STOP_WORDS) | {"'s", "'re", "'ve", "'d", "'ll", "'m", "n't", "?", "!"}


def content_lemmas(lang: Lang, text: str) -> set[str]:
    return {lang.lemma(t) for t in simple_tokens(text) if t not in _STOP and len(t) > 1}


def overlap(lang: Lang, text: str, context: str) -> float:
    """Share of the utterance's content lemmas that also occur in the context."""
    if not context:
        return 0.0
    mine = content_lemmas(lang, text)
    if not mine:
        return 0.0
    return len(mine & content_lemmas(lang, context)) / len(mine)


def feeling_words(lang: Lang, text: str, feelings: frozenset[str]) -> set[str]:
    toks = simple_tokens(text)
    found = {t for t in toks if t in feelings}
    found |= {f"{a} {b}" for a, b in zip(toks, toks[1:]) if f"{a} {b}" in feelings}
    return {lang.lemma(f) for f in found}


def feature_tokens(lang: Lang, text: str, context: str, feelings: frozenset[str]) -> list[str]:
    """Pseudo-words describing how the utterance relates to the context."""
    out: list[str] = []
    if not context.strip():
        out.append("zznoctx")
    else:
        ov = overlap(lang, text, context)
        out.append("zzovhi" if ov >= 0.4 else "zzovmid" if ov >= 0.2 else "zzovlow" if ov > 0 else "zzovnone")
        ctx_feel = feeling_words(lang, context, feelings)
        if ctx_feel:
            out.append("zzctxfeel")
        out.extend(context_tokens(text, context, ov))
    mine = feeling_words(lang, text, feelings)
    if mine:
        out.append("zzfeel")
        if context and mine - feeling_words(lang, context, feelings):
            out.append("zzfeelnew")
    toks = simple_tokens(text)
    if toks[:1] and toks[0] in {"you", "you're", "you've", "your", "so"}:
        out.append("zzstartyou")
    if "?" in text[-3:]:
        out.append("zzqmark")
    return out


_NEG = frozenset(
    "not no never nothing nobody none n't can't cannot won't don't doesn't didn't isn't aren't wasn't "
    "weren't haven't hasn't hadn't couldn't wouldn't shouldn't".split()
)
_YOU = frozenset("you you're you've you'll you'd your yours".split())
_ME = frozenset("i i'm i've i'll i'd we we're we've we'll we'd".split())


def context_tokens(text: str, context: str, ov: float) -> list[str]:
    """How the reply stands to the patient's line (general dialogue-act cues).

    - `zzctxq`: they asked a question, so a statement back is likely an answer (explain).
    - `zzctxyou`: their line is about *you* (the staff, "you lost my results"), so a reply
      about "I/we" is likely a defence (argue) and "you" back may be blame.
    - `zzpolflip`: shared content words but opposite polarity ("You've lost them" /
      "They're not lost"): a contradiction.
    """
    out: list[str] = []
    ctoks, toks = simple_tokens(context), simple_tokens(text)
    if context.rstrip().endswith("?"):
        out.append("zzctxq")
    if _YOU & set(ctoks):
        out.append("zzctxyou")
        if toks and toks[0] in _ME or (len(toks) > 1 and toks[0] in ("no", "yes", "well") and toks[1] in _ME):
            out.append("zzdefend")
    if ov > 0 and bool(_NEG & set(ctoks)) != bool(_NEG & set(toks)):
        out.append("zzpolflip")
    return out


def classifier_words(lang: Lang, text: str, context: str, feelings: frozenset[str]) -> list[str]:
    """The token list the text classifier sees: lemmas + feature pseudo-words."""
    words = [w for sent in sentences(text) for w in sentence_tokens(lang, sent)]
    return (words or ["zzempty"]) + feature_tokens(lang, text, context, feelings)
