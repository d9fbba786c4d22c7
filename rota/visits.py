"""Home-visit tables beside ``VisitRequest``: residents, the live booking state of each request,
the visit plan of each rota version, the lifecycle log and the booking locks.

``VisitState`` is the live truth of a request once it is booked, published or dispatched: its
butler, start and end, whether it is pinned, and the lifecycle timestamps.  ``VisitPlan`` rows keep
what each rota version proposed (publishing copies them into the states).  ``BookingSlot`` holds one
row per (butler, start) of a live booking under a unique constraint, and ``BookingLedger`` is one row
per station that every booking transaction updates first: on PostgreSQL that row lock, and on SQLite
the database's single writer, serialise bookings of a station so that the availability check and the
insert cannot interleave with another booking's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.domain import ServiceType, VisitStatus
from rota.models import Base, Person, VisitRequest, enum_column

# The skill a butler needs for each service, and how long a visit of it takes.
SERVICE_SKILLS: dict[ServiceType, str] = {
    ServiceType.APPLIANCE_REPAIR: "appliance_repair",
    ServiceType.HEALTH_CONSULT: "health_consult",
    ServiceType.HOUSEKEEPING: "cleaning",
    ServiceType.FIRST_AID: "first_aid",
}
SERVICE_MINUTES: dict[ServiceType, int] = {
    ServiceType.APPLIANCE_REPAIR: 60,
    ServiceType.HEALTH_CONSULT: 45,
    ServiceType.HOUSEKEEPING: 90,
    ServiceType.FIRST_AID: 40,
}
ACTIVE = (VisitStatus.REQUESTED, VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS)


class Resident(Base):
    """An elder known to a station, identified by phone; a resident login may point at one."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("station_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30))  # E.164
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    flat: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    lives_alone: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class VisitState(Base):
    """The live state of one visit request: reference, butler, time, windows and lifecycle stamps."""

    __tablename__ = "visit_states"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit_requests.id", ondelete="CASCADE"), primary_key=True
    )
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    windows: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [[start ISO, end ISO], ...]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    start_at: Mapped[datetime | None] = mapped_column(index=True)
    end_at: Mapped[datetime | None]
    booked: Mapped[bool] = mapped_column(default=False)  # the resident was promised start_at
    pinned: Mapped[bool] = mapped_column(default=False)  # dispatched or under way: never re-planned
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # why it could not be served
    note: Mapped[str | None] = mapped_column(String(500))  # the butler's note
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    visit: Mapped[VisitRequest] = relationship()
    person: Mapped[Person | None] = relationship()
    resident: Mapped[Resident | None] = relationship()


class VisitPlan(Base):
    """What one rota version proposes for one visit: a butler and start, or the reason there is none."""

    __tablename__ = "visit_plans"
    __table_args__ = (UniqueConstraint("rota_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    visit: Mapped[VisitRequest] = relationship()
    person: Mapped[Person | None] = relationship()


class VisitEvent(Base):
    """One step of a visit's life (requested, scheduled, re-planned, started, done, ...)."""

    __tablename__ = "visit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"), index=True)
    status: Mapped[VisitStatus] = enum_column(VisitStatus)
    at: Mapped[datetime]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    start_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))


class BookingSlot(Base):
    """One live booking's (butler, start): the database refuses a second one."""

    __tablename__ = "booking_slots"
    __table_args__ = (UniqueConstraint("person_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"), unique=True)


class BookingLedger(Base):
    """Per station, a counter every booking updates first: the lock that serialises bookings."""

    __tablename__ = "booking_ledger"

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    bookings: Mapped[int] = mapped_column(default=0)
