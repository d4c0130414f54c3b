"""Tables: a practice session (one Rasa conversation) and its learner turns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow

# Session statuses: ``starting`` while the engine opens the conversation, ``active`` while the
# learner may speak, ``ended`` once there is a summary, ``failed`` if the engine never opened it.
SESSION_STATUSES = ("starting", "active", "ended", "failed")
TURN_STATUSES = ("pending", "answered")


class PracticeSession(Base):
    """One rehearsal of one scenario; its id is the Rasa sender id."""

    __tablename__ = "practice_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), default="starting", index=True)
    seed: Mapped[int] = mapped_column(Integer)
    opening: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # patient_line messages
    closing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # lines sent on /end
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    turns: Mapped[list[Turn]] = relationship(
        back_populates="session", order_by="Turn.index", cascade="all, delete-orphan"
    )


class Turn(Base):
    """What the learner said once, and what came back (patient lines and a score card)."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "index", name="uq_turn_session_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order the learner spoke
    learner_text: Mapped[str] = mapped_column(Text)
    patient_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score_card: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    session: Mapped[PracticeSession] = relationship(back_populates="turns")
