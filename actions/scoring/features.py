"""Classifier input: lemmas of the utterance plus context features as pseudo-words.

Why pseudo-words: a bag-of-ngrams text classifier cannot see the patient's previous line,
but a reflection is defined by its relation to that line. We measure the relation (lemma
overlap, feelings echoed or newly named) and append it as tokens such as `zzovhi`, so the
classifier learns e.g. "second-person statement + high overlap = simple reflection".
"""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from actions.scoring.lang import Lang, simple_tokens

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


def classifier_words(lang: Lang, text: str, context: str, feelings: frozenset[str]) -> list[str]:
    """The token list the text classifier sees: lemmas + feature pseudo-words."""
    words = [lang.lemma(t) for t in simple_tokens(text)]
    return (words or ["zzempty"]) + feature_tokens(lang, text, context, feelings)
