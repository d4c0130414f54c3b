"""scorer builds: the scorer build a correction corrected, and rebuilds of the classifier with reviewers' corrections

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Corrections made before this revision keep a NULL scorer version: their score cards did not
# record one.


def upgrade() -> None:
    with op.batch_alter_table("cue_corrections") as batch:
        batch.add_column(sa.Column("scorer_version", sa.String(64), nullable=True))
    op.create_table(
        "scorer_rebuilds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("build_id", sa.String(64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("scorer_rebuilds")
    with op.batch_alter_table("cue_corrections") as batch:
        batch.drop_column("scorer_version")
