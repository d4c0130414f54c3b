"""Rule engine: compile rules.yml and apply it to sentences.

Why regexes over sentences (and not a dependency parse): no parser model may be
downloaded, and the cues that rules do well are carried by short fixed phrases ("calm
down", "I'll ring the ward", "my name is..."). Rules are data (rules.yml) so a reviewer
can correct the scorer without touching code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from actions.scoring.errors import DataError
from actions.scoring.questions import QuestionLexicon

RULES_PATH = Path(__file__).with_name("rules.yml")
POLICIES = ("rules", "hybrid")
EVIDENCE = ("turn", "sentence")


@dataclass(frozen=True)
class CueRule:
    """Compiled rules for one cue (one alternation per list, for speed)."""

    cue: str
    policy: str
    threshold: float
    pattern: re.Pattern[str] | None
    veto: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    needs: re.Pattern[str] | None = None  # the cue needs a match in the utterance...
    needs_when: tuple[str, ...] = ()  # ...when one of these cues is in the turn (always if empty)
    keep: float | None = None  # per-cue override of `rule_keep` (0: the classifier cannot veto)
    sentence_evidence: bool = False  # the classifier may find the cue in one sentence alone
    keep_by_sentence: bool = False  # a rule hit is judged in its own sentence too (`rule_evidence`)


@dataclass(frozen=True)
class Rules:
    """Everything rules.yml holds, compiled."""

    cues: dict[str, CueRule]
    questions: QuestionLexicon
    rule_confidence: float
    rule_keep: float
    anti_pattern_threshold: float
    reflection_markers: re.Pattern[str]
    reflection_second_person: re.Pattern[str]
    reflection_complex: re.Pattern[str]
    feelings: frozenset[str]
    raw_hash_text: str = field(repr=False, default="")
    clauses: ClauseLexicon | None = None


@dataclass(frozen=True)
class ClauseLexicon:
    """rules.yml `clauses:`: what the clause reader (clauses.py) decides with. Each is one
    alternation matched at the START of a clause (after its connective and fillers)."""

    acknowledge: re.Pattern[str]
    insist: re.Pattern[str]
    behaviour: re.Pattern[str]
    advice: re.Pattern[str]
    continuation: re.Pattern[str]
    consequence: re.Pattern[str]


def _cue_list(value: object, cue_ids: Sequence[str], where: str) -> tuple[str, ...]:
    """A list of taxonomy cue ids (or nothing)."""
    if value is None:
        return ()
    if not isinstance(value, list) or any(c not in cue_ids for c in value):
        raise DataError(f"{RULES_PATH}: {where}: expected a list of cue ids from the taxonomy")
    return tuple(value)


def _alternation(patterns: list[str], where: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    joined = "|".join(f"(?:{p})" for p in patterns)
    try:
        return re.compile(joined, re.I)
    except re.error:
        for p in patterns:  # find the culprit so the message quotes it
            try:
                re.compile(p, re.I)
            except re.error as exc:
                raise DataError(f"{RULES_PATH}: {where}: bad regex {p!r}: {exc}") from exc
        raise


def _lexicon_alt(words: list[str]) -> str:
    ordered = sorted({str(w).lower() for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace("\\ ", " ") for w in ordered)


def _substitute(pattern: str, lexicon: dict[str, str]) -> str:
    for key, alt in lexicon.items():
        pattern = pattern.replace("{" + key + "}", alt)
    return pattern


def parse_rules(raw: dict, cue_ids: list[str]) -> Rules:
    """Compile a rules mapping; unknown cue ids are an error (ids come from the taxonomy)."""
    lex_raw = raw.get("lexicon") or {}
    lexicon = {k: _lexicon_alt(v) for k, v in lex_raw.items()}
    default_threshold = float(raw.get("default_threshold", 0.5))
    compiled: dict[str, CueRule] = {}
    for cue, spec in (raw.get("cues") or {}).items():
        if cue not in cue_ids:
            raise DataError(f"{RULES_PATH}: cues.{cue}: not a cue id of the taxonomy")
        spec = spec or {}
        policy = spec.get("policy", "hybrid")
        if policy not in POLICIES:
            raise DataError(f"{RULES_PATH}: cues.{cue}.policy: {policy!r} is not one of {POLICIES}")
        evidence = spec.get("evidence", "turn")
        if evidence not in EVIDENCE:
            raise DataError(f"{RULES_PATH}: cues.{cue}.evidence: {evidence!r} is not one of {EVIDENCE}")

        def sub(key: str, spec: dict = spec) -> list[str]:
            return [_substitute(p, lexicon) for p in spec.get(key) or []]

        compiled[cue] = CueRule(
            cue=cue,
            policy=policy,
            threshold=float(spec.get("threshold", default_threshold)),
            pattern=_alternation(sub("patterns"), f"cues.{cue}.patterns"),
            veto=_alternation(sub("veto"), f"cues.{cue}.veto"),
            unless=_alternation(sub("unless"), f"cues.{cue}.unless"),
            needs=_alternation(sub("needs"), f"cues.{cue}.needs"),
            needs_when=_cue_list(spec.get("needs_when"), cue_ids, f"cues.{cue}.needs_when"),
            keep=float(spec["keep"]) if spec.get("keep") is not None else None,
            sentence_evidence=evidence == "sentence",
            keep_by_sentence=_rule_evidence(cue, spec) == "sentence",
        )
    for cue in cue_ids:  # every cue gets an entry (classifier-only if not in rules.yml)
        compiled.setdefault(cue, CueRule(cue, "hybrid", default_threshold, None, None, None))
    refl = raw.get("reflections") or {}
    feelings = frozenset(str(w).lower() for w in lex_raw.get("feelings", []))
    return Rules(
        cues=compiled,
        questions=QuestionLexicon.from_config(raw.get("questions") or {}),
        rule_confidence=float(raw.get("rule_confidence", 0.9)),
        rule_keep=float(raw.get("rule_keep", 0.15)),
        anti_pattern_threshold=float(raw.get("anti_pattern_threshold", 0.5)),
        reflection_markers=_alternation(refl.get("markers", []), "reflections.markers") or re.compile("(?!)"),
        reflection_second_person=_alternation(refl.get("second_person", []), "reflections.second_person")
        or re.compile("(?!)"),
        reflection_complex=_alternation(
            [_substitute(p, lexicon) for p in refl.get("complex", [])], "reflections.complex"
        )
        or re.compile("(?!)"),
        feelings=feelings,
        clauses=_clause_lexicon(raw.get("clauses") or {}, lexicon),
    )


def _clause_lexicon(cfg: dict, lexicon: dict[str, str]) -> ClauseLexicon:
    never = re.compile("(?!)")

    def alt(key: str) -> re.Pattern[str]:
        pats = [_substitute(p, lexicon) for p in cfg.get(key) or []]
        return _alternation(pats, f"clauses.{key}") or never

    return ClauseLexicon(
        acknowledge=alt("acknowledge"),
        insist=alt("insist"),
        behaviour=alt("behaviour"),
        advice=alt("advice"),
        continuation=alt("continuation"),
        consequence=alt("consequence"),
    )


def _rule_evidence(cue: str, spec: dict) -> str:
    value = spec.get("rule_evidence", "turn")
    if value not in EVIDENCE:
        raise DataError(f"{RULES_PATH}: cues.{cue}.rule_evidence: {value!r} is not one of {EVIDENCE}")
    return value


def rules_text(path: Path = RULES_PATH) -> str:
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=2)
def load_rules(path: str, cue_ids: tuple[str, ...]) -> Rules:
    """Load and compile rules.yml (cached: compiling takes a few milliseconds)."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{p}: cannot load rules: {exc}") from exc
    return parse_rules(raw, list(cue_ids))
