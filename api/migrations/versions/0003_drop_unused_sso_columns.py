"""drop the unfinished single sign-on columns of users (nothing wrote them)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot drop a constraint in place, so the table is copied without it.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_user_external_identity", type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("identity_provider")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("identity_provider", sa.String(255), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_user_external_identity", ["identity_provider", "external_id"])
