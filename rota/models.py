"""The ORM: typed SQLAlchemy 2.0 models of stations, people, shifts, visits and rota versions.

Models stay slim: conversions to the solver's problem live in ``rota.services``.  Every datetime is
timezone-aware and stored in UTC; wall-clock times of day (templates, availability) are local to
the station's zone.
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from rota.domain import (
    DEFAULT_TIMEZONE,
    LeaveStatus,
    OrgKind,
    RotaStatus,
    ServiceType,
    Urgency,
    VisitStatus,
)

# Stable constraint names so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite, which cannot keep an offset)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes whatever the backend gave back."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with UTC datetimes and named constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012 -- SQLAlchemy reads a plain dict


def enum_column(kind: type[enum.StrEnum], **kwargs: Any) -> MappedColumn[Any]:
    """A string column holding an enum's values, with a CHECK constraint named after the enum."""
    name = "".join(f"_{c.lower()}" if c.isupper() else c for c in kind.__name__).lstrip("_")
    sa_enum = Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
    return mapped_column(sa_enum, **kwargs)


person_stations = Table(
    "person_stations",
    Base.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
)


class Station(Base):
    """A home elder-care service station (居家养老服务站)."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(50), default=DEFAULT_TIMEZONE)

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="Organisation.id"
    )
    people: Mapped[list[Person]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="Person.id"
    )
    visiting_people: Mapped[list[Person]] = relationship(
        secondary=person_stations, back_populates="extra_stations", order_by="Person.id"
    )
    shift_templates: Mapped[list[ShiftTemplate]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="ShiftTemplate.id"
    )
    shifts: Mapped[list[Shift]] = relationship(back_populates="station", cascade="all, delete-orphan")
    compounds: Mapped[list[Compound]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="Compound.id"
    )
    visit_requests: Mapped[list[VisitRequest]] = relationship(
        back_populates="station", cascade="all, delete-orphan"
    )
    rotas: Mapped[list[Rota]] = relationship(back_populates="station", cascade="all, delete-orphan")


class Organisation(Base):
    """A partner organisation sharing the rotating duty (轮值) with a target quota."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrgKind] = enum_column(OrgKind)
    quota_permille: Mapped[int] = mapped_column(default=0)

    station: Mapped[Station] = relationship(back_populates="organisations")
    people: Mapped[list[Person]] = relationship(back_populates="org", order_by="Person.id")


class Person(Base):
    """An elder butler (长者管家): a staff member or volunteer with a contract and limits.

    The limit columns map onto ``solver.instance.Limits``; ``max_weekends_per_window`` counts
    weekends over the rolling four-week window, the planned week included.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    fte_permille: Mapped[int] = mapped_column(default=1000)
    max_shifts_per_day: Mapped[int] = mapped_column(default=1)
    max_shifts_per_week: Mapped[int | None]
    max_minutes_per_week: Mapped[int | None]
    min_minutes_per_week: Mapped[int | None]
    max_consecutive_days: Mapped[int | None]
    min_consecutive_days_off: Mapped[int | None]
    max_weekends_per_window: Mapped[int | None]
    min_rest_minutes: Mapped[int | None]
    max_shifts_per_type: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # False once the person left: kept for history, never planned, dispatched or offered for booking.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    station: Mapped[Station] = relationship(back_populates="people")
    org: Mapped[Organisation] = relationship(back_populates="people")
    extra_stations: Mapped[list[Station]] = relationship(
        secondary=person_stations, back_populates="visiting_people", order_by="Station.id"
    )
    skills: Mapped[list[PersonSkill]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonSkill.id"
    )
    availability: Mapped[list[WeeklyAvailability]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="WeeklyAvailability.id"
    )
    leaves: Mapped[list[Leave]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Leave.id"
    )
    preferences: Mapped[list[Preference]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Preference.id"
    )
    assignments: Mapped[list[Assignment]] = relationship(back_populates="person")
    bans: Mapped[list[ShiftBan]] = relationship(back_populates="person", cascade="all, delete-orphan")


class PersonSkill(Base):
    """A skill a person holds; certificates carry a validity (valid_until is the last valid day)."""

    __tablename__ = "person_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(40))
    certificate: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="skills")


class WeeklyAvailability(Base):
    """A recurring local time window in which a person can work.

    People without any window are available at all times.  A window whose end is not after its
    start runs past midnight into the next day (00:00-00:00 is the whole day).
    """

    __tablename__ = "weekly_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # Monday = 0
    start_time: Mapped[time]
    end_time: Mapped[time]

    person: Mapped[Person] = relationship(back_populates="availability")


class Leave(Base):
    """Leave over [start_at, end_at); only approved leave keeps a person off the rota."""

    __tablename__ = "leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    status: Mapped[LeaveStatus] = enum_column(LeaveStatus, default=LeaveStatus.REQUESTED)
    reason: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(back_populates="leaves")


class Preference(Base):
    """A wish to work (or not) on a date or on every given weekday, on one template or any shift."""

    __tablename__ = "preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    on_date: Mapped[date | None]
    weekday: Mapped[int | None]  # Monday = 0; used when on_date is empty
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_templates.id", ondelete="CASCADE"))
    wants_work: Mapped[bool]
    weight: Mapped[int] = mapped_column(default=1)

    person: Mapped[Person] = relationship(back_populates="preferences")
    template: Mapped[ShiftTemplate | None] = relationship(back_populates="preferences")


class ShiftTemplate(Base):
    """A recurring duty of a station (上午班, 服务专线, ...) from which the week's shifts are made.

    ``needs`` is a list of ``{count, skill, org_kind, under_weight, over_weight}`` coverage targets.
    """

    __tablename__ = "shift_templates"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    weekdays: Mapped[list[int]] = mapped_column(JSON)
    start_time: Mapped[time]
    end_time: Mapped[time]
    crosses_midnight: Mapped[bool] = mapped_column(default=False)
    night: Mapped[bool] = mapped_column(default=False)
    paid_minutes: Mapped[int | None]  # e.g. on-call nights count less than their length
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    forbidden_next: Mapped[list[str]] = mapped_column(JSON, default=list)

    station: Mapped[Station] = relationship(back_populates="shift_templates")
    shifts: Mapped[list[Shift]] = relationship(back_populates="template")
    preferences: Mapped[list[Preference]] = relationship(back_populates="template")


class Shift(Base):
    """One concrete duty slot on a date; ``needs`` starts as the template's and may be edited."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("template_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("shift_templates.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    station: Mapped[Station] = relationship(back_populates="shifts")
    template: Mapped[ShiftTemplate] = relationship(back_populates="shifts")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="shift")
    bans: Mapped[list[ShiftBan]] = relationship(back_populates="shift", cascade="all, delete-orphan")


class ShiftBan(Base):
    """A coordinator's "not this person on this shift": a negative pin that outlives rota versions."""

    __tablename__ = "shift_bans"
    __table_args__ = (UniqueConstraint("shift_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))

    shift: Mapped[Shift] = relationship(back_populates="bans")
    person: Mapped[Person] = relationship(back_populates="bans")


class Compound(Base):
    """A residential compound (小区) served by a station."""

    __tablename__ = "compounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    station: Mapped[Station] = relationship(back_populates="compounds")
    buildings: Mapped[list[Building]] = relationship(
        back_populates="compound", cascade="all, delete-orphan", order_by="Building.id"
    )
    travel_from: Mapped[list[TravelTime]] = relationship(
        back_populates="from_compound",
        cascade="all, delete-orphan",
        foreign_keys="TravelTime.from_compound_id",
    )
    travel_to: Mapped[list[TravelTime]] = relationship(
        back_populates="to_compound",
        cascade="all, delete-orphan",
        foreign_keys="TravelTime.to_compound_id",
    )
    visit_requests: Mapped[list[VisitRequest]] = relationship(back_populates="compound")


class Building(Base):
    """A building (楼栋) of a compound."""

    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    compound: Mapped[Compound] = relationship(back_populates="buildings")
    visit_requests: Mapped[list[VisitRequest]] = relationship(back_populates="building")


class TravelTime(Base):
    """Minutes it takes to get from one compound to another (the same one included)."""

    __tablename__ = "travel_times"
    __table_args__ = (UniqueConstraint("from_compound_id", "to_compound_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id", ondelete="CASCADE"))
    to_compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id", ondelete="CASCADE"))
    minutes: Mapped[int]

    from_compound: Mapped[Compound] = relationship(
        back_populates="travel_from", foreign_keys=[from_compound_id]
    )
    to_compound: Mapped[Compound] = relationship(back_populates="travel_to", foreign_keys=[to_compound_id])


class VisitRequest(Base):
    """A resident's request for a home visit inside a time window (dispatched in a later feature)."""

    __tablename__ = "visit_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    resident_name: Mapped[str] = mapped_column(String(100))
    resident_phone: Mapped[str | None] = mapped_column(String(30))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    flat: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    lives_alone: Mapped[bool] = mapped_column(default=False)
    service_type: Mapped[ServiceType] = enum_column(ServiceType)
    description: Mapped[str | None] = mapped_column(String(500))
    urgency: Mapped[Urgency] = enum_column(Urgency, default=Urgency.NORMAL)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    status: Mapped[VisitStatus] = enum_column(VisitStatus, default=VisitStatus.REQUESTED)
    requested_at: Mapped[datetime]

    station: Mapped[Station] = relationship(back_populates="visit_requests")
    compound: Mapped[Compound] = relationship(back_populates="visit_requests")
    building: Mapped[Building | None] = relationship(back_populates="visit_requests")


class Rota(Base):
    """One version of a station's weekly rota, with the solver's verdict and explanation.

    ``lock_version`` is SQLAlchemy's optimistic lock: concurrent writers of the same row fail
    instead of silently overwriting each other.
    """

    __tablename__ = "rotas"
    __table_args__ = (
        UniqueConstraint("station_id", "week_start", "version"),
        # At most one draft and one published version per station and week.
        Index(
            "uq_rotas_one_draft",
            "station_id",
            "week_start",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        Index(
            "uq_rotas_one_published",
            "station_id",
            "week_start",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    week_start: Mapped[date]
    status: Mapped[RotaStatus] = enum_column(RotaStatus, default=RotaStatus.DRAFT)
    version: Mapped[int]
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    solver_status: Mapped[str | None] = mapped_column(String(20))
    objective: Mapped[int | None]
    bound: Mapped[int | None]
    gap: Mapped[float | None]
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lock_version: Mapped[int] = mapped_column(default=1)

    station: Mapped[Station] = relationship(back_populates="rotas")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 -- SQLAlchemy reads a plain dict


class Assignment(Base):
    """A person on a shift in one rota version; ``pinned`` ones survive re-planning."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("rota_id", "shift_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False)

    rota: Mapped[Rota] = relationship(back_populates="assignments")
    shift: Mapped[Shift] = relationship(back_populates="assignments")
    person: Mapped[Person] = relationship(back_populates="assignments")
