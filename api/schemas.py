"""Request and response bodies. Engine messages (patient lines, score cards, summaries) pass
through as the JSON objects DESIGN.md describes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.vocabulary import (
    AssignmentStatus,
    CohortRole,
    CorrectionKind,
    EndReason,
    Feeling,
    GroupPhase,
    GroupRunStatus,
    Role,
    SessionStatus,
    SurveyPhase,
    TurnStatus,
)

JsonObject = dict[str, Any]

MAX_ID = 2**31 - 1  # the largest id the tables hold; larger ones are refused, not sent to the database
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Request(BaseModel):
    """Request bodies: unknown fields (owner, role, scores, timestamps...) are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("contains a NUL character")
        return value


class SessionCreate(Request):
    scenario_id: str = Field(min_length=1, max_length=100)
    version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Preview this version of a scenario you wrote; left out: the version published to you.",
    )
    seed: int | None = Field(
        default=None, ge=0, lt=2**31, description="Replay a conversation exactly; random when left out."
    )


class TurnCreate(Request):
    text: str = Field(description="What the learner says: 1-1000 characters after trimming; a leading '/' is dropped.")


class BranchCreate(Request):
    turn: int = Field(ge=1, le=MAX_ID, description="The reply (numbered from 1) to say differently.")


class SessionEnd(Request):
    reason: EndReason = "finished"


ServiceState = Literal["up", "busy", "down"]


class Health(BaseModel):
    """Always 200 while the API answers; what it depends on, each ``up`` or not."""

    status: Literal["ok"] = "ok"
    engine: Literal["up", "down"]
    database: ServiceState = "up"


class ScenarioList(BaseModel):
    items: list[JsonObject] = Field(description="Scenario briefs: no hidden need, no lines.")


class SessionState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    scenario_id: str
    scenario_version: int | None = Field(
        default=None, description="The version played of a scenario written in the browser; none for a built-in one."
    )
    status: SessionStatus
    outcome: str | None = None


class SessionOut(SessionState):
    """A session as created: the scenario brief and the patient's opening line(s)."""

    scenario: JsonObject | None = Field(default=None, description="The scenario brief, if the scenario still exists.")
    seed: int
    opening: list[JsonObject] = Field(description="patient_line messages that open the conversation.")
    created_at: datetime
    ended_at: datetime | None = None
    branch_of: str | None = Field(
        default=None, description="A branch: the session it replays (its turns before branch_turn are replayed)."
    )
    branch_turn: int | None = Field(default=None, description="A branch: the reply said differently.")


class BranchLink(BaseModel):
    """A branch of a session: tried differently from reply ``turn``."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    branch_turn: int | None = None
    status: SessionStatus
    created_at: datetime


class TurnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    index: int
    learner_text: str
    status: TurnStatus
    patient_lines: list[JsonObject]
    score_card: JsonObject | None = None
    created_at: datetime
    answered_at: datetime | None = None


class TurnResult(BaseModel):
    """The answered turn, the session's state after it, and the summary if the patient ended it."""

    turn: TurnOut
    session: SessionState
    summary: JsonObject | None = None


class EndResult(BaseModel):
    session: SessionState
    end_reason: str | None = None
    patient_lines: list[JsonObject] = Field(
        default_factory=list, description="What the patient said on the way out, if anything."
    )
    summary: JsonObject


class Transcript(SessionOut):
    end_reason: str | None = None
    turns: list[TurnOut]
    closing: list[JsonObject] = Field(default_factory=list)
    summary: JsonObject | None = None
    comments: list[CommentOut] = Field(
        default_factory=list, description="Reviewers' comments, each anchored to a turn."
    )
    corrections: list[CorrectionOut] = Field(
        default_factory=list, description="Reviewers' corrections of detected cues."
    )
    branches: list[BranchLink] = Field(
        default_factory=list, description="Your branches of this session (tried differently from a reply)."
    )


class SessionListItem(SessionState):
    created_at: datetime
    ended_at: datetime | None = None
    turn_count: int


class SessionList(BaseModel):
    items: list[SessionListItem]
    total: int
    limit: int
    offset: int


class ErrorBody(BaseModel):
    code: str
    message: str
    problems: list[str] | None = Field(
        default=None,
        description="Every problem with a scenario (code `invalid_scenario`) or with questionnaire answers "
        "(code `invalid_answers`), one per entry.",
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


#: A route's extra documented responses (FastAPI's ``responses=``), e.g. ``{404: {"model": ErrorResponse}}``;
#: annotated so the shared constants match FastAPI's ``dict[int | str, dict[str, Any]]``.
Responses = dict[int | str, dict[str, Any]]

#: The answer to a sign-in refused by the throttle (``api.auth.throttle``), as documented.
TOO_MANY_ATTEMPTS: Responses = {
    429: {
        "model": ErrorResponse,
        "description": (
            "Too many failed sign-ins for this account name or from this address lately "
            "(code `too_many_attempts`); the password was not checked."
        ),
        "headers": {
            "Retry-After": {
                "description": "Seconds until the oldest counted failure expires and an attempt is allowed again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}


# --- accounts -------------------------------------------------------------------------


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class UserCreate(Request):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
    password: str = Field(min_length=8, max_length=256)
    role: Role = "learner"
    display_name: str | None = Field(default=None, max_length=120)


class UserUpdate(Request):
    """What an admin may change about a user. Deactivating revokes the user's tokens."""

    is_active: bool | None = None
    display_name: str | None = Field(default=None, max_length=120)
    can_author: bool | None = Field(
        default=None, description="Grant (true) or revoke (false) writing scenarios; facilitators and admins only."
    )


class PasswordChange(Request):
    current_password: str = Field(max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None = None
    role: Role
    is_active: bool
    can_author: bool = Field(default=False, description="May write scenarios and publish them to their cohorts.")
    created_at: datetime


class UserList(BaseModel):
    items: list[UserOut]


# --- cohorts and assignments ----------------------------------------------------------


class CohortCreate(Request):
    name: str = Field(min_length=1, max_length=120, description="e.g. the course and its date")
    description: str | None = Field(default=None, max_length=2000)


class MemberSet(Request):
    role: CohortRole = Field(description="The member's role in this cohort.")


class MemberOut(BaseModel):
    user_id: int
    username: str
    display_name: str | None = None
    role: CohortRole
    added_at: datetime


class CohortOut(BaseModel):
    id: int
    name: str
    description: str | None = None
    created_at: datetime
    my_role: CohortRole | None = Field(
        default=None, description="Your role in this cohort (none for admins who are not members)."
    )
    members: list[MemberOut] | None = Field(
        default=None, description="Shown to admins and the cohort's facilitators and reviewers."
    )


class CohortList(BaseModel):
    items: list[CohortOut]


class AssignmentCreate(Request):
    scenario_ids: list[str] = Field(min_length=1, max_length=20, description="Scenarios to practise.")
    due_at: datetime = Field(description="When it is due (ISO 8601; without a zone it is read as UTC).")
    min_attempts: int = Field(default=1, ge=1, le=20, description="Finished attempts needed per scenario.")
    note: str | None = Field(default=None, max_length=2000)
    learner_ids: list[Id] | None = Field(
        default=None, max_length=500, description="Only these learners of the cohort; left out: the whole cohort."
    )


class AssignmentOut(BaseModel):
    id: int
    cohort_id: int
    scenario_ids: list[str]
    due_at: datetime
    min_attempts: int
    note: str | None = None
    learner_ids: list[int] | None = None
    created_by: int | None = None
    created_at: datetime


class AssignmentList(BaseModel):
    items: list[AssignmentOut]


class ScenarioAttempts(BaseModel):
    scenario_id: str
    attempts: int = Field(description="Finished attempts since the assignment was set.")


class LearnerProgress(BaseModel):
    user_id: int
    username: str
    display_name: str | None = None
    status: AssignmentStatus
    attempts: int
    per_scenario: list[ScenarioAttempts]
    best_score: float | None = Field(description="Best mean turn score over finished attempts.")
    latest_score: float | None = Field(description="Mean turn score of the latest finished attempt.")
    last_practised_at: datetime | None = None


class AssignmentProgress(AssignmentOut):
    learners: list[LearnerProgress]


class MyAssignment(AssignmentOut):
    cohort_name: str
    status: AssignmentStatus
    attempts: int
    per_scenario: list[ScenarioAttempts]
    best_score: float | None = None
    latest_score: float | None = None


class MyAssignmentList(BaseModel):
    items: list[MyAssignment]


# --- history --------------------------------------------------------------------------


# One number per cue family, a field each (actions.vocabulary.CUE_FAMILIES; tests/test_vocabulary.py
# keeps the fields in step). A comment, not a docstring: a docstring would change the OpenAPI document.
class FamilyNumbers(BaseModel):
    active_listening: float = 0
    de_escalation: float = 0
    anti_pattern: float = 0


class ProgressPoint(BaseModel):
    session_id: str
    scenario_id: str
    created_at: datetime
    outcome: str | None = None
    turns: int
    score: float | None = Field(description="Mean turn score.")
    family_counts: FamilyNumbers = Field(description="Cues heard in this session, per family.")
    family_per_turn: FamilyNumbers = Field(description="The same per learner turn, comparable across sessions.")
    reflection_to_question: float | None = Field(
        description="From the session summary; None when no question was asked."
    )


class ProgressTotals(BaseModel):
    sessions: int
    turns: int
    outcomes: dict[str, int]
    family_counts: FamilyNumbers
    family_per_turn: FamilyNumbers
    mean_score: float | None = None
    mean_reflection_to_question: float | None = None


class Progress(BaseModel):
    """Finished sessions oldest first (a time series), and totals over them."""

    points: list[ProgressPoint]
    totals: ProgressTotals


# --- reviews --------------------------------------------------------------------------


class CommentCreate(Request):
    turn_index: int = Field(ge=1, description="The learner turn the comment is about (1, 2, ...).")
    body: str = Field(min_length=1, max_length=4000)


class CommentOut(BaseModel):
    id: int
    session_id: str
    turn_index: int
    author_id: int
    author: str = Field(description="The reviewer's display name or username.")
    body: str
    created_at: datetime


class CommentList(BaseModel):
    items: list[CommentOut]


class CorrectionCreate(Request):
    cue: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A cue id from data/cues/taxonomy.yml.")
    kind: CorrectionKind = Field(
        description="wrong: the scorer detected it but it is not there; missed: it is there but was not detected."
    )


class CorrectionOut(BaseModel):
    turn_index: int
    cue: str
    kind: CorrectionKind
    reviewer_id: int
    created_at: datetime
    scorer_version: str | None = Field(
        None, description="The scorer build whose score card was corrected (null for corrections older than that)."
    )


class ConflictTurn(BaseModel):
    session_id: str
    turn_index: int
    kind: CorrectionKind


class ConflictOut(BaseModel):
    """Reviewers disagree on a cue in the same words: left out of the scorer's rebuilds until settled."""

    text: str
    cue: str
    wrong: int = Field(description="Corrections saying the cue is not there.")
    missed: int = Field(description="Corrections saying the scorer missed it.")
    turns: list[ConflictTurn] = Field(description="The corrected turns you may read.")


class ConflictList(BaseModel):
    items: list[ConflictOut]


class CorrectionList(BaseModel):
    items: list[CorrectionOut]


class ReviewListItem(SessionListItem):
    owner_id: int
    owner: str = Field(description="The learner's display name or username.")


class ReviewList(BaseModel):
    items: list[ReviewListItem]
    total: int
    limit: int
    offset: int


Transcript.model_rebuild()  # it refers to CommentOut and CorrectionOut, defined after it


# --- privacy --------------------------------------------------------------------------


class RetentionSetting(Request):
    days: int | None = Field(
        ge=1,
        le=36500,
        description="Delete practice sessions older than this many days (`practice retention apply`); null keeps them.",
    )


class RetentionOut(BaseModel):
    days: int | None


# --- confidence and satisfaction (data/confidence.yml, api/services/surveys.py) ---------


class ScaleItem(BaseModel):
    id: str
    text: str


class ScaleOut(BaseModel):
    """The confidence questionnaire: its items (ours, from the course's aims) and labelled points."""

    title: str
    intro: str
    stem: str
    min: int
    max: int
    anchors: dict[int, str]
    items: list[ScaleItem]
    satisfaction_question: str
    satisfaction_anchors: dict[int, str]
    comment_max_chars: int


class ConfidenceAnswers(Request):
    answers: dict[str, int] = Field(description="Every item's id -> a point on the scale (`GET /api/me/confidence`).")


class ConfidenceOut(BaseModel):
    """One of your answers (yours alone: staff see only a cohort's aggregates)."""

    cohort_id: int
    cohort_name: str
    phase: SurveyPhase
    answers: dict[str, int]
    mean: float
    answered_at: datetime


class QuestionnaireState(BaseModel):
    """Where you are with one cohort's questionnaires."""

    cohort_id: int
    cohort_name: str
    pre_answered: bool
    pre_offered: bool = Field(description="True until you answer it or first practise after joining the cohort.")
    pre_accepted: bool = Field(
        description="Before-course answers are taken until the after-course questionnaire opens."
    )
    post_open: bool
    post_answered: bool


class MyConfidence(BaseModel):
    scale: ScaleOut
    cohorts: list[QuestionnaireState]
    responses: list[ConfidenceOut]


class RatingCreate(Request):
    rating: int = Field(ge=1, le=5, description="1 very dissatisfied ... 5 very satisfied.")
    comment: str | None = Field(default=None, max_length=1000, description="Optional; at most 280 characters.")


class RatingOut(BaseModel):
    session_id: str
    rating: int
    comment: str | None
    rated_at: datetime


class ItemChange(BaseModel):
    id: str
    text: str
    mean_pre: float
    mean_post: float
    difference: float


class ConfidenceSummary(BaseModel):
    """A cohort's confidence, 1 to the scale's top: every value is None when fewer than `min_n`
    learners stand behind it. The change compares the same learners (`n_paired`: both answered)."""

    n_pre: int
    n_post: int
    n_paired: int
    mean_pre: float | None = Field(description="Mean over every learner who answered before.")
    mean_post: float | None = Field(description="Mean over every learner who answered after.")
    paired_mean_pre: float | None
    paired_mean_post: float | None
    difference: float | None = Field(description="Paired mean after minus paired mean before.")
    percent_change: float | None = Field(description="The difference as a percentage of the paired mean before.")
    items: list[ItemChange] = Field(description="Per item, paired learners; empty when hidden.")


class SatisfactionSummary(BaseModel):
    n: int
    mean: float | None
    percent_satisfied: float | None = Field(description="Share of ratings of 4 or 5, in percent.")


class CohortMeasures(BaseModel):
    """What the course measured for one cohort: aggregates only, never a learner's answers."""

    cohort_id: int
    min_n: int = Field(description="Aggregates of fewer learners (or ratings) than this are hidden.")
    scale_min: int
    scale_max: int
    post_open: bool
    post_opened_at: datetime | None
    confidence: ConfidenceSummary
    satisfaction: SatisfactionSummary


class PostQuestionnaire(Request):
    open: bool


# --- check-ins: the learner's alone ----------------------------------------------------

#: The longest note a check-in keeps (each of its two).
MAX_CHECK_IN_NOTE = 2000


class CheckInCreate(Request):
    session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="The practice session it follows (yours); left out: a check-in on its own.",
    )
    feeling: Feeling | None = Field(default=None, description="How are you feeling now?")
    feeling_note: str | None = Field(
        default=None, max_length=MAX_CHECK_IN_NOTE, description="Anything you want to add, in your own words."
    )
    affected: bool | None = Field(default=None, description="Did anything in it affect you? Left out: not answered.")
    affected_note: str | None = Field(
        default=None, max_length=MAX_CHECK_IN_NOTE, description="What affected you, if you want to say."
    )


class CheckInOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    session_id: str | None = Field(description="The session it followed; null if none, or since deleted.")
    created_at: datetime
    feeling: Feeling | None
    feeling_note: str | None
    affected: bool | None
    affected_note: str | None


class Signposting(BaseModel):
    id: str = Field(description="Which section of data/support.yml's check_in.signposting fits the answers.")
    heading: str
    text: str
    options: list[str]


class CheckInDetail(CheckInOut):
    signposting: Signposting = Field(description="Support that fits what you said.")
    prompt: str = Field(description="A self-compassion prompt from the course's themes.")


class CheckInList(BaseModel):
    items: list[CheckInOut] = Field(description="Your check-ins, newest first.")


class MyExport(BaseModel):
    """Everything the service holds about you."""

    exported_at: datetime
    user: UserOut
    cohorts: list[JsonObject]
    sessions: list[Transcript]
    assignments: list[MyAssignment]
    comments_written: list[CommentOut]
    corrections_made: list[JsonObject]
    confidence: list[ConfidenceOut] = Field(default_factory=list, description="Your confidence answers.")
    satisfaction: list[RatingOut] = Field(default_factory=list, description="Your ratings of your sessions.")
    check_ins: list[CheckInOut] = Field(description="Your private check-ins after practice, oldest first.")
    group_proposals: list[JsonObject] = Field(
        default_factory=list, description="Replies you proposed in group practice, and whether the group sent them."
    )


# --- scenarios written in the browser -------------------------------------------------

ScenarioData = Annotated[
    dict[str, Any],
    Field(description="A whole scenario, as a scenario file's fields (docs/DESIGN.md); `id` may be left out."),
]


class AuthoredScenarioCreate(Request):
    """A new scenario: its own ``data``, or a copy of another (``copy_of``, ``copy_version``)."""

    id: str = Field(min_length=1, max_length=60, description="Lowercase words joined by single '_'.")
    data: ScenarioData | None = None
    copy_of: str | None = Field(default=None, max_length=100, description="A built-in scenario's id, or one of yours.")
    copy_version: int | None = Field(default=None, ge=1, le=MAX_ID, description="Of yours: which version to copy.")


class ScenarioVersionCreate(Request):
    data: ScenarioData


class ScenarioCheck(Request):
    """A scenario to check without saving; ``id`` names it in the problems."""

    id: str = Field(default="draft", min_length=1, max_length=60)
    data: ScenarioData


class ScenarioCheckResult(BaseModel):
    valid: bool
    problems: list[str] = Field(description="Every problem, one `id: field.path: problem` line each.")


class PublishRequest(Request):
    cohort_ids: list[Id] = Field(min_length=1, max_length=100, description="Cohorts you facilitate.")


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scenario_id: str
    cohort_id: int
    version: int
    published_by: int | None = None
    published_at: datetime


class VersionOut(BaseModel):
    """A version's history entry: who saved it, when, what changed."""

    model_config = ConfigDict(from_attributes=True)

    scenario_id: str
    number: int
    author_id: int | None = None
    created_at: datetime
    summary: str


class VersionDetail(VersionOut):
    data: JsonObject


class AuthoredScenarioOut(BaseModel):
    id: str
    title: str = Field(description="The latest version's title.")
    created_by: int | None = None
    created_at: datetime
    versions: list[VersionOut]
    publications: list[PublicationOut]


class AuthoredScenarioList(BaseModel):
    items: list[AuthoredScenarioOut]


# --- group runs (api/services/group_runs.py) -------------------------------------------

GroupViewer = Literal["lead", "staff", "member"]


class GroupRunCreate(Request):
    cohort_id: Id = Field(description="A cohort you facilitate; its learners join with the code.")
    scenario_id: str = Field(min_length=1, max_length=100)
    seed: int | None = Field(default=None, ge=0, le=MAX_ID)


class GroupJoin(Request):
    code: str = Field(min_length=1, max_length=20, description="The join code the facilitator shows.")


class ProposalCreate(Request):
    text: str = Field(min_length=1, max_length=4000, description="The reply you propose for the group.")


class ProposalPick(Request):
    proposal_id: Id


class VoteOpen(Request):
    seconds: int = Field(default=60, ge=10, le=600, description="How long members may vote.")


class VoteCast(Request):
    proposal_id: Id


class VoteClose(Request):
    proposal_id: Id | None = Field(default=None, description="Break a tie: one of the proposals with the most votes.")


class GroupProposalOut(BaseModel):
    """A proposed reply. Its author is named to the cohort's staff only (``proposer``)."""

    id: int
    label: str = Field(description="'Reply A', 'Reply B'... in the order proposed this round.")
    text: str
    mine: bool = False
    proposer: str | None = Field(default=None, description="Who proposed it: staff only.")
    votes: int | None = Field(default=None, description="Shown once the vote is over (to staff, always).")
    chosen: bool = False
    score_card: JsonObject | None = Field(
        default=None, description="For a reply not sent: how the same scorer read it (no patient reaction)."
    )


class GroupTurnOut(BaseModel):
    """A reply the group sent, the patient's answer, and the replies it did not send."""

    index: int
    text: str
    status: TurnStatus
    label: str | None = None
    proposer: str | None = Field(default=None, description="Who proposed it: staff only.")
    votes: int | None = None
    score_card: JsonObject | None = None
    patient_lines: list[JsonObject]
    alternatives: list[GroupProposalOut]
    tried_again: bool = Field(default=False, description="The facilitator let the group try this turn again.")
    set_aside: list[GroupProposalOut] = Field(
        default_factory=list,
        description="Replies proposed after this turn in a round never sent (the group tried again, or it ended).",
    )


class GroupRunOut(BaseModel):
    """A group run as one viewer may see it: the facilitator leading it (``lead``), the cohort's
    other staff (``staff``), or a member who joined (``member``, who never sees names)."""

    id: int
    session_id: str
    cohort_id: int
    cohort_name: str
    scenario_id: str
    scenario_title: str
    patient: str
    situation: str | None = None
    code: str | None = Field(default=None, description="The join code; none once the run has ended.")
    status: GroupRunStatus
    phase: GroupPhase
    round: int
    vote_deadline: datetime | None = None
    vote_open: bool = Field(description="Members may vote now (voting, before the deadline).")
    retry_of: int | None = Field(default=None, description="The turn the group is trying again, if any.")
    viewer: GroupViewer
    version: int
    participants: int
    participant_names: list[str] | None = Field(default=None, description="Who joined: staff only.")
    session_status: SessionStatus
    outcome: str | None = None
    opening: list[JsonObject]
    turns: list[GroupTurnOut]
    proposals: list[GroupProposalOut] = Field(description="This round's proposals.")
    leaders: list[int] = Field(default_factory=list, description="Proposals with the most votes, once voting.")
    my_proposal: str | None = None
    my_vote: int | None = None
    pending_text: str | None = Field(default=None, description="A reply sent but not yet answered by the patient.")
    created_at: datetime
    ended_at: datetime | None = None


class GroupRunListItem(BaseModel):
    id: int
    cohort_id: int
    scenario_id: str
    session_id: str
    status: GroupRunStatus
    turns: int
    created_at: datetime
    ended_at: datetime | None = None
