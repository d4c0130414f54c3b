"""confidence and satisfaction: learners' confidence before and after a course, each session's satisfaction line,
and when a cohort's after-course questionnaire was opened

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The new cohort column by plain ALTER TABLE, no batch copy (as 0005 and 0007: copying a
# table others point at with ON DELETE CASCADE would delete their rows). Existing cohorts
# have no after-course questionnaire open.


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("post_survey_opened_at", UTCDateTime(), nullable=True))
    op.create_table(
        "confidence_responses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "cohort_id", "phase", name="uq_confidence_user_cohort_phase"),
    )
    op.create_index("ix_confidence_responses_user_id", "confidence_responses", ["user_id"])
    op.create_index("ix_confidence_responses_cohort_id", "confidence_responses", ["cohort_id"])
    op.create_table(
        "session_ratings",
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_ratings")
    op.drop_index("ix_confidence_responses_cohort_id", "confidence_responses")
    op.drop_index("ix_confidence_responses_user_id", "confidence_responses")
    op.drop_table("confidence_responses")
    op.drop_column("cohorts", "post_survey_opened_at")
