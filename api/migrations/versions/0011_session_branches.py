"""session_branches: a session started from a turn of a finished one ("Try a different reply here")

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# New nullable columns by plain ALTER TABLE, no batch copy (as 0005 and 0007: copying
# practice_sessions would rewrite every session). No foreign key on branch_of: SQLite cannot add
# one to an existing table without that copy, and a branch outlives its original anyway (deleted
# by retention, the branch keeps its own replayed turns; its report then says the original is gone).


def upgrade() -> None:
    op.add_column("practice_sessions", sa.Column("branch_of", sa.String(32), nullable=True))
    op.add_column("practice_sessions", sa.Column("branch_turn", sa.Integer(), nullable=True))
    op.create_index("ix_practice_sessions_branch_of", "practice_sessions", ["branch_of"])


def downgrade() -> None:
    op.drop_index("ix_practice_sessions_branch_of", "practice_sessions")
    op.drop_column("practice_sessions", "branch_turn")
    op.drop_column("practice_sessions", "branch_of")
