"""Published demo weeks for the feed tests: a deterministic plan instead of a solve."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.demo import seed_demo
from rota.domain import DAYS_PER_WEEK, RotaStatus
from rota.feeds import SyncReport
from rota.models import Assignment, Rota, Shift, Station
from rota.services.rotas import latest_version, publish_station_week

WEEK = date(2026, 12, 7)
ON_DUTY = 2

Plan = dict[int, list[int]]  # shift id -> person ids


def demo_station(session: Session, start: date = WEEK) -> Station:
    """Seed the demo and return its (first) station."""
    seed_demo(session, start=start)
    station = session.scalars(select(Station).order_by(Station.id)).first()
    assert station is not None
    return station


def week_shifts(session: Session, station: Station, week_start: date = WEEK) -> list[Shift]:
    """The station's shifts of a week in time order."""
    week_end = week_start + timedelta(days=DAYS_PER_WEEK)
    return list(
        session.scalars(
            select(Shift)
            .where(Shift.station_id == station.id, Shift.date >= week_start, Shift.date < week_end)
            .order_by(Shift.start_at, Shift.id)
        )
    )


def simple_plan(station: Station, shifts: list[Shift]) -> Plan:
    """A deterministic rota (not a solve): people taken in turn, two per shift."""
    people = [p.id for p in station.people]
    return {
        s.id: [people[(i * ON_DUTY + k) % len(people)] for k in range(ON_DUTY)] for i, s in enumerate(shifts)
    }


def publish_plan(
    session: Session, station: Station, plan: Plan, now: datetime, week_start: date = WEEK
) -> SyncReport:
    """Store the plan as the week's draft, publish it and sync the feed events, as publishing will."""
    rota = Rota(
        station_id=station.id,
        week_start=week_start,
        status=RotaStatus.DRAFT,
        version=latest_version(session, station.id, week_start) + 1,
        created_at=now,
        assignments=[Assignment(shift_id=s, person_id=p) for s, people in plan.items() for p in people],
    )
    session.add(rota)
    session.flush()
    return publish_station_week(session, station, week_start, now)
