"""group runs: a facilitator practising a scenario with a cohort, its members, their proposals and votes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# New tables only: the conversation of a group run is an ordinary practice session row.


def upgrade() -> None:
    op.create_table(
        "group_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("vote_deadline", UTCDateTime(), nullable=True),
        sa.Column("retry_of", sa.Integer(), nullable=True),
        sa.Column("retried", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_group_runs_cohort_id", "group_runs", ["cohort_id"])
    op.create_index("ix_group_runs_facilitator_id", "group_runs", ["facilitator_id"])
    op.create_table(
        "group_participants",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("group_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_group_participants_user_id", "group_participants", ["user_id"])
    op.create_table(
        "group_proposals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("group_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("score_card", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("run_id", "round", "author_id", name="uq_group_proposal_author"),
    )
    op.create_index("ix_group_proposals_run_id", "group_proposals", ["run_id"])
    op.create_index("ix_group_proposals_author_id", "group_proposals", ["author_id"])
    op.create_table(
        "group_votes",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("group_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("voter_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("group_proposals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_group_votes_voter_id", "group_votes", ["voter_id"])
    op.create_index("ix_group_votes_proposal_id", "group_votes", ["proposal_id"])


def downgrade() -> None:
    op.drop_table("group_votes")
    op.drop_table("group_proposals")
    op.drop_table("group_participants")
    op.drop_table("group_runs")
