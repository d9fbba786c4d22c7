"""Calendar events of home visits: calendar_events.shift_id nullable, a visit_id beside it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Let an event be a visit's: nullable shift_id, a visit_id, one event per visit and butler."""
    with op.batch_alter_table("calendar_events", recreate="auto") as batch:
        batch.alter_column("shift_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_calendar_events_visit_id_visit_requests"),
            "visit_requests",
            ["visit_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            op.f("uq_calendar_events_visit_id_person_id"), ["visit_id", "person_id"]
        )


def downgrade() -> None:
    """Drop the visit events and make shift_id required again."""
    op.execute(sa.text("DELETE FROM calendar_events WHERE shift_id IS NULL"))
    with op.batch_alter_table("calendar_events", recreate="auto") as batch:
        batch.drop_constraint(op.f("uq_calendar_events_visit_id_person_id"), type_="unique")
        batch.drop_constraint(op.f("fk_calendar_events_visit_id_visit_requests"), type_="foreignkey")
        batch.drop_column("visit_id")
        batch.alter_column("shift_id", existing_type=sa.Integer(), nullable=False)
