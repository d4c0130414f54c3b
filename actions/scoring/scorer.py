"""The cue scorer: rules for precision, a trained classifier for recall, one result.

Combination policy per cue (declared in rules.yml, `policy`):
- `rules`  (open/closed questions): syntax decides alone; the classifier is not asked.
- `hybrid` (every other cue): the cue fires if a rule matches OR the classifier's
  probability reaches the cue's threshold. For `evidence: sentence` cues (support skills)
  that probability is the higher of the whole turn's and the best single sentence's. A rule
  hit's confidence is max(rule_confidence, probability); a classifier-only hit's confidence
  is its probability and its span is the sentence the classifier likes best. Anti-patterns need at least
  `anti_pattern_threshold` from the classifier alone: wrongly telling a learner they were
  sarcastic or blaming costs more trust than missing it.
- Reflections found through an explicit marker ("it sounds like", "so you're saying")
  are kept whatever the classifier says; other rule hits can be vetoed by it.
- A reflection is simple or complex, never both (GUIDE.md): when both fire, the one the
  classifier finds likelier stays.
- `veto` patterns block a cue in a sentence for rules and classifier alike ("I'm sorry
  you feel that way" is never an apology); `unless` patterns block it for the utterance.
- A statement ending in "?" counts as a closed question only if it is not a reflection.
- Questions are coded MITI-style (GUIDE.md): an offer, advice, blame or check asked as a
  question also carries its question cue; only rhetorical (sarcastic) questions do not.
Turn score: see result.py.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from actions.scoring import builds
from actions.scoring import clauses as cl
from actions.scoring import textcat as tc
from actions.scoring.calibration import Calibration, load_calibration
from actions.scoring.data import load_split, split_files
from actions.scoring.features import classifier_words, overlap
from actions.scoring.guard import guard, mask_fillers
from actions.scoring.lang import EnglishVocab, Lang, get_lang
from actions.scoring.moves import MoveRules, load_moves
from actions.scoring.questions import find_questions, find_tag_check
from actions.scoring.reflect import ECHO_MIN, detect_reflection, is_fragment
from actions.scoring.result import TAG_QUESTION, CueHit, ScoreResult, turn_score
from actions.scoring.rules import RULES_PATH, Rules, load_rules
from actions.scoring.taxonomy import Taxonomy, load_taxonomy

LONG_SENTENCE = 200
_WHY_NOT = re.compile(r"\W*(?:\w+,\s*)?why (?:don't|not|do not)\b", re.IGNORECASE)
CONTEXT_CAP = 1000


@dataclass
class _Sentence:
    start: int
    end: int
    text: str


def _normalise(text: str) -> str:
    """Straight apostrophes and masked fillers: what the rules and the classifier both read."""
    return mask_fillers(text.replace("\u2019", "'").replace("\u2018", "'"))


def classifier_key() -> str | None:
    """The build key of the classifier the current training data, rules and code give
    (None when there is no training data): what `build/scorer/<key>/` and the calibration
    map's `fitted_for` name."""
    files = split_files("train")
    return tc.cache_key(files + [RULES_PATH]) if files else None


class Scorer:
    """Scores one learner utterance. Build with `Scorer.load()` or `get_scorer()`."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        rules: Rules,
        lang: Lang,
        classifier: tc.TrainedClassifier | None,
        notes: list[str] | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.calibration = calibration  # None: raw confidences (cross-validation fits the map from them)
        self.rules = rules
        self.lang = lang
        self.classifier = classifier
        self.notes = notes or []
        self._vocab = EnglishVocab(lang)
        self._weights = {c.id: c.weight for c in taxonomy}
        self._order = {c.id: i for i, c in enumerate(taxonomy)}
        self._anti_patterns = tuple(c.id for c in taxonomy if c.is_anti_pattern)
        self.thresholds = self._thresholds()
        self.moves: MoveRules = load_moves(known_cues=tuple(taxonomy.ids))

    def _thresholds(self) -> dict[str, float]:
        """The classifier-only threshold per hybrid cue: rules.yml's `threshold`, raised to
        `anti_pattern_threshold` for anti-patterns. An attribute (not looked up per call) so
        the cross-validation tools can replay other thresholds (thresholds.py)."""
        out: dict[str, float] = {}
        for cue, rule in self.rules.cues.items():
            family = self.taxonomy[cue].family if cue in self.taxonomy else ""
            base = (
                max(rule.threshold, self.rules.anti_pattern_threshold) if family == "anti_pattern" else rule.threshold
            )
            out[cue] = base
        return out

    # -- construction -------------------------------------------------------------------
    @classmethod
    def load(
        cls, *, build_if_missing: bool = True, force_build: bool = False, build_dir: Path = builds.BUILD_DIR
    ) -> Scorer:
        """Load taxonomy, rules and the selected classifier build (builds.py), training the
        plain build if it is missing."""
        taxonomy = load_taxonomy()
        rules = load_rules(str(RULES_PATH), tuple(taxonomy.ids))
        lang = get_lang()
        notes: list[str] = []
        classifier = None
        key = classifier_key()
        if key is not None:
            chosen = builds.choose(key, build_dir)
            classifier = None if force_build else tc.load(chosen, build_dir)
            if classifier is None and chosen != key and not force_build:
                classifier = tc.load(key, build_dir)
            if classifier is None and (build_if_missing or force_build):
                if not force_build:
                    tc.log(f"classifier cache build/scorer/{key} missing: building it now")
                start = time.perf_counter()
                examples = load_split("train", set(taxonomy.ids))
                plain = cls(taxonomy, rules, lang, None)
                classifier = tc.build(examples, plain.classifier_input, taxonomy.ids, key, build_dir)
                notes.append(
                    f"built classifier {key} from {len(examples)} examples in {time.perf_counter() - start:.1f}s"
                )
        else:
            notes.append("no training data: rules only")
        calibration = load_calibration(known_cues=tuple(taxonomy.ids))
        if calibration is None:
            notes.append("no calibration map: confidences are raw (bench/cv_scorer.py --calibrate fits one)")
        elif key is not None and calibration.fitted_for != key:
            notes.append(
                f"the calibration map was fitted for classifier {calibration.fitted_for or '?'}, "
                f"not {key}: refit it with bench/cv_scorer.py --calibrate"
            )
        return cls(taxonomy, rules, lang, classifier, notes, calibration)

    @property
    def version(self) -> str:
        """The build that scores (builds.py): what score cards and corrections record."""
        return self.classifier.key if self.classifier is not None else builds.RULES_ONLY

    # -- scoring ------------------------------------------------------------------------
    def _sentences(self, text: str) -> list[_Sentence]:
        doc = self.lang.nlp(text)
        out: list[_Sentence] = []
        for sent in doc.sents:
            s, e = sent.start_char, sent.end_char
            chunk = text[s:e]
            stripped = chunk.strip()
            if not stripped:
                continue
            s += len(chunk) - len(chunk.lstrip())
            e = s + len(stripped)
            out.append(_Sentence(s, e, text[s:e]))
        return out

    def _rules_pass(self, norm: str, context: str) -> _Pass:
        """Everything the rules find, before the classifier is asked."""
        sentences = self._sentences(norm)
        p = _Pass(sentences)
        conf = self.rules.rule_confidence
        for idx, sent in enumerate(sentences):
            st = sent.text
            qs = find_questions(st, self.rules.questions)
            strong = any(q.strong for q in qs)
            for cue, rule in self.rules.cues.items():
                if rule.veto is not None and rule.veto.search(st):
                    p.vetoed.setdefault(cue, set()).add(idx)
                    continue
                if rule.pattern is None:
                    continue
                m = rule.pattern.search(st)
                if m:
                    if len(st) > LONG_SENTENCE:
                        p.add(cue, sent.start + m.start(), sent.start + m.end(), conf)
                    else:
                        p.add(cue, sent.start, sent.end, conf)
            self._clause_pass(p, idx, sent)
            named = p.overlaps("name_emotion", sent)
            fragment = is_fragment(st)
            taken_back = idx in p.vetoed.get("reflection_simple", ())
            refl = (
                None
                if strong or taken_back
                else detect_reflection(
                    st, context, self.rules, self.lang, echo_only=bool(qs) or fragment, named_emotion=named
                )
            )
            if not (refl and not strong):
                p.questions.extend((f"{q.kind}_question", sent.start + q.start, sent.start + q.end) for q in qs)
            tag = None if qs else find_tag_check(st)
            if tag is not None:
                p.tagged.append(_Sentence(sent.start + tag.start, sent.start + tag.end, st[tag.start : tag.end]))
            summary = p.overlaps("summarise", sent)
            if refl and not self._anti_pattern_in(p.hits, sent) and not (summary and refl == "reflection_simple"):
                p.add(refl, sent.start, sent.end, conf * 0.95)
                if self.rules.reflection_markers.search(st) or (
                    fragment and overlap(self.lang, st, context) >= ECHO_MIN
                ):
                    # "it sounds like / so you're saying", or their own words said back as a
                    # verbless fragment ("Six hours on the floor."): structure decides, the
                    # rest of a long turn cannot talk the classifier out of it
                    p.protected.add(refl)
        for cue, rule in self.rules.cues.items():
            if rule.unless is not None and cue in p.hits and rule.unless.search(norm):
                del p.hits[cue]
        return p

    _EMPATHY = ("name_emotion", "validate", "reflection_simple", "reflection_complex")

    def _empathic(self, text: str) -> bool:
        return any(
            (pattern := self.rules.cues[c].pattern) is not None and pattern.search(text)
            for c in ("name_emotion", "validate")
        )

    def _clause_pass(self, p: _Pass, idx: int, sent: _Sentence) -> None:
        """Structure read clause by clause (clauses.py): orders, directives and threats in
        any clause of any sentence, and an acknowledgement taken back by "but ..."."""
        reading = cl.read(sent.text, self.lang, self.rules.clauses, self._empathic)
        conf = self.rules.rule_confidence
        for cue, start, end in reading.cues:
            if idx in p.vetoed.get(cue, ()):
                continue
            if cue == "argue" and reading.takes_back:
                if cue not in p.hits:
                    p.taken_back_only = True  # argue found only as a retraction (see _classify)
                p.protected.add(cue)  # "yes, but": structure decides, the classifier may not veto
            p.add(cue, sent.start + start, sent.start + end, conf)
        p.acknowledged.append(reading.acknowledges)
        if reading.takes_back:
            self._take_back(p, idx)
            for cue, start, end in reading.cues:
                if cue == "argue":  # "... but you have to wait" insists; it is not advice
                    self._drop_spans(p, "advise_unasked", sent.start + start, sent.start + end)
        elif reading.opens_with_contrast and idx > 0 and p.acknowledged[idx - 1]:
            # "I understand. But you still have to wait." across sentences
            self._take_back(p, idx - 1)
            if "argue" not in p.hits:
                p.taken_back_only = True
            p.protected.add("argue")
            p.add("argue", sent.start, sent.end, conf)

    @staticmethod
    def _drop_spans(p: _Pass, cue: str, start: int, end: int) -> None:
        """Forget a cue's rule spans inside [start, end); the hit goes if none is left."""
        if cue not in p.spans:
            return
        p.spans[cue] = [
            (s, e) for s, e in p.spans[cue] if not (s >= start and e <= end) and not (start >= s and end <= e)
        ]
        if cue in p.hits and not p.spans[cue]:
            del p.hits[cue]

    def _take_back(self, p: _Pass, idx: int) -> None:
        """An acknowledgement taken back ("I understand, but rules are rules") is no empathy:
        block the empathy cues in that sentence, for rules and classifier alike."""
        sent = p.sentences[idx]
        for cue in self._EMPATHY:
            p.vetoed.setdefault(cue, set()).add(idx)
            spans = [(s, e) for s, e in p.spans.get(cue, ()) if not (s < sent.end and e > sent.start)]
            if cue in p.spans:
                p.spans[cue] = spans
            if cue in p.hits and not spans:
                del p.hits[cue]

    def classifier_input(self, text: str, context: str = "") -> list[str]:
        """The words the classifier sees for an utterance: lemmas, context features, rule hits."""
        norm = _normalise(text)
        p = self._rules_pass(norm, context)
        return self._words(norm, context, p)

    def classifier_probabilities(self, text: str, context: str = "") -> dict[str, float]:
        """The per-cue probabilities the policy compares with thresholds (thresholds.py replays them)."""
        norm = _normalise(text)
        p = self._rules_pass(norm, context)
        return self._probabilities(norm, context, p)[0] if self.classifier and p.sentences else {}

    def _words(self, norm: str, context: str, p: _Pass) -> list[str]:
        words = classifier_words(self.lang, norm, context, self.rules.feelings)
        words += [f"zzr{c}" for c in sorted(p.hits)]
        words += [f"zzq{c.split('_')[0]}" for c in sorted({q[0] for q in p.questions})]
        return words

    def _sentence_words(self, sent: _Sentence, context: str, p: _Pass) -> list[str]:
        """One sentence's classifier input: its words, the context features, its own rule hits."""
        words = classifier_words(self.lang, sent.text, context, self.rules.feelings)
        words += [f"zzr{c}" for c in sorted(p.hits) if p.overlaps(c, sent)]
        return words

    def _probabilities(self, norm: str, context: str, p: _Pass) -> tuple[dict[str, float], list[dict[str, float]]]:
        """The turn's probability per cue (for `evidence: sentence` cues, raised to the best
        sentence's) and each sentence's own probabilities (to place a classifier-only span)."""
        assert self.classifier is not None
        probs = self.classifier.predict([self._words(norm, context, p)])[0]
        if len(p.sentences) == 1:
            return probs, [probs]
        per = self.classifier.predict([self._sentence_words(s, context, p) for s in p.sentences])
        for cue in probs:
            rule = self.rules.cues.get(cue)
            if rule is not None and rule.sentence_evidence:
                blocked = p.vetoed.get(cue, set())
                probs[cue] = max([probs[cue]] + [d.get(cue, 0.0) for i, d in enumerate(per) if i not in blocked])
        return probs, per

    def score(self, text: str, context: str = "") -> ScoreResult:
        """Score one utterance; never raises on bad input (flags say what happened)."""
        original = text if isinstance(text, str) else ("" if text is None else str(text))
        g = guard(original, self._vocab)
        if g.skip:
            return ScoreResult(original, [], 0.0, g.flags, self.moves.read(original, [], g.flags))
        context = context if isinstance(context, str) else ""
        context = context[:CONTEXT_CAP].replace("\u2019", "'")
        norm = _normalise(g.text)
        p = self._rules_pass(norm, context)
        if self.classifier is not None and p.sentences:
            self._classify(norm, context, p)
        self._drop_unsupported(norm, p)
        conf = self.rules.rule_confidence
        questions: list[CueHit] = []
        for cue, start, end in p.questions:
            kind = self._question_kind(cue, start, end, norm, p)
            if kind is not None:
                p.add(kind, start, end, conf)
                questions.append(CueHit(kind, start, end, conf))
        questions += [CueHit(TAG_QUESTION, s.start, s.end, conf) for s in p.tagged if not self._rhetorical(s, p)]
        hits = list(p.hits.values())
        if self.calibration is not None:
            hits = [CueHit(h.cue, h.start, h.end, self.calibration(h.cue, h.confidence)) for h in hits]
        ordered = sorted(hits, key=lambda h: (h.start, self._order.get(h.cue, 99)))
        move = self.moves.read(g.text, ordered, g.flags)
        score = turn_score([h.cue for h in ordered], self._weights)
        return ScoreResult(original, ordered, score, g.flags, move, sorted(questions, key=lambda h: h.start))

    @staticmethod
    def _question_kind(cue: str, start: int, end: int, norm: str, p: _Pass) -> str | None:
        """The question cue a question clause carries (GUIDE.md, MITI-style: a turn that asks
        carries a question cue whatever else it does), or None for a rhetorical question.

        - sarcasm absorbs it: "Do you want a medal?" asks nothing;
        - a short wh-question picking among options just offered ("What would suit you?") or
          a "why don't you / why not" suggestion asks for a choice: closed;
        - offers, advice, blame, checks asked as questions keep their question cue.
        """

        def touches(other: str) -> bool:
            return any(s < end and e > start for s, e in p.spans.get(other, ()))

        if "sarcasm" in p.hits and touches("sarcasm"):
            return None
        if cue == "open_question":
            if end - start <= 40 and touches("offer_choice"):
                return "closed_question"
            if _WHY_NOT.match(norm[start:end]) and "advise_unasked" in p.hits:
                return "closed_question"
        return cue

    def _rhetorical(self, statement: _Sentence, p: _Pass) -> bool:
        """A tagged statement that blames, argues or mocks ("You should have rung earlier,
        shouldn't you?", "It's not that hard, is it?") asks nothing: it is what its
        anti-pattern cue says."""
        return any(p.overlaps(cue, statement) for cue in self._anti_patterns)

    def _anti_pattern_in(self, hits: dict[str, CueHit], sent: _Sentence) -> bool:
        """A sentence that blames, commands or argues is not credited as a reflection."""
        for cue in self._anti_patterns:
            h = hits.get(cue)
            if h and h.start < sent.end and h.end > sent.start:
                return True
        return False

    def _classify(self, norm: str, context: str, p: _Pass) -> None:
        """Apply the per-cue policy (module doc) with the classifier's probabilities."""
        assert self.classifier is not None
        probs, per = self._probabilities(norm, context, p)
        keep = self.rules.rule_keep
        for cue, prob in probs.items():
            rule = self.rules.cues.get(cue)
            if rule is None or rule.policy != "hybrid":
                continue
            if cue in p.hits:
                # `rule_evidence: sentence`: the classifier judges a rule hit by the whole turn
                # AND by the sentences the rule matched in, so an order in one sentence of a
                # long turn is not diluted by the rest ("I need you to calm down. I'm here
                # because your neighbour called. What's the situation?")
                prob_here = max(
                    [prob]
                    + [
                        per[i].get(cue, 0.0)
                        for i, sent in enumerate(p.sentences)
                        if rule.keep_by_sentence and p.overlaps(cue, sent)
                    ]
                )
                if prob_here < (keep if rule.keep is None else rule.keep) and cue not in p.protected:
                    del p.hits[cue]  # the classifier has learnt this rule misfires here
                elif prob > p.hits[cue].confidence:
                    p.add(cue, 0, 0, prob)
                continue
            if prob < self.thresholds.get(cue, rule.threshold):
                continue
            if rule.unless is not None and rule.unless.search(norm):
                continue
            allowed = [i for i in range(len(p.sentences)) if i not in p.vetoed.get(cue, set())]
            if not allowed:
                continue
            best = max(allowed, key=lambda i: per[i].get(cue, 0.0))
            p.add(cue, p.sentences[best].start, p.sentences[best].end, prob)
        self._one_reflection(p, probs)
        if (
            p.taken_back_only
            and "argue" in p.hits
            and probs.get("argue", 0.0) < self.thresholds.get("argue", 0.3)
            and any(c in p.hits for c in ("dismiss", "pass_buck", "command", "blame", "threaten"))
        ):
            del p.hits["argue"]  # the "but" clause already counts as that anti-pattern

    def _drop_unsupported(self, norm: str, p: _Pass) -> None:
        """rules.yml `needs`: a cue whose evidence must be in the words drops without it, from
        rules and classifier alike (a threat beside a boundary must name a consequence done to
        them: "if you keep swearing I'll need to take a break" limits the speaker, it punishes
        nobody)."""
        for cue in list(p.hits):
            rule = self.rules.cues.get(cue)
            if rule is None or rule.needs is None or cue in p.protected:
                continue
            if (not rule.needs_when or any(c in p.hits for c in rule.needs_when)) and not rule.needs.search(norm):
                del p.hits[cue]

    @staticmethod
    def _one_reflection(p: _Pass, probs: dict[str, float]) -> None:
        """Keep only the likelier of a simple and a complex reflection (GUIDE.md: a complex
        reflection is not also a simple one; +0.03 F1 for simple reflections in CV)."""
        simple, complex_ = "reflection_simple", "reflection_complex"
        if simple in p.hits and complex_ in p.hits:
            del p.hits[simple if probs.get(simple, 0.0) < probs.get(complex_, 0.0) else complex_]


class _Pass:
    """Intermediate state of one scoring: sentences, cue hits, vetoes, question clauses."""

    def __init__(self, sentences: list[_Sentence]) -> None:
        self.sentences = sentences
        self.hits: dict[str, CueHit] = {}
        self.vetoed: dict[str, set[int]] = {}
        self.questions: list[tuple[str, int, int]] = []
        self.tagged: list[_Sentence] = []  # statements closed by a question tag (find_tag_check)
        self.spans: dict[str, list[tuple[int, int]]] = {}  # every span each cue matched
        self.protected: set[str] = set()  # rule hits the classifier may not veto
        self.acknowledged: list[bool] = []  # per sentence: it acknowledges (clauses.py)
        self.taken_back_only = False  # the argue hit comes only from a "yes, but" retraction

    def overlaps(self, cue: str, sent: _Sentence) -> bool:
        """Whether any span the cue matched touches this sentence."""
        return any(s < sent.end and e > sent.start for s, e in self.spans.get(cue, ()))

    def add(self, cue: str, start: int, end: int, confidence: float) -> None:
        """Record a cue; a second hit of the same cue only raises the confidence."""
        if end > start:
            self.spans.setdefault(cue, []).append((start, end))
        old = self.hits.get(cue)
        if old is None:
            self.hits[cue] = CueHit(cue, start, end, confidence)
        elif confidence > old.confidence:
            self.hits[cue] = CueHit(cue, old.start, old.end, confidence)


_LOCK = threading.Lock()
_SELECTION: list[int | None] = [None]  # builds.selection_token() when the cached scorer was loaded


@lru_cache(maxsize=1)
def _cached() -> Scorer:
    return Scorer.load()


def get_scorer() -> Scorer:
    """The process-wide scorer (loaded once; thread-safe first load). Another build selected
    since (`practice score --use`, or a rebuild installed from the admin page) is loaded at
    the next call, so a running action server scores with it without a restart."""
    with _LOCK:
        token = builds.selection_token()
        if token != _SELECTION[0]:
            _cached.cache_clear()
            _SELECTION[0] = token
        return _cached()


def reset_scorer() -> None:
    """Forget the cached scorer (after --build, or in tests)."""
    _cached.cache_clear()
