"""Create the schema

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_stations_code")),
    )
    op.create_table(
        "compounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_compounds_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compounds")),
    )
    op.create_index(op.f("ix_compounds_station_id"), "compounds", ["station_id"], unique=False)
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cadre",
                "property",
                "housekeeping",
                "clinic",
                "volunteer",
                name="org_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("quota_permille", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_organisations_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_index(op.f("ix_organisations_station_id"), "organisations", ["station_id"], unique=False)
    op.create_table(
        "rotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "superseded",
                name="rota_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solver_status", sa.String(length=20), nullable=True),
        sa.Column("objective", sa.Integer(), nullable=True),
        sa.Column("bound", sa.Integer(), nullable=True),
        sa.Column("gap", sa.Double(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_rotas_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotas")),
        sa.UniqueConstraint(
            "station_id", "week_start", "version", name=op.f("uq_rotas_station_id_week_start_version")
        ),
    )
    op.create_index(
        "uq_rotas_one_draft",
        "rotas",
        ["station_id", "week_start"],
        unique=True,
        sqlite_where=sa.text("status = 'draft'"),
        postgresql_where=sa.text("status = 'draft'"),
    )
    op.create_index(
        "uq_rotas_one_published",
        "rotas",
        ["station_id", "week_start"],
        unique=True,
        sqlite_where=sa.text("status = 'published'"),
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "shift_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("crosses_midnight", sa.Boolean(), nullable=False),
        sa.Column("night", sa.Boolean(), nullable=False),
        sa.Column("paid_minutes", sa.Integer(), nullable=True),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("forbidden_next", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_shift_templates_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_templates")),
        sa.UniqueConstraint("station_id", "code", name=op.f("uq_shift_templates_station_id_code")),
    )
    op.create_index(op.f("ix_shift_templates_station_id"), "shift_templates", ["station_id"], unique=False)
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"],
            ["compounds.id"],
            name=op.f("fk_buildings_compound_id_compounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
    )
    op.create_index(op.f("ix_buildings_compound_id"), "buildings", ["compound_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("fte_permille", sa.Integer(), nullable=False),
        sa.Column("max_shifts_per_day", sa.Integer(), nullable=False),
        sa.Column("max_shifts_per_week", sa.Integer(), nullable=True),
        sa.Column("max_minutes_per_week", sa.Integer(), nullable=True),
        sa.Column("min_minutes_per_week", sa.Integer(), nullable=True),
        sa.Column("max_consecutive_days", sa.Integer(), nullable=True),
        sa.Column("min_consecutive_days_off", sa.Integer(), nullable=True),
        sa.Column("max_weekends_per_window", sa.Integer(), nullable=True),
        sa.Column("min_rest_minutes", sa.Integer(), nullable=True),
        sa.Column("max_shifts_per_type", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_people_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_people_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_org_id"), "people", ["org_id"], unique=False)
    op.create_index(op.f("ix_people_station_id"), "people", ["station_id"], unique=False)
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_shifts_station_id_stations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["shift_templates.id"],
            name=op.f("fk_shifts_template_id_shift_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("template_id", "date", name=op.f("uq_shifts_template_id_date")),
    )
    op.create_index(op.f("ix_shifts_date"), "shifts", ["date"], unique=False)
    op.create_index(op.f("ix_shifts_station_id"), "shifts", ["station_id"], unique=False)
    op.create_table(
        "travel_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_compound_id", sa.Integer(), nullable=False),
        sa.Column("to_compound_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_compound_id"],
            ["compounds.id"],
            name=op.f("fk_travel_times_from_compound_id_compounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_compound_id"],
            ["compounds.id"],
            name=op.f("fk_travel_times_to_compound_id_compounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_times")),
        sa.UniqueConstraint(
            "from_compound_id", "to_compound_id", name=op.f("uq_travel_times_from_compound_id_to_compound_id")
        ),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_assignments_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rotas.id"], name=op.f("fk_assignments_rota_id_rotas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_assignments_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "rota_id", "shift_id", "person_id", name=op.f("uq_assignments_rota_id_shift_id_person_id")
        ),
    )
    op.create_index(op.f("ix_assignments_person_id"), "assignments", ["person_id"], unique=False)
    op.create_index(op.f("ix_assignments_rota_id"), "assignments", ["rota_id"], unique=False)
    op.create_index(op.f("ix_assignments_shift_id"), "assignments", ["shift_id"], unique=False)
    op.create_table(
        "leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "declined",
                name="leave_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_leaves_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaves")),
    )
    op.create_index(op.f("ix_leaves_person_id"), "leaves", ["person_id"], unique=False)
    op.create_table(
        "person_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.Column("certificate", sa.String(length=100), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_skills_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_skills")),
    )
    op.create_index(op.f("ix_person_skills_person_id"), "person_skills", ["person_id"], unique=False)
    op.create_table(
        "person_stations",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_stations_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_person_stations_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "station_id", name=op.f("pk_person_stations")),
    )
    op.create_table(
        "preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("wants_work", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_preferences_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["shift_templates.id"],
            name=op.f("fk_preferences_template_id_shift_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preferences")),
    )
    op.create_index(op.f("ix_preferences_person_id"), "preferences", ["person_id"], unique=False)
    op.create_table(
        "shift_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_shift_bans_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_shift_bans_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_bans")),
        sa.UniqueConstraint("shift_id", "person_id", name=op.f("uq_shift_bans_shift_id_person_id")),
    )
    op.create_index(op.f("ix_shift_bans_person_id"), "shift_bans", ["person_id"], unique=False)
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("resident_name", sa.String(length=100), nullable=False),
        sa.Column("resident_phone", sa.String(length=30), nullable=True),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("flat", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("lives_alone", sa.Boolean(), nullable=False),
        sa.Column(
            "service_type",
            sa.Enum(
                "appliance_repair",
                "health_consult",
                "housekeeping",
                "first_aid",
                name="service_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column(
            "urgency",
            sa.Enum(
                "normal",
                "urgent",
                "emergency",
                name="urgency",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "scheduled",
                "done",
                "cancelled",
                name="visit_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_visit_requests_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_visit_requests_compound_id_compounds")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_visit_requests_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_requests")),
    )
    op.create_index(op.f("ix_visit_requests_station_id"), "visit_requests", ["station_id"], unique=False)
    op.create_table(
        "weekly_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_weekly_availability_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_availability")),
    )
    op.create_index(
        op.f("ix_weekly_availability_person_id"), "weekly_availability", ["person_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_weekly_availability_person_id"), table_name="weekly_availability")
    op.drop_table("weekly_availability")
    op.drop_index(op.f("ix_visit_requests_station_id"), table_name="visit_requests")
    op.drop_table("visit_requests")
    op.drop_index(op.f("ix_shift_bans_person_id"), table_name="shift_bans")
    op.drop_table("shift_bans")
    op.drop_index(op.f("ix_preferences_person_id"), table_name="preferences")
    op.drop_table("preferences")
    op.drop_table("person_stations")
    op.drop_index(op.f("ix_person_skills_person_id"), table_name="person_skills")
    op.drop_table("person_skills")
    op.drop_index(op.f("ix_leaves_person_id"), table_name="leaves")
    op.drop_table("leaves")
    op.drop_index(op.f("ix_assignments_shift_id"), table_name="assignments")
    op.drop_index(op.f("ix_assignments_rota_id"), table_name="assignments")
    op.drop_index(op.f("ix_assignments_person_id"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("travel_times")
    op.drop_index(op.f("ix_shifts_station_id"), table_name="shifts")
    op.drop_index(op.f("ix_shifts_date"), table_name="shifts")
    op.drop_table("shifts")
    op.drop_index(op.f("ix_people_station_id"), table_name="people")
    op.drop_index(op.f("ix_people_org_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_buildings_compound_id"), table_name="buildings")
    op.drop_table("buildings")
    op.drop_index(op.f("ix_shift_templates_station_id"), table_name="shift_templates")
    op.drop_table("shift_templates")
    op.drop_index(
        "uq_rotas_one_published",
        table_name="rotas",
        sqlite_where=sa.text("status = 'published'"),
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_index(
        "uq_rotas_one_draft",
        table_name="rotas",
        sqlite_where=sa.text("status = 'draft'"),
        postgresql_where=sa.text("status = 'draft'"),
    )
    op.drop_table("rotas")
    op.drop_index(op.f("ix_organisations_station_id"), table_name="organisations")
    op.drop_table("organisations")
    op.drop_index(op.f("ix_compounds_station_id"), table_name="compounds")
    op.drop_table("compounds")
    op.drop_table("stations")
