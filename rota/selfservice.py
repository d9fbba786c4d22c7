"""Self-service records: leave decisions, swap requests, one-off activities and their sign-ups.

Slim models only; the use cases live in ``rota.services.selfservice`` and its siblings.  An
activity is an ordinary ``Shift`` (of a template used on no weekday) plus what makes it special:
its title, kind and the optional volunteer sign-up window.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.models import Base, Compound, Leave, Person, Rota, Shift, Station, enum_column


class SwapKind(enum.StrEnum):
    """A swap trades two shifts; a hand-over gives one shift to a colleague."""

    SWAP = "swap"
    HANDOVER = "handover"


class SwapStatus(enum.StrEnum):
    """The life of a swap request."""

    OFFERED = "offered"  # waiting for the colleague
    ACCEPTED = "accepted"  # waiting for the coordinator
    APPROVED = "approved"  # done: the published rota has a new version
    DECLINED = "declined"  # by the colleague or the coordinator
    WITHDRAWN = "withdrawn"  # by the requester


class SignupStatus(enum.StrEnum):
    """The life of a volunteer's sign-up for an activity."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ActivityKind(enum.StrEnum):
    """The kinds of one-off activity a station runs."""

    GATHERING = "gathering"
    REPAIR_DAY = "repair_day"
    PATROL = "patrol"
    MEETING = "meeting"
    OTHER = "other"


class SelfServiceSettings(Base):
    """A station's self-service rules (a station without a row needs every approval)."""

    __tablename__ = "selfservice_settings"

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    swaps_need_approval: Mapped[bool] = mapped_column(default=True)
    signups_need_approval: Mapped[bool] = mapped_column(default=True)

    station: Mapped[Station] = relationship()


class LeaveDecision(Base):
    """When a leave request was made and how a coordinator decided it, with the reason given."""

    __tablename__ = "leave_decisions"

    leave_id: Mapped[int] = mapped_column(ForeignKey("leaves.id", ondelete="CASCADE"), primary_key=True)
    requested_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(200))

    leave: Mapped[Leave] = relationship()


class SwapRequest(Base):
    """A butler's request to swap a published shift with a colleague's, or to hand it over."""

    __tablename__ = "swap_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SwapKind] = enum_column(SwapKind)
    status: Mapped[SwapStatus] = enum_column(SwapStatus, default=SwapStatus.OFFERED)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    colleague_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    other_shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(200))
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rotas.id", ondelete="SET NULL"))

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    colleague: Mapped[Person] = relationship(foreign_keys=[colleague_id])
    shift: Mapped[Shift] = relationship(foreign_keys=[shift_id])
    other_shift: Mapped[Shift | None] = relationship(foreign_keys=[other_shift_id])
    rota: Mapped[Rota | None] = relationship()


class Activity(Base):
    """A one-off activity (a Mid-Autumn gathering, a repair day...) planned as a shift of its own."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[ActivityKind] = enum_column(ActivityKind)
    title: Mapped[str] = mapped_column(String(100))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id", ondelete="SET NULL"))
    signup_opens_at: Mapped[datetime | None]
    signup_closes_at: Mapped[datetime | None]  # no window: the coordinator (or the solver) staffs it
    attendance: Mapped[int | None]  # residents who came, entered afterwards
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    station: Mapped[Station] = relationship()
    shift: Mapped[Shift] = relationship()
    compound: Mapped[Compound | None] = relationship()
    signups: Mapped[list[ActivitySignup]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivitySignup.id"
    )


class ActivitySignup(Base):
    """A volunteer's sign-up for an activity; confirmed sign-ups are pinned when planning."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = enum_column(SignupStatus, default=SignupStatus.PENDING)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(back_populates="signups")
    person: Mapped[Person] = relationship()


class SeenMarker(Base):
    """What a butler's duty looked like when they last looked: (shift id, role) pairs and the time."""

    __tablename__ = "seen_markers"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime]
    shift_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
