"""practice_sessions: a turn lease, so one session's turns reach the engine one at a time across API processes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Plain ALTER TABLE on every database, no batch copy (SQLite >= 3.35 drops a column in place):
# copying practice_sessions would drop the old table, and with foreign keys on, SQLite's
# DROP TABLE deletes every turn and comment of every session (ON DELETE CASCADE).


def upgrade() -> None:
    op.add_column("practice_sessions", sa.Column("turn_lease_owner", sa.String(32), nullable=True))
    op.add_column("practice_sessions", sa.Column("turn_lease_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("practice_sessions", "turn_lease_until")
    op.drop_column("practice_sessions", "turn_lease_owner")
