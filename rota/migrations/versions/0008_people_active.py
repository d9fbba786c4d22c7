"""A person can be deactivated (left the station) without losing their history: people.active

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Everyone stays active."""
    with op.batch_alter_table("people", recreate="auto") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    """Forget who was deactivated."""
    with op.batch_alter_table("people", recreate="auto") as batch:
        batch.drop_column("active")
