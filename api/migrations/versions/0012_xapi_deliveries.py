"""xapi_deliveries: whether a finished session's xAPI statements reached the configured LRS

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# A new table only. A delivery goes with its session (CASCADE: retention, account deletion);
# it holds ids and numbers, never a statement's body.


def upgrade() -> None:
    op.create_table(
        "xapi_deliveries",
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("statement_ids", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("xapi_deliveries")
