"""`practice scenarios check`: is each scenario file usable, and can every ending happen?

The loader (`actions.scenarios`) already enforces the format: every act has lines at every
level. This adds what a trainer needs to know before learners meet the scenario:

* empathic opportunities are marked where a learner must be able to find them (the opening,
  and the patient's venting and disclosure at every level);
* every outcome is reachable: the checker plays the behaviour table (`data/behaviour.yml`),
  the tension model (`actions.patient`) and the scenario's difficulty profile
  (`actions.difficulty`) forward from the scenario's start, with one typical reply per
  learner move, and reports the fewest turns to each outcome. The calm ending must fit in
  the scenario's turn budget.

It also reports the variety a session can draw on: how many lines each act has at each
level (the patient never repeats a line while an unused one remains for that act and level,
so thin cells are where a long conversation starts repeating itself; five per act and level
on average is the aim), and what the patient can be asked about: the topics its facts cover,
and any fact that none of its own example questions (`asks`) reaches, which is a problem:
a learner asking the same way would get a deflection or another fact.

It runs without Rasa, and loads only spaCy's lemma table (for the facts), so it is quick
enough for an author's edit-check loop.
Every problem is one line: ``file: field: problem``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.difficulty import LISTENING_CUES, Difficulty, difficulty, performed_act
from actions.patient import TERMINAL_OUTCOMES, level_for, next_tension, outcome_for, start_tension
from actions.scenarios import Scenario, ScenarioError, cue_weights, load_scenario
from actions.vocabulary import ACTS, LEVELS, OUTCOMES, TOPICS, Outcome, Topic
from practice.dialogue import Behaviour, load_behaviour

# One typical reply's cues for each learner move: what a learner making that move says.
MOVE_CUES: dict[str, tuple[str, ...]] = {
    "greet": ("introduce_self",),
    "acknowledge_emotion": ("name_emotion", "validate"),
    "reflect": ("reflection_simple",),
    "open_question": ("open_question",),
    "apologise": ("apologise",),
    "closed_question": ("closed_question",),
    "explain": ("explain",),
    "offer_options": ("offer_choice",),
    "commit_action": ("commit_action",),
    "set_boundary": ("set_boundary",),
    "seek_support": ("seek_support",),
    "dismiss": ("dismiss",),
    "blame": ("blame",),
    "argue": ("argue",),
    "command": ("command",),
    "threaten": ("threaten",),
    "advise": ("advise_unasked",),
    "jargon": ("jargon",),
    "goodbye": (),
    "listen": (),
    "neutral": (),
    "out_of_scope": (),
}
RESOLVED = "resolved"  # the fullest calm ending: the hidden need came out, then the patient thanks
# Acts whose lines must voice a feeling at every level, so a listening learner has one to take up.
OPPORTUNITY_ACTS = ("vent", "disclose_need")


@dataclass(frozen=True)
class _State:
    tension: float
    need_disclosed: bool
    listening: int
    boundaries: int


LINES_WANTED = 5  # per act and level, on average (issue 20): enough for a long conversation


@dataclass(frozen=True)
class LineCoverage:
    """How many lines each act has at each level: the variety a session can draw on."""

    counts: dict[tuple[str, str, str], int]  # (scenario id, act, level) -> lines

    @classmethod
    def of(cls, scenarios: Iterable[Scenario]) -> LineCoverage:
        """One scenario's cells, or the library's (several scenarios' cells together)."""
        return cls(
            {
                (scenario.id, act, level): len(scenario.lines_for(act, level))
                for scenario in scenarios
                for act in ACTS
                for level in LEVELS
            }
        )

    @property
    def mean(self) -> float:
        return sum(self.counts.values()) / len(self.counts) if self.counts else 0.0

    @property
    def fewest(self) -> int:
        return min(self.counts.values(), default=0)

    def thin(self, wanted: int = LINES_WANTED) -> list[tuple[str, str, str]]:
        """The (scenario id, act, level) cells with fewer than ``wanted`` lines."""
        return [cell for cell, count in self.counts.items() if count < wanted]

    def summary(self) -> str:
        return (
            f"lines per act and level: mean {self.mean:.1f}, fewest {self.fewest}; "
            f"{len(self.thin())} of {len(self.counts)} below {LINES_WANTED}"
        )


@dataclass(frozen=True)
class FactCoverage:
    """What the patient can be asked about, and the facts their own example questions miss."""

    topics: tuple[Topic, ...]  # covered, in TOPICS order
    facts: int
    unreachable: tuple[tuple[str, str, str], ...]  # (fact id, example question, what it reached instead)
    question_keywords: tuple[tuple[str, str], ...] = ()  # (fact id, a keyword that is a question word)
    asks: int = 0  # the facts' example questions
    asks_reaching: int = 0  # of them, those that reach their own fact

    @classmethod
    def of(cls, scenario: Scenario) -> FactCoverage:
        from actions.facts import load_topics  # spaCy's lemma table: only when a scenario has facts

        unreachable: list[tuple[str, str, str]] = []
        question_keywords: list[tuple[str, str]] = []
        asks = asks_reaching = 0
        if scenario.facts:
            lexicon = load_topics()
            question_keywords = [
                (fact.id, keyword)
                for fact in scenario.facts
                for keyword in fact.keywords
                if keyword.lower() in lexicon.wh_words
            ]
            for fact in scenario.facts:
                reached = [lexicon.match(question, scenario.facts) for question in fact.asks]
                asks += len(reached)
                asks_reaching += sum(1 for match in reached if match and match.fact.id == fact.id)
                if not any(match and match.fact.id == fact.id for match in reached):
                    match = reached[0]
                    instead = f"fact {match.fact.id!r}" if match else "no fact (a deflection)"
                    unreachable.append((fact.id, fact.asks[0], instead))
        covered = {topic for fact in scenario.facts for topic in fact.topics}
        topics = tuple(t for t in TOPICS if t in covered)
        return cls(topics, len(scenario.facts), tuple(unreachable), tuple(question_keywords), asks, asks_reaching)

    def problems(self, path: Path) -> list[str]:
        """Facts their own questions miss, and keywords that are question words: "when" says
        what kind of answer is wanted, which the fact's topic already covers; as a keyword it
        makes every "when" question about this fact ("When did you book it?" tied the time of
        an appointment with how long the patient had waited)."""
        return [
            f"{path}: facts.{fact}: none of its example questions reaches it ({question!r} reaches {instead}); "
            "add the words a learner would use to its keywords"
            for fact, question, instead in self.unreachable
        ] + [
            f"{path}: facts.{fact}.keywords: {keyword!r} is a question word: it says what kind of answer is "
            "wanted, which the fact's topic already covers; keep to words about this fact"
            for fact, keyword in self.question_keywords
        ]

    def summary(self) -> str:
        if not self.facts:
            return "no facts (questions get the act's lines)"
        missing = [t for t in TOPICS if t not in self.topics]
        return (
            f"{self.facts} facts on {len(self.topics)} of {len(TOPICS)} topics"
            + (f" (none on {', '.join(missing)})" if missing else "")
            + f", {self.asks_reaching} of {self.asks} example questions reach their own fact"
        )


@dataclass
class Report:
    """One file's check: its problems, the fewest turns to each reachable outcome, its variety."""

    path: Path
    scenario: Scenario | None = None
    problems: list[str] = field(default_factory=list)
    fewest_turns: dict[str, int] = field(default_factory=dict)
    coverage: LineCoverage | None = None
    facts: FactCoverage | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.scenario is None:
            return f"{self.path}: not loaded"
        reach = ", ".join(
            f"{outcome.replace('_', ' ')} in {self.fewest_turns[outcome]}"
            for outcome in (RESOLVED, *OUTCOMES)
            if outcome in self.fewest_turns
        )
        variety = f"; {self.coverage.summary()}" if self.coverage else ""
        variety += f"; {self.facts.summary()}" if self.facts else ""
        return (
            f"{self.scenario.id}: difficulty {self.scenario.difficulty}, starts {self.scenario.start_level}, "
            f"budget {self.scenario.turn_budget} turns; fewest turns to {reach}{variety}"
        )


def opportunity_problems(scenario: Scenario, path: Path) -> list[str]:
    """Where a learner could find no feeling to take up."""
    problems = []
    if not any(line.opportunity for line in scenario.opening):
        problems.append(f"{path}: opening: no line marks an empathic opportunity (add `opportunity: feeling`)")
    for act in OPPORTUNITY_ACTS:
        for level in LEVELS:
            if not any(line.opportunity for line in scenario.lines_for(act, level)):
                problems.append(f"{path}: lines.{act}.{level}: no line marks an empathic opportunity")
    return problems


def _cards(state: _State, move: str, cues: Iterable[str]) -> list[dict[str, Any]]:
    """Score cards standing for the history a state summarises, this turn's card last."""
    past = [{"move": "open_question", "cues": [{"cue": "open_question"}]}] * state.listening
    past += [{"move": "set_boundary", "cues": []}] * state.boundaries
    return past + [{"move": move, "cues": [{"cue": cue} for cue in cues]}]


def fewest_turns_to_outcomes(
    scenario: Scenario,
    behaviour: Behaviour,
    weights: Mapping[str, float],
    profile: Difficulty,
) -> dict[str, int]:
    """Breadth-first over learner moves: the fewest turns after which each outcome can happen.

    A session can end on a terminal act, or whenever the learner finishes (the outcome then
    follows the patient's final state); ending for safety is the learner's choice at any turn.
    `RESOLVED` is the fewest turns to the fullest calm ending: the need came out, then thanks.
    """
    start = start_tension(scenario.start_level)
    found: dict[str, int] = {"ended_for_safety": 1}  # "step away" ends any turn for safety

    frontier = {_State(start, False, 0, 0)}
    seen = set(frontier)
    depth_limit = max(scenario.turn_budget, 1) * 2
    for turn in range(0, depth_limit + 1):
        for state in frontier if turn else ():
            outcome = outcome_for(terminal_outcome=None, end_reason="finished", start=start, tension=state.tension)
            found.setdefault(outcome, turn)
        if turn == depth_limit or len(found) == len(OUTCOMES) + 1:
            break
        following: set[_State] = set()
        for state in frontier:
            for move in behaviour.table:
                cues = MOVE_CUES.get(move, ())
                change = next_tension(
                    state.tension,
                    cues,
                    weights=weights,
                    sensitivity={cue: scenario.sensitivity_for(cue) for cue in cues},
                    opportunity_offered=False,
                    escalation_rate=profile.escalation_rate,
                )
                level = level_for(change.after)
                chosen = behaviour.act(move, level, state.need_disclosed)
                act = performed_act(chosen, level=level, cards=_cards(state, move, cues), profile=profile)
                if act in TERMINAL_OUTCOMES:
                    found.setdefault(TERMINAL_OUTCOMES[act], turn + 1)
                    if act == "thank" and state.need_disclosed:
                        found.setdefault(RESOLVED, turn + 1)
                    continue
                listened = bool(set(cues) & LISTENING_CUES)
                nxt = _State(
                    change.after,
                    state.need_disclosed or act == "disclose_need",
                    min(state.listening + listened, profile.listening_before_need),
                    min(state.boundaries + (move == "set_boundary"), profile.boundary_pushback + 1),
                )
                if nxt not in seen:
                    seen.add(nxt)
                    following.add(nxt)
        frontier = following
    return found


def required_outcomes(scenario: Scenario) -> tuple[Outcome, ...]:
    """Every outcome, except `abandoned` for a patient who starts calm or uneasy: leaving them
    upset is `escalated` by definition (`actions.patient.outcome_for`)."""
    if LEVELS.index(scenario.start_level) < LEVELS.index("upset"):
        return tuple(outcome for outcome in OUTCOMES if outcome != "abandoned")
    return OUTCOMES


def check_file(path: Path, behaviour: Behaviour, weights: Mapping[str, float]) -> Report:
    """Load one scenario file and check it (``check_scenario``)."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        return Report(path, problems=str(error).splitlines())
    return check_scenario(scenario, path, behaviour, weights)


def check_scenario(
    scenario: Scenario,
    source: str | Path,
    behaviour: Behaviour | None = None,
    weights: Mapping[str, float] | None = None,
) -> Report:
    """Check a scenario already in memory (a file's, or one written in the browser that the API
    must check before saving it): opportunities, reachable outcomes, the turn budget, facts
    their own questions reach. ``source`` names it in each problem line. The behaviour table
    and cue weights default to the shipped ones."""
    behaviour = behaviour or load_behaviour()
    weights = cue_weights() if weights is None else weights
    path = Path(source)
    report = Report(path, scenario=scenario)
    report.coverage = LineCoverage.of([scenario])
    report.facts = FactCoverage.of(scenario)
    report.problems.extend(opportunity_problems(scenario, path))
    report.problems.extend(report.facts.problems(path))
    report.fewest_turns = fewest_turns_to_outcomes(scenario, behaviour, weights, difficulty(scenario.difficulty))
    for outcome in required_outcomes(scenario):
        if outcome not in report.fewest_turns:
            report.problems.append(
                f"{path}: lines: the outcome {outcome!r} cannot be reached from start_level "
                f"{scenario.start_level!r} at difficulty {scenario.difficulty}"
            )
    thanked = report.fewest_turns.get(RESOLVED)
    if thanked is None or thanked > scenario.turn_budget:
        needs = "cannot be reached" if thanked is None else f"needs at least {thanked} turns even with the best replies"
        report.problems.append(
            f"{path}: turn_budget: the calm ending (the need out, then the patient's thanks) {needs}; "
            f"the budget is {scenario.turn_budget}"
        )
    return report


def check_paths(paths: Iterable[Path]) -> list[Report]:
    """Check each file (a folder means every `*.yml` in it), reporting on all, not the first."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yml")) if path.is_dir() else [path])
    behaviour = load_behaviour()
    weights = cue_weights()
    reports = [check_file(path, behaviour, weights) for path in files]
    ids: dict[str, Path] = {}
    for report in reports:
        if report.scenario is None:
            continue
        if report.scenario.id in ids:
            report.problems.append(
                f"{report.path}: id: {report.scenario.id!r} is also used by {ids[report.scenario.id]}"
            )
        ids.setdefault(report.scenario.id, report.path)
    return reports
