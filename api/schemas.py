"""Request and response bodies. Engine messages (patient lines, score cards, summaries) pass
through as the JSON objects DESIGN.md describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JsonObject = dict[str, Any]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionCreate(Request):
    scenario_id: str = Field(min_length=1, max_length=100)
    seed: int | None = Field(
        default=None, ge=0, lt=2**31, description="Replay a conversation exactly; random when left out."
    )


class TurnCreate(Request):
    text: str = Field(description="What the learner says: 1-1000 characters after trimming; a leading '/' is dropped.")


class SessionEnd(Request):
    reason: Literal["finished", "safety"] = "finished"


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    engine: Literal["up", "down"]


class ScenarioList(BaseModel):
    items: list[JsonObject] = Field(description="Scenario briefs: no hidden need, no lines.")


class SessionState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    scenario_id: str
    status: Literal["starting", "active", "ended", "failed"]
    outcome: str | None = None


class SessionOut(SessionState):
    """A session as created: the scenario brief and the patient's opening line(s)."""

    scenario: JsonObject | None = Field(default=None, description="The scenario brief, if the scenario still exists.")
    seed: int
    opening: list[JsonObject] = Field(description="patient_line messages that open the conversation.")
    created_at: datetime
    ended_at: datetime | None = None


class TurnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    index: int
    learner_text: str
    status: Literal["pending", "answered"]
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
    patient_lines: list[JsonObject] = Field(default_factory=list, description="What the patient said on the way out, if anything.")
    summary: JsonObject


class Transcript(SessionOut):
    end_reason: str | None = None
    turns: list[TurnOut]
    closing: list[JsonObject] = Field(default_factory=list)
    summary: JsonObject | None = None


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


class ErrorResponse(BaseModel):
    error: ErrorBody


# --- accounts -------------------------------------------------------------------------

Role = Literal["learner", "facilitator", "reviewer", "admin"]
CohortRole = Literal["learner", "facilitator", "reviewer"]


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
    identity_provider: str | None = Field(default=None, description="Set for single sign-on accounts (not yet used).")
    created_at: datetime


class UserList(BaseModel):
    items: list[UserOut]
