"""sign_in_failures: whether a row is a failure already, or an attempt still checking its password

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Plain ALTER TABLE, no batch copy (as 0005). Rows from before are failures: settled.


def upgrade() -> None:
    op.add_column("sign_in_failures", sa.Column("settled", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("sign_in_failures", "settled")
