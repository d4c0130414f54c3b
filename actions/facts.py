"""Which of the patient's facts a learner's question asks about.

Why words first, and a classifier that is not per scenario: each scenario has its own facts,
written by trainers, and a new scenario must work without training anything. A question on a
topic uses a small, general vocabulary whatever the scenario ("how long", "since when",
"what's worrying you"), kept as data in ``data/topics.yml``; each fact adds the scenario's own
words (``keywords``: "appointment", "chest"). Questions are compared as lemmas from the cue
scorer's lookup table, so "waited", "waiting" and "waits" are one word. What words cannot
list ("Has anyone been with you?") a general topic classifier reads
(``actions.topic_classifier``, trained on questions from many situations, none of ours).

The question itself is the one the cue scorer found: the matcher reads the spans of the
turn's open and closed question cues on the score card (one reading of the learner's words),
so the patient answers exactly the questions the feedback shows.

Scoring (weights and threshold in ``data/topics.yml``): a phrase of the fact's topic in the
question, each word of its topic, each of its keywords (each word once, at its strongest),
the share of word pairs it has with the closest of the fact's example questions (`asks`),
plus the classifier's probability for the fact's topic. A question led by a question word
("who", "when") is answered only by facts of that word's topics. The best fact answers when
it reaches the threshold and beats, by the margin, every fact of another topic and the
evidence that the question is on no topic: the classifier's reading of "none", and each content
word nothing accounts for (no topic's word, nothing in the patient's facts: "Who's your
favourite darts player?" is led like a question about people, but asks about darts).
A topic's frame around nothing of the patient's ("Are you scared of snakes?") adds to that
evidence, and a name the patient's facts never say ("What happened on Coronation Street?")
settles it. A question about the member of staff ("How long have I been on this desk?")
reaches no fact.
Otherwise nothing matches and the patient deflects, because a deflection is natural and a
wrong fact is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from spacy.lang.en.stop_words import STOP_WORDS

from actions.scenarios import Fact
from actions.scoring.errors import DataError
from actions.scoring.lang import get_lang, simple_tokens
from actions.scoring.result import TAG_QUESTION
from actions.vocabulary import LEVELS, REPO_ROOT, TOPICS, Topic

TOPICS_PATH = REPO_ROOT / "data" / "topics.yml"
QUESTION_CUES = ("open_question", "closed_question", TAG_QUESTION)
# Clitics as the words they stand for ("'s" is "is" or "has": both are function words here).
_CLITICS = {"'s": "be", "'re": "be", "'m": "be", "'ve": "have", "'ll": "will", "'d": "would"}
_NEGATED = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "be"}


@lru_cache(maxsize=1)
def _lemma_exceptions() -> dict[str, str]:
    """Words whose lookup lemma is wrong ("worst" -> "wrong", "does" -> "doe"), with their
    right lemma, from data/topics.yml's `lemma_exceptions`."""
    raw = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8")) or {}
    return {str(w).lower(): str(lemma).lower() for w, lemma in (raw.get("lemma_exceptions") or {}).items()}


def lemmas(text: str) -> list[str]:
    """The words of `text` as lemmas, with clitics spelled out ("what's" -> what, be)."""
    lang = get_lang()
    keep = _lemma_exceptions()

    def lemma(word: str) -> str:
        return keep.get(word) or lang.lemma(word)

    out: list[str] = []
    for token in simple_tokens(text):
        if token in ("?", "!"):
            continue
        if token.endswith("n't"):
            out += [_NEGATED.get(token) or lemma(token[:-3]), "not"]
            continue
        head, sep, tail = token.partition("'")
        out.append(lemma(head) if sep else lemma(token))
        if sep:
            out.append(_CLITICS.get("'" + tail, tail))
    return out


@lru_cache(maxsize=1024)
def keyword_lemmas(keywords: tuple[str, ...]) -> frozenset[str]:
    """A fact's keywords as lemmas, once per fact: every question is scored against every fact."""
    return frozenset(lemma for keyword in keywords for lemma in lemmas(keyword))


@lru_cache(maxsize=1024)
def _ask_pairs(asks: tuple[str, ...]) -> tuple[frozenset[tuple[str, str]], ...]:
    return tuple(frozenset(zip(words, words[1:], strict=False)) for words in map(lemmas, asks))


def asked_like(words: Sequence[str], asks: tuple[str, ...]) -> float:
    """How much a question is worded like the closest of a fact's example questions: the share
    of word pairs they have in common, out of the shorter's ("How long has he been like this?"
    and "How long has he been like this, roughly?" share all of the first's). The trainer's
    examples are how they expect the fact to be asked; a new scenario needs nothing else."""
    pairs = frozenset(zip(words, words[1:], strict=False))
    if not pairs:
        return 0.0
    return max((len(pairs & ask) / max(min(len(pairs), len(ask)), 1) for ask in _ask_pairs(asks)), default=0.0)


def fact_world(fact: Fact) -> frozenset[str]:
    """Every word the patient's fact is told in (its keywords, gist, example questions and
    answers), as lemmas: the things in the patient's world a question can be about."""
    texts = (fact.about, fact.gist, *fact.keywords, *fact.asks)
    texts += tuple(line.text for level in LEVELS for line in fact.answers_at(level))
    return _world_lemmas(texts)


@lru_cache(maxsize=1024)
def _world_lemmas(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(lemma for text in texts for lemma in lemmas(text))


def _has_phrase(words: Sequence[str], phrase: Sequence[str], gap: int) -> bool:
    """The phrase's lemmas appear in order, each at most `gap` words after the one before."""
    for start, word in enumerate(words):
        if word != phrase[0]:
            continue
        at = start
        for part in phrase[1:]:
            window = words[at + 1 : at + 2 + gap]
            if part not in window:
                break
            at = at + 1 + window.index(part)
        else:
            return True
    return False


@dataclass(frozen=True)
class TopicWords:
    """The general vocabulary of questions on one topic, as lemmas."""

    phrases: tuple[tuple[str, ...], ...]
    strong: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class FactMatch:
    """The fact a question asks about, how strongly, and the question's words."""

    fact: Fact
    score: float
    question: str


@dataclass(frozen=True)
class TopicLexicon:
    """data/topics.yml, loaded: each topic's phrases and words, and the scoring numbers."""

    topics: Mapping[Topic, TopicWords]
    threshold: float
    margin: float
    phrase_weight: float
    strong_weight: float
    word_weight: float
    keyword_weight: float
    phrase_gap: int
    asks_weight: float = 0.0
    classifier_weight: float = 0.0
    classifier_temperature: float = 1.0
    regression_temperature: float = 1.0
    common_words: frozenset[str] = frozenset()
    question_words: Mapping[tuple[str, ...], frozenset[Topic]] = field(default_factory=dict)
    question_forms: Mapping[tuple[str, ...], frozenset[Topic]] = field(default_factory=dict)
    lead_ins: frozenset[str] = frozenset()
    unexplained_weight: float = 0.0
    off_world_weight: float = 0.0
    clause_openers: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    clause_embedders: frozenset[str] = frozenset()
    purpose_openers: frozenset[str] = frozenset()
    leading_openers: frozenset[str] = frozenset()
    auxiliaries: frozenset[str] = frozenset()
    wh_words: frozenset[str] = frozenset()
    offer_modals: frozenset[str] = frozenset()
    conversation_words: frozenset[str] = frozenset()
    tag_words: frozenset[str] = frozenset()
    tails: tuple[tuple[str, ...], ...] = ()
    adjunct_prepositions: frozenset[str] = frozenset()
    aside_words: frozenset[str] = frozenset()
    endearments: frozenset[str] = frozenset()

    def is_tag(self, words: Sequence[str]) -> bool:
        """A question tag ("is that right", "was it", "yeah"): a few words, all of `tag_words`."""
        return 0 < len(words) <= 4 and all(w in self.tag_words for w in words)

    def about_speaker(self, words: Sequence[str]) -> bool:
        """Whether the question asks about the member of staff, not the patient: "I" is the
        subject of the clause that is asked ("How long have I been on this desk?", "Do you know
        how long I've been answering these phones?", "Have I had this cardigan long?").

        The asked clause is one where "I" follows a question word ("...how long I've been") or
        an auxiliary that opens the question ("have I", "how long have I"). Not offers and
        requests ("what can I do", "could I ask", "would it help if I"), which ask the patient
        what they want, and not the conversation itself ("Who am I speaking to?", "Have I
        got that right?"), which asks about the patient or checks what they said."""
        for at, word in enumerate(words):
            if word != "i":
                continue
            after = [w for w in words[at + 1 : at + 4] if w not in self.auxiliaries and w != "not"]
            if words[at + 1 : at + 2] and words[at + 1] in self.offer_modals:
                continue
            if after and after[0] in self.conversation_words:
                continue
            before = words[at - 1] if at else ""
            if before in self.wh_words:
                return True
            if before in self.auxiliaries:
                opening = words[: at - 1]
                if not opening or opening[-1] in self.wh_words or all(w in self.lead_ins for w in opening):
                    return True
        return False

    def main_clause(self, words: Sequence[str]) -> list[str]:
        """The question without a time clause added after its lead ("How was your dad in himself
        WHEN HE WAS WAITING?", "Have you noticed a change SINCE SHE CAME IN?"): the clause says
        when, the rest says what is asked. A clause is an opener ("when", "since") followed by a
        subject pronoun, so "since yesterday" or "since when" stay. Lemmas carry no commas, so
        the clause is taken to run to the end of the question, where such clauses go."""
        start = self._first_after_lead_ins(words) + 1
        for at in range(start, len(words) - 1):
            if words[at + 1] not in self.subjects:
                continue
            if words[at] in self.purpose_openers:
                return list(words[:at])  # "..., so I can pull up his records": why it is asked
            if words[at] not in self.clause_openers:
                continue
            if words[at - 1] in self.lead_ins or words[at - 1] in self.clause_embedders:
                continue  # "do you know (roughly) when it started": the clause is the question
            return list(words[:at])
        return list(words)

    def without_tail(self, words: Sequence[str]) -> list[str]:
        """The question without a polite or checking tail ("Who's that, IF YOU DON'T MIND ME
        ASKING?", "When did you book it, CAN YOU REMEMBER?"): the tail asks nothing itself."""
        for tail in self.tails:
            rest = words[: -len(tail)]
            if tuple(words[-len(tail) :]) == tail and any(w not in self.lead_ins for w in rest):
                return list(rest)
        return list(words)

    def without_adjunct(self, question: str) -> str:
        """The question without a short phrase of place or time added after its last comma
        ("Has she been poorly lately, AT HOME?", "Is he eating, IN HERE?"): it says where or
        when, not what is asked. A phrase is one of `adjunct_prepositions` and at most three
        more words, so a clause after the comma stays."""
        head, comma, after = question.rstrip(" ?!.").rpartition(",")
        phrase = lemmas(after)
        if comma and 0 < len(phrase) <= 4 and phrase[0] in self.adjunct_prepositions and len(lemmas(head)) >= 3:
            return head
        return question

    def without_vocatives(self, question: str) -> str:
        """The question without the name or endearment it is addressed with, set off by commas
        ("Do you live on your own, IRENE?", "How long, MRS SOLANKI, since your husband
        passed?", "What can I do for you, SWEETHEART?"): it says who is asked, not what. A
        vocative is a part between commas of at most three words, each capitalised (a name or
        a title) or one of `endearments`; "I" and the question's other parts stay."""
        parts = question.split(",")
        if len(parts) < 2:
            return question

        def vocative(part: str) -> bool:
            words = _WORD.findall(part)
            return 0 < len(words) <= 3 and all(
                (w[0].isupper() and w != "I") or w.lower() in self.endearments for w in words
            )

        kept = [part for part in parts if not vocative(part)]
        if not kept or all(not _WORD.findall(part) for part in kept):
            return question
        ending = question.rstrip()[-1:] if question.rstrip()[-1:] in "?!." else ""
        text = ",".join(kept).rstrip()
        return text if text.endswith(ending) else text + ending

    def read(self, question: str) -> list[str]:
        """A question as the matcher and the classifier read it: its main clause, as lemmas."""
        return self.main_clause(self.without_tail(lemmas(self.without_adjunct(self.without_vocatives(question)))))

    def _first_after_lead_ins(self, words: Sequence[str]) -> int:
        at = 0
        while at < len(words) and words[at] in self.lead_ins:
            at += 1
        return at

    def lead_word(self, words: Sequence[str]) -> str | None:
        """The first word after the lead-ins ("sorry, can I just ask, WHEN did..."), if any."""
        at = self._first_after_lead_ins(words)
        return words[at] if at < len(words) else None

    def after_leading_clause(self, question: str) -> str | None:
        """The main question after a subordinate clause that opens it ("When he rang the
        surgery, WHO DID HE SPEAK TO?", "If we did weigh her, WHERE WOULD YOU RATHER?"), or
        None when it opens with its main clause. The clause is one of `leading_openers` and a
        subject pronoun, up to a comma; its "when" or "if" leads nothing that is asked."""
        parts = question.split(",")
        for at, part in enumerate(parts[:-1]):
            words = lemmas(part)
            start = 0
            while start < len(words) and words[start] in self.lead_ins and words[start] not in self.leading_openers:
                start += 1
            if start == len(words):
                continue  # "So, when he rang...": lead-ins before the clause
            clause = words[start : start + 2]
            if len(clause) == 2 and clause[0] in self.leading_openers and clause[1] in self.subjects:
                rest = ",".join(parts[at + 1 :]).strip()
                return rest if any(w not in self.lead_ins for w in lemmas(rest)) else None
            return None
        return None

    def answer_topics(self, words: Sequence[str], question: str = "") -> frozenset[Topic] | None:
        """The topics a question can be about by the word that leads it ("who" asks for a
        person), or None when its lead says nothing (a "what", an "is it", a statement).
        A subordinate clause that opens the question leads nothing: its main clause's lead
        decides.

        Lemmas lose tense, so the question's own words are tried first against
        `question_forms` ("when DID it start" asks how long ago; "when DO you start" may ask
        for a time)."""
        main = self.after_leading_clause(question) if question else None
        if main is not None:
            return self.answer_topics(self.read(main), main)
        spoken = [t for t in simple_tokens(question) if t not in ("?", "!")]
        lead = 0
        while lead < len(spoken) and get_lang().lemma(spoken[lead]) in self.lead_ins:
            lead += 1
        for form in sorted(self.question_forms, key=len, reverse=True):
            if tuple(spoken[lead : lead + len(form)]) == form:
                return self.question_forms[form]
        at = self._first_after_lead_ins(words)
        for head in sorted(self.question_words, key=len, reverse=True):
            if tuple(words[at : at + len(head)]) == head:
                return self.question_words[head]
        return None

    def topic_probabilities(self, words: Sequence[str]) -> Mapping[str, float]:
        """The topic classifier's reading of the question ({} without a corpus)."""
        from actions.topic_classifier import features, load_classifier

        classifier = load_classifier()
        if classifier is None:
            return {}
        return classifier.probabilities(
            features(words, self.lead_word(words)), self.classifier_temperature, self.regression_temperature
        )

    def unexplained(
        self, words: Sequence[str], facts: Sequence[Fact], topics: Iterable[str] | None = None
    ) -> frozenset[str]:
        """The question's content words that nothing accounts for: not a function word, not a
        word of any topic here, not a word the classifier's questions ask about on `topics`
        (the topics the question is read as; any topic when None), not in the patient's world
        (their facts). "Who's your favourite darts player?" has three, and asks about nothing
        the patient knows; "Is anyone with you at the moment?" has none."""
        from actions.topic_classifier import load_classifier

        classifier = load_classifier()
        by_topic = classifier.topical_words if classifier else {}
        chosen = by_topic.keys() if topics is None else topics
        content = set(self.content_words(words))
        for topic in chosen:
            content -= by_topic.get(topic, frozenset())
        for fact in facts:
            if not content:
                break
            content -= fact_world(fact)
        return frozenset(content)

    def content_words(self, words: Sequence[str]) -> frozenset[str]:
        """What the question is about beyond how it asks: its content words that are no topic's
        words ("Are you scared of SNAKES?", "Is it your CHEST, on the STAIRS?")."""
        content = {
            w
            for w in words
            if len(w) > 2
            and w.isalpha()
            and w not in STOP_WORDS
            and w not in self.common_words
            and w not in self.lead_ins
            and w not in self.aside_words
        }
        for vocabulary in self.topics.values():
            content -= vocabulary.strong | vocabulary.words
        return frozenset(content)

    def names_fact(self, words: Sequence[str], facts: Sequence[Fact]) -> bool:
        """Whether the question says one of the facts' telling keywords ("Did you have to swap
        a SHIFT?"): then it is about the patient's world, whatever else it names. A word that
        only says when ("What happened on The Traitors LAST NIGHT?") names nothing of it."""
        said = set(words) - self.aside_words
        return any(said & self._keywords(fact)[0] for fact in facts)

    def _keywords(self, fact: Fact) -> tuple[frozenset[str], frozenset[str]]:
        """A fact's keywords as lemmas: the telling ones, and the common ones that only support."""
        words = keyword_lemmas(tuple(fact.keywords))
        common = {w for w in words if w in STOP_WORDS or w in self.common_words}
        return frozenset(words - common), frozenset(common)

    def score(self, words: Sequence[str], fact: Fact, topic: Topic | None = None) -> float:
        """How strongly a question (as lemmas) asks about `fact` as a question on `topic` (the
        fact's own by default; module docstring). Each word counts once, at its strongest: a
        keyword that is also a strong word of the topic counts as the strong word."""
        vocabulary = self.topics[topic or fact.topic]
        keywords, common = self._keywords(fact)
        total = sum(self.phrase_weight for phrase in vocabulary.phrases if _has_phrase(words, phrase, self.phrase_gap))
        for word in set(words):
            weights = [
                self.keyword_weight if word in keywords else 0.0,
                self.strong_weight if word in vocabulary.strong else 0.0,
                self.word_weight if word in vocabulary.words or word in common else 0.0,
            ]
            total += max(weights)
        if self.asks_weight:
            total += self.asks_weight * asked_like(words, tuple(fact.asks))
        return total

    def match(self, question: str, facts: Sequence[Fact]) -> FactMatch | None:
        """The fact `question` asks about, or None when no fact is asked about clearly enough.

        A fact that answers several topics (``also``) is scored as an answer to each. As with
        facts of one topic, its rivals are the facts on none of its topics: between facts that
        answer the same kind of question, the scenario's own words decide."""
        words = self.read(question)
        if all(w in self.lead_ins for w in words):
            return None  # "do you know?", "can you tell me?": a tag on another question, asking nothing itself
        if self.about_speaker(words):
            return None  # "How long have I been on this desk?": nothing the patient knows
        allowed = self.answer_topics(words, question)
        probabilities = self.topic_probabilities(words)
        scored = sorted(
            (
                (self.score(words, fact, topic) + self.classifier_weight * probabilities.get(topic, 0.0), n, fact)
                for n, fact in enumerate(facts)
                for topic in fact.topics
                if allowed is None or topic in allowed
            ),
            key=lambda s: (-s[0], s[1]),
        )
        if not scored or scored[0][0] < self.threshold:
            return None
        best_score, _, best = scored[0]
        rival = next((score for score, _, fact in scored[1:] if not set(fact.topics) & set(best.topics)), 0.0)
        off_topic = self.classifier_weight * probabilities.get("none", 0.0)
        if self.unexplained_weight:
            unexplained = self.unexplained(words, facts, best.topics)
            off_topic += self.unexplained_weight * len(unexplained)
            if unexplained and not self.names_fact(words, facts):
                if unexplained & names_in(question):
                    return None  # "What happened on Coronation Street?": a name the patient never said
                if unexplained == self.content_words(words):
                    off_topic += self.off_world_weight
        rival = max(rival, off_topic)
        if best_score - rival < self.margin:
            return None
        return FactMatch(best, best_score, question)

    def match_any(self, questions: Iterable[str], facts: Sequence[Fact]) -> FactMatch | None:
        """The strongest match over several questions in one turn (the last wins a tie)."""
        found = [m for m in (self.match(q, facts) for q in questions) if m is not None]
        return max(reversed(found), key=lambda m: m.score) if found else None


_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")


def names_in(question: str) -> frozenset[str]:
    """The lemmas of the words capitalised inside a sentence: names ("What happened on
    CORONATION STREET?", "Did you see DR LOWE?"). One the patient's facts never say is
    something outside their world, however the question is framed."""
    words = _WORD.finditer(question)
    names: set[str] = set()
    for match in words:
        word, before = match.group(), question[: match.start()].rstrip()
        if word[0].isupper() and word != "I" and before and before[-1] not in ".?!":
            names.update(lemmas(word)[:1])  # "Kai's": the name, not its clitic
    return frozenset(names)


_SENTENCE_END = re.compile(r"[.!?]\s")


def questions_on(card: Mapping[str, Any]) -> list[str]:
    """The questions the scorer found in one turn (its score card), in the order asked.

    The card's ``questions`` list every question the scorer read; a card from before they were
    recorded names each kind once, in its question cues. A tag ("..., is that right?", "...,
    was it?") asks about the statement it is tagged on ("And Alfie's your son, is that
    right?"), so a question that is only a tag is read with the rest of its sentence, or with
    the sentence before when it is asked on its own ("You sound frightened. Is that right?").
    A statement closed by a tag (``tag_question``: "And you're Kai's dad, yeah?") is read as
    the question it checks."""
    asked = card.get("questions")
    cues = sorted(
        (
            cue
            for cue in (asked if isinstance(asked, list) else card.get("cues", []))
            if cue.get("cue") in QUESTION_CUES and cue.get("quote")
        ),
        key=lambda cue: cue.get("start", 0),
    )
    said = str(card.get("said") or "")
    questions: list[str] = []
    for cue in cues:
        quote, start = str(cue["quote"]), int(cue.get("start") or 0)
        if said and start > 0 and load_topics().is_tag(lemmas(quote)):
            opening = [m.end() for m in _SENTENCE_END.finditer(said, 0, start)]
            if opening and not said[opening[-1] : start].strip():
                opening.pop()  # "You sound frightened. Is that right?" checks the sentence before
            sentence = said[opening[-1] if opening else 0 : int(cue.get("end") or len(said))].strip()
            quote = sentence or quote
        questions.append(quote)
    return questions


def _words_list(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise DataError(f"{where}: expected a list of words or phrases")
    return [w.strip().lower() for w in raw]


def parse_topics(raw: Any, path: Path = TOPICS_PATH) -> TopicLexicon:
    """Check and load topics.yml: every topic has words, the numbers are positive."""
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), dict):
        raise DataError(f"{path}: expected a mapping with 'topics'")
    unknown = sorted(set(raw["topics"]) - set(TOPICS))
    if unknown:
        raise DataError(f"{path}: topics: unknown topic(s) {', '.join(unknown)}; topics are: {', '.join(TOPICS)}")
    topics: dict[Topic, TopicWords] = {}
    for topic in TOPICS:
        entry = raw["topics"].get(topic)
        if not isinstance(entry, dict):
            raise DataError(f"{path}: topics.{topic}: missing (every topic needs phrases and words)")
        where = f"{path}: topics.{topic}"
        phrases = tuple(tuple(lemmas(p)) for p in _words_list(entry.get("phrases", []), f"{where}.phrases"))
        strong = _lemma_set(entry.get("strong", []), f"{where}.strong")
        words = _lemma_set(entry.get("words"), f"{where}.words")
        topics[topic] = TopicWords(phrases=tuple(p for p in phrases if p), strong=strong, words=words)

    def word_set(name: str) -> frozenset[str]:
        """An optional list of words or phrases from topics.yml, as lemmas."""
        return _lemma_set(raw.get(name, []), f"{path}: {name}")

    numbers: dict[str, float] = {}
    for name in (
        "threshold",
        "margin",
        "phrase_weight",
        "strong_weight",
        "word_weight",
        "keyword_weight",
        "phrase_gap",
        "classifier_weight",
        "classifier_temperature",
    ):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise DataError(f"{path}: {name}: expected a number of 0 or more, got {value!r}")
        numbers[name] = float(value)
    return TopicLexicon(
        topics=topics,
        threshold=numbers["threshold"],
        margin=numbers["margin"],
        phrase_weight=numbers["phrase_weight"],
        strong_weight=numbers["strong_weight"],
        word_weight=numbers["word_weight"],
        keyword_weight=numbers["keyword_weight"],
        phrase_gap=int(numbers["phrase_gap"]),
        classifier_weight=numbers["classifier_weight"],
        classifier_temperature=max(numbers["classifier_temperature"], 0.1),
        asks_weight=_number(raw, "asks_weight", path, default=0.0),
        regression_temperature=max(_number(raw, "regression_temperature", path, default=1.0), 0.1),
        common_words=word_set("common_words"),
        question_words=_question_words(raw.get("question_words") or {}, path),
        question_forms=_question_words(raw.get("question_forms") or {}, path, as_said=True),
        lead_ins=word_set("lead_ins"),
        unexplained_weight=_number(raw, "unexplained_weight", path, default=0.0),
        off_world_weight=_number(raw, "off_world_weight", path, default=0.0),
        clause_openers=word_set("clause_openers"),
        subjects=word_set("subjects"),
        clause_embedders=word_set("clause_embedders"),
        purpose_openers=word_set("purpose_openers"),
        leading_openers=word_set("leading_openers"),
        auxiliaries=word_set("auxiliaries"),
        wh_words=word_set("wh_words"),
        offer_modals=word_set("offer_modals"),
        conversation_words=word_set("conversation_words"),
        tag_words=word_set("tag_words"),
        adjunct_prepositions=word_set("adjunct_prepositions"),
        aside_words=word_set("aside_words"),
        endearments=frozenset(_words_list(raw.get("endearments", []), f"{path}: endearments")),
        tails=tuple(
            sorted(
                {tuple(lemmas(t)) for t in _words_list(raw.get("tails", []), f"{path}: tails")} - {()},
                key=len,
                reverse=True,
            )
        ),
    )


def _number(raw: Mapping[str, Any], name: str, path: Path, default: float) -> float:
    """An optional number of 0 or more from topics.yml."""
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise DataError(f"{path}: {name}: expected a number of 0 or more, got {value!r}")
    return float(value)


def _lemma_set(raw: Any, where: str) -> frozenset[str]:
    return frozenset(w for word in _words_list(raw, where) for w in lemmas(word))


def _question_words(raw: Any, path: Path, as_said: bool = False) -> dict[tuple[str, ...], frozenset[Topic]]:
    """`question_words`: each question word (as lemmas, or `as_said` for `question_forms`)
    with the topics it can ask about."""
    if not isinstance(raw, dict):
        raise DataError(f"{path}: question_words: expected a mapping of question word to topics")
    out: dict[tuple[str, ...], frozenset[Topic]] = {}
    for word, topics in raw.items():
        where = f"{path}: {'question_forms' if as_said else 'question_words'}.{word}"
        names = _words_list(topics, where)
        unknown = [t for t in names if t not in TOPICS]
        if unknown:
            raise DataError(f"{where}: unknown topic(s) {', '.join(unknown)}; topics are: {', '.join(TOPICS)}")
        key = simple_tokens(str(word)) if as_said else lemmas(str(word))
        out[tuple(key)] = frozenset(cast(Topic, t) for t in names)
    return out


@lru_cache(maxsize=4)
def load_topics(path: Path = TOPICS_PATH) -> TopicLexicon:
    """topics.yml, checked (cached: the action server reads it on every question)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read the topic words: {exc}") from exc
    return parse_topics(raw, path)
