"""sign_in_failures: recent failed sign-ins, counted per account name and per address

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    # Counting one key's failures in the window; pruning every row older than the window.
    op.create_index("ix_sign_in_failures_key_kind_key_at", "sign_in_failures", ["key_kind", "key", "at"])
    op.create_index("ix_sign_in_failures_at", "sign_in_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_key_kind_key_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
