"""Language resources loaded once: the blank English pipeline, lookup lemmas, a vocabulary.

Why lookup lemmas: they come with spacy-lookups-data (no download, no model) and let the
classifier and the context-overlap features treat "waited/waiting/waits" as one word.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import spacy_lookups_data
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")


@dataclass(frozen=True)
class Lang:
    """Tokenizer + sentencizer pipeline, lemma lookup and an English vocabulary."""

    nlp: Language
    lemmas: dict[str, str]
    english: frozenset[str]
    verbs: frozenset[str] = frozenset()  # base forms that can be verbs (imperative detection)

    def lemma(self, word: str) -> str:
        w = word.lower().replace("\u2019", "'")
        return self.lemmas.get(w, w)


def _lookup_table(name: str) -> dict:
    """Read one English table of spacy-lookups-data directly (a plain str dict).

    Why not `spacy.lookups.load_lookups`: it re-hashes every key into a Table, which
    costs a few hundred milliseconds of load time for lookups we then do by string.
    """
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"en_{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def get_lang() -> Lang:
    """Build (once per process) the pipeline, lemma table and vocabulary."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    lemmas: dict[str, str] = _lookup_table("lemma_lookup")
    index = _lookup_table("lemma_index")
    words: set[str] = {w.lower() for w in STOP_WORDS}
    for pos in ("noun", "verb", "adj", "adv"):
        words.update(w.lower() for w in index.get(pos, []) if "_" not in w)
    words.update(lemmas)  # inflected forms
    words.update({"ok", "okay", "hi", "hello", "yeah", "nhs", "gp", "sorry", "thanks", "mum", "dad"})
    verbs = frozenset(w.lower() for w in index.get("verb", []) if "_" not in w)
    return Lang(nlp=nlp, lemmas=lemmas, english=frozenset(words), verbs=verbs)


class EnglishVocab:
    """`in` test for the guard: base forms, function words and inflected forms."""

    def __init__(self, lang: Lang) -> None:
        self._lang = lang

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self._lang.english


def simple_tokens(text: str) -> list[str]:
    """Lower-cased word tokens (fast path for features; spaCy does spans and sentences)."""
    return _TOKEN_RE.findall(text.lower().replace("\u2019", "'"))
