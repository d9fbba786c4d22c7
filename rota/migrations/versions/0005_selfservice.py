"""Staff self-service: leave decisions, swap requests, activities and sign-ups, seen markers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the self-service tables."""
    op.create_table(
        "selfservice_settings",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("swaps_need_approval", sa.Boolean(), nullable=False),
        sa.Column("signups_need_approval", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_selfservice_settings_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_selfservice_settings")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "gathering",
                "repair_day",
                "patrol",
                "meeting",
                "other",
                name="activity_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("signup_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signup_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"],
            ["compounds.id"],
            name=op.f("fk_activities_compound_id_compounds"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_activities_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_activities_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_activities_shift_id")),
    )
    op.create_index(op.f("ix_activities_station_id"), "activities", ["station_id"], unique=False)
    op.create_table(
        "seen_markers",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shift_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_seen_markers_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_seen_markers")),
    )
    op.create_table(
        "swap_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "swap", "handover", name="swap_kind", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "approved",
                "declined",
                "withdrawn",
                name="swap_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("colleague_id", sa.Integer(), nullable=False),
        sa.Column("other_shift_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("rota_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["colleague_id"],
            ["people.id"],
            name=op.f("fk_swap_requests_colleague_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_shift_id"],
            ["shifts.id"],
            name=op.f("fk_swap_requests_other_shift_id_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["people.id"],
            name=op.f("fk_swap_requests_requester_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rotas.id"], name=op.f("fk_swap_requests_rota_id_rotas"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_swap_requests_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_swap_requests_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swap_requests")),
    )
    op.create_index(op.f("ix_swap_requests_colleague_id"), "swap_requests", ["colleague_id"], unique=False)
    op.create_index(op.f("ix_swap_requests_requester_id"), "swap_requests", ["requester_id"], unique=False)
    op.create_index(op.f("ix_swap_requests_station_id"), "swap_requests", ["station_id"], unique=False)
    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "declined",
                "withdrawn",
                name="signup_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_signups_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_activity_signups_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint(
            "activity_id", "person_id", name=op.f("uq_activity_signups_activity_id_person_id")
        ),
    )
    op.create_index(op.f("ix_activity_signups_person_id"), "activity_signups", ["person_id"], unique=False)
    op.create_table(
        "leave_decisions",
        sa.Column("leave_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_leave_decisions_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["leave_id"], ["leaves.id"], name=op.f("fk_leave_decisions_leave_id_leaves"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("leave_id", name=op.f("pk_leave_decisions")),
    )


def downgrade() -> None:
    """Drop the self-service tables."""
    op.drop_table("leave_decisions")
    op.drop_index(op.f("ix_activity_signups_person_id"), table_name="activity_signups")
    op.drop_table("activity_signups")
    op.drop_index(op.f("ix_swap_requests_station_id"), table_name="swap_requests")
    op.drop_index(op.f("ix_swap_requests_requester_id"), table_name="swap_requests")
    op.drop_index(op.f("ix_swap_requests_colleague_id"), table_name="swap_requests")
    op.drop_table("swap_requests")
    op.drop_table("seen_markers")
    op.drop_index(op.f("ix_activities_station_id"), table_name="activities")
    op.drop_table("activities")
    op.drop_table("selfservice_settings")
