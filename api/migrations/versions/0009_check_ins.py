"""check_ins: a learner's private check-in after practice (how they feel, whether anything affected them)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# A new table only: nothing existing is copied or altered. A check-in goes with its learner's
# account (CASCADE); the session it follows may go first (retention), leaving the check-in.


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "session_id", sa.String(32), sa.ForeignKey("practice_sessions.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("feeling", sa.String(16), nullable=True),
        sa.Column("feeling_note", sa.Text(), nullable=True),
        sa.Column("affected", sa.Boolean(), nullable=True),
        sa.Column("affected_note", sa.Text(), nullable=True),
    )
    op.create_index("ix_check_ins_user_id", "check_ins", ["user_id"])
    op.create_index("ix_check_ins_session_id", "check_ins", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_check_ins_session_id", "check_ins")
    op.drop_index("ix_check_ins_user_id", "check_ins")
    op.drop_table("check_ins")
