"""authored scenarios: who may write them, their versions, where each is published, and the version a session played

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# New columns by plain ALTER TABLE, no batch copy (as 0005: copying practice_sessions would
# delete every turn through ON DELETE CASCADE). Existing users may not author; existing
# sessions played built-in scenarios (no version).


def upgrade() -> None:
    op.add_column("users", sa.Column("can_author", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("practice_sessions", sa.Column("scenario_version", sa.Integer(), nullable=True))
    op.create_table(
        "authored_scenarios",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_authored_scenarios_created_by", "authored_scenarios", ["created_by"])
    op.create_table(
        "scenario_versions",
        sa.Column(
            "scenario_id",
            sa.String(60),
            sa.ForeignKey("authored_scenarios.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_table(
        "scenario_publications",
        sa.Column(
            "scenario_id",
            sa.String(60),
            sa.ForeignKey("authored_scenarios.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_scenario_publications_cohort_id", "scenario_publications", ["cohort_id"])


def downgrade() -> None:
    op.drop_index("ix_scenario_publications_cohort_id", "scenario_publications")
    op.drop_table("scenario_publications")
    op.drop_table("scenario_versions")
    op.drop_index("ix_authored_scenarios_created_by", "authored_scenarios")
    op.drop_table("authored_scenarios")
    op.drop_column("practice_sessions", "scenario_version")
    op.drop_column("users", "can_author")
