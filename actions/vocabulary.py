"""The domain's vocabulary: every fixed set of words the project speaks, defined once.

The Rasa actions, the API and the `practice` CLI all import this module, so it is plain
Python: the standard library only, and it runs on Python 3.10 (the Rasa environment) as
well as 3.11. Each vocabulary is a ``Literal`` type, for type checkers, pydantic models and
FastAPI parameters (which turn it into an ``enum`` in the OpenAPI document), and the tuple
of its values derived from it with ``get_args``, for membership checks, loops and argparse
choices; deriving one from the other keeps them from drifting apart. Where the order of a
tuple means something, its comment says what.

Only the values live here. Wording for people ("In progress" for ``active``) stays where
the wording belongs (the web pages in ``api/web/render.py``, the terminal in
``practice/commands/chat_view.py``, the report in ``actions/summary.py``), keyed by these values;
``tests/test_vocabulary.py`` checks that every value has its words, that the Rasa domain and
the database columns agree with the tuples, and that no other module spells a tuple again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

__all__ = [
    "REPO_ROOT",
    "Level",
    "LEVELS",
    "Act",
    "ACTS",
    "Theme",
    "THEMES",
    "Topic",
    "TOPICS",
    "Outcome",
    "OUTCOMES",
    "EndReason",
    "END_REASONS",
    "SessionEndReason",
    "SESSION_END_REASONS",
    "SessionStatus",
    "SESSION_STATUSES",
    "TurnStatus",
    "TURN_STATUSES",
    "AssignmentStatus",
    "ASSIGNMENT_STATUSES",
    "Role",
    "ROLES",
    "STAFF_ROLES",
    "CohortRole",
    "COHORT_ROLES",
    "COHORT_STAFF_ROLES",
    "SignInKey",
    "SIGN_IN_KEYS",
    "CorrectionKind",
    "CORRECTION_KINDS",
    "RebuildStatus",
    "REBUILD_STATUSES",
    "CueFamily",
    "CUE_FAMILIES",
    "SurveyPhase",
    "SURVEY_PHASES",
    "Feeling",
    "FEELINGS",
    "GroupRunStatus",
    "GROUP_RUN_STATUSES",
    "GroupPhase",
    "GROUP_PHASES",
]

#: The repository's root folder (data/, config.yml, var/ and models/ are found from it).
REPO_ROOT: Path = Path(__file__).resolve().parent.parent

# --- the simulated patient ------------------------------------------------------------

#: How worked up the patient is, calmest first: tension buckets of 20 index it in this order
#: (actions.patient.level_for), and the Rasa domain's ``escalation`` slot lists it so.
Level = Literal["calm", "uneasy", "upset", "angry", "hostile"]
LEVELS: tuple[Level, ...] = get_args(Level)

#: What the patient does on a turn (one Rasa action each), in the order a scenario file's
#: ``lines`` and the Rasa domain's actions list them (actions.scenarios checks its ActLines).
# One line, so `git grep` finds the whole set.
# fmt: off
Act = Literal["vent", "accuse", "demand", "disclose_need", "soften", "accept", "escalate", "walk_out", "thank", "answer", "confused", "handover"]
# fmt: on
ACTS: tuple[Act, ...] = get_args(Act)

#: What kind of difficult conversation a scenario is (its ``themes``). The order means nothing:
#: the catalogue sorts its options, and scenarios list their themes in their own order.
Theme = Literal["distress", "uncivil", "abuse", "complaint", "refused_request", "delay", "bad_news"]
THEMES: tuple[Theme, ...] = get_args(Theme)

#: What a learner may ask the patient about: each scenario fact answers one topic, and
#: data/topics.yml holds the words a question on each topic uses. In the order the scenario
#: check and the authoring form list them: the story first, then the person, then the asks.
# fmt: off
Topic = Literal["what_happened", "how_long", "who", "symptoms", "home", "want", "afraid", "practical"]
# fmt: on
TOPICS: tuple[Topic, ...] = get_args(Topic)

# --- practice sessions ----------------------------------------------------------------

#: How a session ended, in the order pages and the scenario check list them: the patient
#: calmer, the patient gone, the learner stepping away to stay safe, then ended unresolved.
Outcome = Literal["de_escalated", "escalated", "ended_for_safety", "abandoned"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

#: Why the learner ended a session: the default (``/end``) first, then stepping away (``/safety``).
EndReason = Literal["finished", "safety"]
END_REASONS: tuple[EndReason, ...] = get_args(EndReason)

#: Why a session ended, as its record keeps it (``end_reason``): the learner's reasons above, in
#: their order, then ``conversation`` when the patient's last act ended it on a turn.
SessionEndReason = Literal[EndReason, "conversation"]
SESSION_END_REASONS: tuple[SessionEndReason, ...] = get_args(SessionEndReason)

#: A session's state, in the order it moves through them: opening (``starting``), the learner
#: may speak (``active``), summarised (``ended``); ``failed`` if the engine never opened it.
SessionStatus = Literal["starting", "active", "ended", "failed"]
SESSION_STATUSES: tuple[SessionStatus, ...] = get_args(SessionStatus)

#: A learner turn's state, in order: stored and sent to the engine, then the reply stored.
TurnStatus = Literal["pending", "answered", "failed"]
TURN_STATUSES: tuple[TurnStatus, ...] = get_args(TurnStatus)

#: How far a learner is with an assignment, in the order the completion page counts them:
#: nothing yet, started, every scenario practised enough, then past the due date without that.
AssignmentStatus = Literal["not_started", "in_progress", "done", "overdue"]
ASSIGNMENT_STATUSES: tuple[AssignmentStatus, ...] = get_args(AssignmentStatus)

# --- people -----------------------------------------------------------------------------

#: A user's role across the app: learner first, admin last, as the CLI offers them and the demo
#: creates its accounts.
Role = Literal["learner", "facilitator", "reviewer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
#: The app-wide roles that may hold a staff role in a cohort and open the staff pages: all but learner.
STAFF_ROLES: tuple[Role, ...] = tuple(role for role in ROLES if role != "learner")

#: A member's role in one cohort (the app-wide roles but admin), in the same order.
CohortRole = Literal["learner", "facilitator", "reviewer"]
COHORT_ROLES: tuple[CohortRole, ...] = get_args(CohortRole)
#: The cohort roles that read the practice of the cohort's learners: all but learner.
COHORT_STAFF_ROLES: tuple[CohortRole, ...] = tuple(role for role in COHORT_ROLES if role != "learner")

#: A group run's state (a facilitator's practice with a cohort, api/services/group_runs.py), in
#: order: members propose and the facilitator sends (``open``), held (``paused``), over (``ended``).
GroupRunStatus = Literal["open", "paused", "ended"]
GROUP_RUN_STATUSES: tuple[GroupRunStatus, ...] = get_args(GroupRunStatus)
#: Where a group run's current turn is, in order: members propose replies, then (optionally) vote.
GroupPhase = Literal["proposing", "voting"]
GROUP_PHASES: tuple[GroupPhase, ...] = get_args(GroupPhase)

#: What failed sign-ins are counted by (api/auth/throttle.py): the account name tried, and the
#: address the attempt came from.
SignInKey = Literal["account", "address"]
SIGN_IN_KEYS: tuple[SignInKey, ...] = get_args(SignInKey)

# --- feedback on what the learner said ------------------------------------------------

#: A reviewer's correction of the scorer: a detected cue that is not there, or one it missed.
CorrectionKind = Literal["wrong", "missed"]
CORRECTION_KINDS: tuple[CorrectionKind, ...] = get_args(CorrectionKind)
#: Where a rebuild of the scorer with reviewers' corrections is (practice/scoring/corrections.py):
#: training (``running``), then selected to score (``installed``), refused by the dev macro-F1 rule
#: (``refused``), or stopped by an error (``failed``).
RebuildStatus = Literal["running", "installed", "refused", "failed"]
REBUILD_STATUSES: tuple[RebuildStatus, ...] = get_args(RebuildStatus)

#: The cue groups (``families`` in data/cues/taxonomy.yml), in the taxonomy's order: the two
#: helpful families first, then the anti-patterns that harm.
CueFamily = Literal["active_listening", "de_escalation", "anti_pattern"]
CUE_FAMILIES: tuple[CueFamily, ...] = get_args(CueFamily)

# --- what the course measures ---------------------------------------------------------

#: When a learner rated their confidence (data/confidence.yml): before their first practice in
#: a cohort, or after the course; in time order, so "before" comes first wherever both show.
SurveyPhase = Literal["pre", "post"]
SURVEY_PHASES: tuple[SurveyPhase, ...] = get_args(SurveyPhase)
# --- looking after yourself -------------------------------------------------------------

#: How a learner says they feel in a private check-in (api/services/check_ins.py), in the order
#: the form offers them: settled first, then more affected, then unsure.
Feeling = Literal["okay", "shaken", "upset", "not_sure"]
FEELINGS: tuple[Feeling, ...] = get_args(Feeling)
