"""Tables: accounts and cohorts, recent failed sign-ins, practice sessions (one Rasa conversation each) and their learner
turns, assignments, reviewers' comments and cue corrections, scenarios written in the browser (their versions and
where each is published), what the course measures (learners' confidence before and after, satisfaction with each
session), learners' private check-ins, group runs (their members, proposals and votes), and app-wide settings.

Changing a table means a new Alembic migration under ``api/migrations/versions/``.

Columns holding a word of the domain's vocabulary (a status, a role, an outcome...) are typed
with its ``Literal`` from ``actions.vocabulary`` but stay plain strings with no database
constraint, as the migrations created them (a constraint would need a migration);
tests/test_vocabulary.py checks that each column is long enough for every value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from actions.vocabulary import (
    CohortRole,
    CorrectionKind,
    Feeling,
    GroupPhase,
    GroupRunStatus,
    Outcome,
    RebuildStatus,
    Role,
    SessionEndReason,
    SessionStatus,
    SignInKey,
    SurveyPhase,
    TurnStatus,
)
from api.db import Base, UTCDateTime, utcnow


class User(Base):
    """An account: signs in with a password (docs/ACCOUNTS.md says where single sign-on would go)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120), default=None)
    role: Mapped[Role] = mapped_column(String(16), default="learner")
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # May write scenarios in the browser and publish them to the cohorts they facilitate
    # (api/services/authoring.py); granted by an admin, to facilitators and admins only.
    can_author: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped to invalidate every token issued so far (password change, deactivation).
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInFailure(Base):
    """One failed sign-in, counted against the account name tried and, in a second row, the
    address it came from (``api.auth.throttle``). ``key`` is a keyed hash (HMAC-SHA256 with the
    app's secret key), never the name or the address itself; rows older than the window are
    deleted as new failures come in, and an account's go when it signs in."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_kind_key_at", "key_kind", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_kind: Mapped[SignInKey] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))  # hex HMAC-SHA256
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # False while the attempt is still checking its password; True once it failed (api.auth.throttle).
    settled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Cohort(Base):
    """A group of delegates (e.g. one course date) with its facilitators and reviewers."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a facilitator opened the after-course confidence questionnaire (api/services/surveys.py);
    # None: not open yet, so learners answer "before" and no "after".
    post_survey_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True
    )


class CohortMember(Base):
    """A user in a cohort, as learner, facilitator or reviewer (one role per cohort)."""

    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[CohortRole] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class PracticeSession(Base):
    """One rehearsal of one scenario; its id is the Rasa sender id."""

    __tablename__ = "practice_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The learner who started it. Empty only for sessions recorded before accounts existed.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    # The version played, for a scenario written in the browser (AuthoredScenario); None for a
    # built-in one. The engine played it as ``<scenario_id>__v<scenario_version>``.
    scenario_version: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[SessionStatus] = mapped_column(String(16), default="starting", index=True)
    seed: Mapped[int] = mapped_column(Integer)
    opening: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # patient_line messages
    closing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # lines sent on /end
    outcome: Mapped[Outcome | None] = mapped_column(String(32), default=None)
    end_reason: Mapped[SessionEndReason | None] = mapped_column(String(32), default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Who is talking to the engine for this session, and until when (``api.services.turn_lease``):
    # a random token per request, so API processes send one session's turns one at a time. Both
    # empty when no turn is in flight; a lease past ``turn_lease_until`` (its worker died) is free.
    turn_lease_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    turn_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A branch ("Try a different reply here", ``api.services.branches``): the session it replays
    # and the turn the learner said differently. Turns 1..branch_turn-1 were replayed from the
    # original's replies and came back the same. No foreign key (see migration 0011): the
    # original may be deleted (retention) and the branch keeps its own transcript.
    branch_of: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    branch_turn: Mapped[int | None] = mapped_column(Integer, default=None)

    turns: Mapped[list[Turn]] = relationship(
        back_populates="session", order_by="Turn.index", cascade="all, delete-orphan"
    )


class XapiDelivery(Base):
    """The last push of a session's xAPI statements to the LRS (api/services/xapi_push.py):
    ids and numbers only, never a statement's body."""

    __tablename__ = "xapi_deliveries"

    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True)
    delivered: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)  # the LRS's HTTP status; None: no answer
    statement_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Turn(Base):
    """What the learner said once, and what came back (patient lines and a score card)."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "index", name="uq_turn_session_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order the learner spoke
    learner_text: Mapped[str] = mapped_column(Text)
    patient_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score_card: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[TurnStatus] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    session: Mapped[PracticeSession] = relationship(back_populates="turns")


class Assignment(Base):
    """Scenarios a facilitator set for a cohort (or named learners in it), with a due date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scenario_ids: Mapped[list[str]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    min_attempts: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learners: Mapped[list[AssignmentLearner]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class AssignmentLearner(Base):
    """A learner an assignment names; an assignment naming none is for the whole cohort."""

    __tablename__ = "assignment_learners"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Comment(Base):
    """A reviewer's comment on one turn of a learner's session; the learner sees it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    turn_index: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class CueCorrection(Base):
    """A reviewer's correction of the scorer on one turn: a detected cue is wrong, or one was missed."""

    __tablename__ = "cue_corrections"
    __table_args__ = (UniqueConstraint("turn_id", "cue", name="uq_correction_turn_cue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cue: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CorrectionKind] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the scorer build whose score card was corrected (the card's `scorer`; None before cards had it)
    scorer_version: Mapped[str | None] = mapped_column(String(64), default=None)

    turn: Mapped[Turn] = relationship()


class ScorerRebuild(Base):
    """A rebuild of the scorer's classifier with reviewers' corrections, started from the admin
    page: who started it, when, and what came of it (the before/after report as JSON)."""

    __tablename__ = "scorer_rebuilds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[RebuildStatus] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    build_id: Mapped[str | None] = mapped_column(String(64), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class AuthoredScenario(Base):
    """A scenario written in the browser rather than shipped in ``data/scenarios``: its id
    (never a built-in's, never containing ``__``) and who started it; its content is in its versions."""

    __tablename__ = "authored_scenarios"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ScenarioVersion]] = relationship(
        order_by="ScenarioVersion.number", cascade="all, delete-orphan", passive_deletes=True
    )


class ScenarioVersion(Base):
    """One saved version (1, 2, ...) of an authored scenario: the whole scenario as JSON, never
    changed once saved, so a session that played it can always be read against it."""

    __tablename__ = "scenario_versions"

    scenario_id: Mapped[str] = mapped_column(ForeignKey("authored_scenarios.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What changed against the previous version, in words: "persona.name, facts (1 added)".
    summary: Mapped[str] = mapped_column(Text)


class ScenarioPublication(Base):
    """Which version of an authored scenario a cohort's learners play: one row per scenario and
    cohort; publishing again moves the version."""

    __tablename__ = "scenario_publications"

    scenario_id: Mapped[str] = mapped_column(ForeignKey("authored_scenarios.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConfidenceResponse(Base):
    """A learner's answers to the confidence scale (data/confidence.yml) for one cohort, before
    their first practice in it ("pre") or after the course ("post"); answering again replaces
    them. Only the learner reads them; staff see the cohort's aggregates (api/services/surveys.py)."""

    __tablename__ = "confidence_responses"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id", "phase", name="uq_confidence_user_cohort_phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    phase: Mapped[SurveyPhase] = mapped_column(String(8))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)  # item id -> point on the scale
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionRating(Base):
    """The learner's one optional line of satisfaction with a practice session: a rating 1-5 and
    a short comment. Goes with the session (deletion, retention)."""

    __tablename__ = "session_ratings"

    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckIn(Base):
    """A learner's private check-in after practice (how they feel, whether anything affected
    them). Only its learner ever reads it (``api.services.check_ins``): never scored, never shown
    to staff, never logged; exported with their data and deleted with their account. The session
    it follows, if any, may be deleted first (retention): the check-in stays, its link cleared."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    feeling: Mapped[Feeling | None] = mapped_column(String(16), default=None)
    feeling_note: Mapped[str | None] = mapped_column(Text, default=None)
    # Did anything in it affect them: True yes, False no, None not answered.
    affected: Mapped[bool | None] = mapped_column(Boolean, default=None)
    affected_note: Mapped[str | None] = mapped_column(Text, default=None)


class GroupRun(Base):
    """A facilitator practising a scenario with a cohort (api/services/group_runs.py). The
    conversation itself is an ordinary practice session owned by the facilitator; this row adds
    the cohort, the join code, and where the current turn is. ``round`` counts attempts at a
    turn: proposals and votes belong to one round, and a new round opens after each reply sent
    or when the facilitator lets the group try again."""

    __tablename__ = "group_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Six letters and digits members type to join; refused once the run has ended.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[GroupRunStatus] = mapped_column(String(16), default="open")
    phase: Mapped[GroupPhase] = mapped_column(String(16), default="proposing")
    round: Mapped[int] = mapped_column(Integer, default=1)
    vote_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The turn the group is trying again (the engine keeps it: there is no undo), if it is.
    retry_of: Mapped[int | None] = mapped_column(Integer, default=None)
    retried: Mapped[list[int]] = mapped_column(JSON, default=list)  # every turn tried again, for the transcript
    # Bumped on every change, so a live view (on any API process) knows to refresh.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    session: Mapped[PracticeSession] = relationship()


class GroupParticipant(Base):
    """A cohort member who joined a group run with its code."""

    __tablename__ = "group_participants"

    run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class GroupProposal(Base):
    """A reply a member proposed for one round of a group run. The chosen one became turn
    ``turn_index``; the others keep the score card the same scorer gave them (no patient reaction)."""

    __tablename__ = "group_proposals"
    __table_args__ = (UniqueConstraint("run_id", "round", "author_id", name="uq_group_proposal_author"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    # The turn this round's reply became (the chosen proposal and its alternatives), once sent.
    turn_index: Mapped[int | None] = mapped_column(Integer, default=None)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    score_card: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class GroupVote(Base):
    """A member's vote for one proposal of a round (one vote a member a round; voting again moves it)."""

    __tablename__ = "group_votes"

    run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("group_proposals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppSetting(Base):
    """App-wide settings an admin changes at run time (e.g. ``retention_days``)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
