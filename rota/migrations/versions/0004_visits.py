"""Home visits: residents, live visit states, visit plans per rota, lifecycle events, booking locks

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("requested", "scheduled", "done", "cancelled")
NEW_STATUSES = ("requested", "scheduled", "in_progress", "done", "cancelled", "could_not_serve")
STATUS_CHECK = "ck_visit_requests_visit_status"


def _enum(name: str, *values: str) -> sa.Enum:
    """A string enum column type with a named CHECK constraint, as ``rota.models.enum_column`` makes."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _status_check(values: Sequence[str]) -> None:
    """Replace the CHECK on visit_requests.status (SQLite rebuilds the table to do it)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("visit_requests", recreate="auto") as batch:
        batch.drop_constraint(op.f(STATUS_CHECK), type_="check")
        batch.create_check_constraint("visit_status", sa.text(f"status IN ({allowed})"))


def _fk(column: str, table: str, source: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    """A named foreign key as the naming convention names it."""
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{source}_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    """Add the visit tables and the in-progress and could-not-serve statuses."""
    _status_check(NEW_STATUSES)
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("flat", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("lives_alone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("station_id", "stations", "residents"),
        _fk("user_id", "users", "residents", "SET NULL"),
        _fk("compound_id", "compounds", "residents", None),
        _fk("building_id", "buildings", "residents", None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("station_id", "phone", name=op.f("uq_residents_station_id_phone")),
        sa.UniqueConstraint("user_id", name=op.f("uq_residents_user_id")),
    )
    op.create_index(op.f("ix_residents_station_id"), "residents", ["station_id"], unique=False)
    op.create_table(
        "visit_states",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booked", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        _fk("visit_id", "visit_requests", "visit_states"),
        _fk("resident_id", "residents", "visit_states", "SET NULL"),
        _fk("person_id", "people", "visit_states", "SET NULL"),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_visit_states")),
        sa.UniqueConstraint("reference", name=op.f("uq_visit_states_reference")),
    )
    for column in ("resident_id", "person_id", "start_at"):
        op.create_index(op.f(f"ix_visit_states_{column}"), "visit_states", [column], unique=False)
    op.create_table(
        "visit_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.JSON(), nullable=True),
        _fk("rota_id", "rotas", "visit_plans"),
        _fk("visit_id", "visit_requests", "visit_plans"),
        _fk("person_id", "people", "visit_plans", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_plans")),
        sa.UniqueConstraint("rota_id", "visit_id", name=op.f("uq_visit_plans_rota_id_visit_id")),
    )
    op.create_index(op.f("ix_visit_plans_rota_id"), "visit_plans", ["rota_id"], unique=False)
    op.create_index(op.f("ix_visit_plans_visit_id"), "visit_plans", ["visit_id"], unique=False)
    op.create_table(
        "visit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("visit_status", *NEW_STATUSES), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        _fk("visit_id", "visit_requests", "visit_events"),
        _fk("person_id", "people", "visit_events", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_events")),
    )
    op.create_index(op.f("ix_visit_events_visit_id"), "visit_events", ["visit_id"], unique=False)
    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        _fk("person_id", "people", "booking_slots"),
        _fk("visit_id", "visit_requests", "booking_slots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_slots")),
        sa.UniqueConstraint("person_id", "start_at", name=op.f("uq_booking_slots_person_id_start_at")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_booking_slots_visit_id")),
    )
    op.create_table(
        "booking_ledger",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        _fk("station_id", "stations", "booking_ledger"),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_booking_ledger")),
    )


def downgrade() -> None:
    """Drop the visit tables and the statuses only they use."""
    op.drop_table("booking_ledger")
    op.drop_table("booking_slots")
    op.drop_index(op.f("ix_visit_events_visit_id"), table_name="visit_events")
    op.drop_table("visit_events")
    op.drop_index(op.f("ix_visit_plans_visit_id"), table_name="visit_plans")
    op.drop_index(op.f("ix_visit_plans_rota_id"), table_name="visit_plans")
    op.drop_table("visit_plans")
    for column in ("resident_id", "person_id", "start_at"):
        op.drop_index(op.f(f"ix_visit_states_{column}"), table_name="visit_states")
    op.drop_table("visit_states")
    op.drop_index(op.f("ix_residents_station_id"), table_name="residents")
    op.drop_table("residents")
    op.execute("UPDATE visit_requests SET status = 'scheduled' WHERE status IN ('in_progress')")
    op.execute("UPDATE visit_requests SET status = 'cancelled' WHERE status IN ('could_not_serve')")
    _status_check(OLD_STATUSES)
