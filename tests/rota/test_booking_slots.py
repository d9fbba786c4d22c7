"""The fast slot listing agrees with the per-slot rule that booking applies, slot by slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.demo import seed_demo
from rota.domain import LeaveStatus, ServiceType
from rota.models import Leave, Station, WeeklyAvailability
from rota.services import booking
from rota.services.problem import build_problem, save_plan
from rota.services.rotas import publish
from rota.visits import SERVICE_MINUTES, SERVICE_SKILLS
from solver.result import OPTIMAL, SolveResult

WEEK = date(2026, 12, 7)
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def brute_force(
    session: Session, station: Station, service: ServiceType, compound: int
) -> list[booking.Slot]:
    """Every candidate start, every person, through ``Capacity.free`` (the rule ``book`` checks)."""
    starts = booking.slot_starts(station, service, NOW)
    duration = timedelta(minutes=SERVICE_MINUTES[service])
    capacity = booking.load_capacity(session, station, starts[0], starts[-1] + duration)
    slots = []
    for start in starts:
        butlers = sum(
            capacity.free(p, SERVICE_SKILLS[service], start, start + duration, compound)
            for p in capacity.people
        )
        if butlers:
            slots.append(booking.Slot(start, start + duration, butlers))
    return slots


@pytest.fixture
def busy_station(session: Session) -> Station:
    """The demo station with published duty, 60 booked visits, leave, windows and a weekly limit."""
    seed_demo(session, stations=1, seed=0, start=WEEK)
    station = session.scalars(select(Station)).one()
    problem, context = build_problem(session, week_start=WEEK)
    ids = sorted(context.people)
    pairs = tuple((ids[n % len(ids)], s.id) for n, s in enumerate(problem.shifts))  # a little duty each
    save_plan(session, context, SolveResult(OPTIMAL, 0, 0, 0.1, assignments=pairs), now=NOW)
    publish(session, stations=[station], week_start=WEEK, now=NOW)
    people = {p.id: p for p in station.people}
    monday = datetime.combine(WEEK, time(), tzinfo=ZONE)
    leave_end = monday + timedelta(days=1, hours=3)
    people[19].leaves.append(
        Leave(start_at=monday + timedelta(hours=10), end_at=leave_end, status=LeaveStatus.APPROVED)
    )
    people[20].leaves.append(
        Leave(start_at=monday, end_at=monday + timedelta(days=2), status=LeaveStatus.REQUESTED)
    )
    people[21].availability.extend(
        [WeeklyAvailability(weekday=d, start_time=time(9), end_time=time(13)) for d in range(0, 7, 2)]
    )
    people[8].availability.append(WeeklyAvailability(weekday=2, start_time=time(14), end_time=time(2)))
    people[9].max_minutes_per_week = 120
    session.flush()
    services = list(ServiceType)
    for n in range(60):
        service, compound = services[n % len(services)], station.compounds[n % len(station.compounds)].id
        offered = booking.available_slots(session, station, service, compound, now=NOW)
        if offered:
            start = offered[(7 * n) % len(offered)].start.isoformat()
            data = {"name": f"居民{n}", "phone": f"1390000{n:04d}", "compound": compound,
                    "service_type": service.value, "start": start}  # fmt: skip
            booking.book(session, station, data, now=NOW)
    return station


def test_available_slots_equal_brute_force_for_every_service_and_compound(
    session: Session, busy_station: Station
) -> None:
    cases = [(service, compound.id) for service in ServiceType for compound in busy_station.compounds]

    fast = {case: booking.available_slots(session, busy_station, *case, now=NOW) for case in cases}

    assert fast == {case: brute_force(session, busy_station, *case) for case in cases}


def test_people_who_left_are_never_offered(session: Session, busy_station: Station) -> None:
    compound = busy_station.compounds[0].id
    before = booking.available_slots(session, busy_station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)
    capacity = booking.load_capacity(session, busy_station, before[0].start, before[-1].end)
    skills = SERVICE_SKILLS[ServiceType.APPLIANCE_REPAIR]
    first = before[0]
    offered = {p.id for p in capacity.people if capacity.free(p, skills, first.start, first.end, compound)}
    for person in busy_station.people:
        if person.id in offered:
            person.active = False

    after = booking.available_slots(session, busy_station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)

    assert offered
    assert before[0].start not in {s.start for s in after}  # everyone free then has left
    assert after == brute_force(session, busy_station, ServiceType.APPLIANCE_REPAIR, compound)
