"""Emergency first aid "dispatch now": the nearest free qualified butler on duty, then the day re-planned.

Who is on duty: on a shift of a *published* rota of the visit's station that covers ``now``.  Where
they are: the compound of their visit that ended last today before ``now`` if they have one,
otherwise the station, taken to stand in its first compound (the demo seeds it so; stations have no
address of their own yet).  Nearest = fewest travel minutes from there; ties go to the butler with
fewer visits that day, then the lower id.  The emergency visit is pinned to that butler starting
after the travel time; the rest of the day's scheduled (not pinned) visits are re-planned by the
solver with the stability weights, as a visits-only problem in which everyone's published shifts,
leave and pinned visits are fixed, so that the fewest other visits change; the changed ones are
returned as the people affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import ServiceType, VisitStatus, WeekClock
from rota.errors import StateConflict
from rota.models import Person, Station, VisitRequest
from rota.services import booking
from rota.services import visits as home
from rota.visits import ACTIVE, SERVICE_MINUTES, SERVICE_SKILLS, VisitState
from solver import instance as si
from solver.model import SolveParams, solve
from solver.result import VisitOutcome

REPLAN_SECONDS = 5.0


@dataclass(frozen=True)
class Change:
    """A visit whose butler or time the re-plan changed (None: now unserved)."""

    reference: str
    old_person: int | None
    old_start: datetime | None
    new_person: int | None
    new_start: datetime | None


@dataclass(frozen=True)
class Dispatch:
    """Who goes, when they arrive, and the other visits that changed."""

    person: Person
    start: datetime
    travel_minutes: int
    changes: tuple[Change, ...]


def dispatch_now(session: Session, state: VisitState, *, now: datetime) -> Dispatch:
    """Send the nearest free qualified butler on duty to an emergency, then re-plan the day."""
    visit = state.visit
    if visit.status not in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED):
        raise StateConflict(f"a {visit.status.value} visit cannot be dispatched")
    station = visit.station
    duration = timedelta(minutes=SERVICE_MINUTES[visit.service_type])
    capacity = booking.load_capacity(session, station, now - timedelta(days=1), now + timedelta(days=1))
    on_duty = _on_duty(session, station.id, now)
    home.release(session, state)
    candidates = []
    for person in capacity.people:
        if person.id not in on_duty or not booking._qualified(
            person, SERVICE_SKILLS[visit.service_type], now.date()
        ):
            continue
        where = _location(session, person.id, now, station.compounds[0].id)
        minutes = capacity.travel_minutes(where, visit.compound_id)
        start = now + timedelta(minutes=minutes)
        if _free_of_visits(capacity, person.id, state.visit_id, start, start + duration):
            candidates.append((minutes, _visits_today(capacity, person.id, now), person.id, person, start))
    if not candidates:
        raise StateConflict("nobody qualified for first aid is on duty and free right now")
    minutes, _, _, person, start = min(candidates, key=lambda c: (c[0], c[1], c[2]))
    state.person_id, state.start_at, state.end_at = person.id, start, start + duration
    state.pinned, state.booked, state.reason, state.scheduled_at = True, False, None, now
    visit.status = VisitStatus.SCHEDULED
    home.log_event(session, visit, VisitStatus.SCHEDULED, now=now, note="dispatched")
    session.flush()
    return Dispatch(person, start, minutes, replan_day(session, station.id, now=now))


def _on_duty(session: Session, station_id: int, now: datetime) -> set[int]:
    """People on a published shift of the station covering ``now``."""
    people = _station_people(session, station_id)
    duty = booking.published_duty(session, people, now, now + timedelta(minutes=1))
    return {d.person_id for d in duty if d.station_id == station_id}


def _station_people(session: Session, station_id: int) -> list[int]:
    """Ids of the station's own active people."""
    return list(session.scalars(select(Person.id).where(Person.station_id == station_id, Person.active)))


def _location(session: Session, person_id: int, now: datetime, station_compound: int) -> int:
    """The compound of the person's last visit today that ended by now, else the station's."""
    last = session.scalars(
        select(VisitState)
        .where(
            VisitState.person_id == person_id,
            VisitState.end_at <= now,
            VisitState.end_at > now - timedelta(hours=2),
        )
        .order_by(VisitState.end_at.desc())
    ).first()
    return last.visit.compound_id if last else station_compound


def _free_of_visits(
    capacity: booking.Capacity, person_id: int, visit_id: int, start: datetime, end: datetime
) -> bool:
    """True if the person has no pinned or under-way visit overlapping (others are re-planned)."""
    del visit_id
    return not any(
        b.compound is not None and b.start < end and start < b.end and b.pinned
        for b in capacity.busy[person_id]
    )


def _visits_today(capacity: booking.Capacity, person_id: int, now: datetime) -> int:
    """How many visits the person has around now."""
    return sum(
        1
        for b in capacity.busy[person_id]
        if b.compound is not None and abs(b.start - now) < timedelta(hours=12)
    )


def replan_day(session: Session, station_id: int, *, now: datetime) -> tuple[Change, ...]:
    """Re-plan the station's not-yet-started, not-pinned visits of the rest of today; return the changes."""
    station = session.get(Station, station_id)
    assert station is not None
    zone = ZoneInfo(station.timezone)
    today = now.astimezone(zone).date()
    clock = WeekClock(today, zone)
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
    rows = list(
        session.scalars(
            select(VisitState)
            .join(VisitState.visit)
            .where(
                VisitRequest.station_id == station_id,
                VisitRequest.status.in_(ACTIVE),
                VisitState.start_at >= now - timedelta(hours=3),
                VisitState.start_at < end,
            )
        )
    )
    capacity = booking.load_capacity(session, station, now, end)
    people = {p.id: f"P{p.id}" for p in capacity.people}
    visits = tuple(_day_visit(s, clock, people, now) for s in rows if s.person_id in people)
    problem = si.Problem(
        name=f"{station.name} {today} re-plan",
        start_date=today.isoformat(),
        days=1,
        timezone=zone.key,
        people=tuple(_day_person(p, capacity, clock) for p in capacity.people),
        compounds=tuple(
            si.Compound(home.compound_key(c.id), c.name, station.code) for c in station.compounds
        ),
        travel={(home.compound_key(a), home.compound_key(b)): m for (a, b), m in capacity.travel.items()},
        visits=visits,
    )
    result = solve(problem, SolveParams(time_limit=REPLAN_SECONDS, workers=2, explain_conflicts=False))
    return _apply(session, rows, result.visits, clock, people, now)


def _day_visit(state: VisitState, clock: WeekClock, people: dict[int, str], now: datetime) -> si.Visit:
    """A live visit of today: pinned ones fixed, the others kept close to their butler and time."""
    visit = state.visit
    assert state.start_at is not None
    assert state.person_id is not None
    duration = SERVICE_MINUTES[visit.service_type]
    start = clock.minute(state.start_at)
    fixed = state.pinned or state.booked or visit.status == VisitStatus.IN_PROGRESS or state.start_at <= now
    windows = (
        ((start, start + duration),)
        if fixed
        else ((max(clock.minute(now), clock.minute(visit.window_start)), clock.minute(visit.window_end)),)
    )
    if not fixed and windows[0][1] - windows[0][0] < duration:
        windows = ((start, start + duration),)
    return si.Visit(
        id=home.visit_key(visit.id),
        service=visit.service_type.value,
        skill=SERVICE_SKILLS[ServiceType(visit.service_type)],
        compound=home.compound_key(visit.compound_id),
        duration=duration,
        windows=windows,
        urgency=home.URGENCY_LEVEL[visit.urgency],
        person=people[state.person_id] if state.pinned or visit.status == VisitStatus.IN_PROGRESS else None,
        start=start if state.pinned or visit.status == VisitStatus.IN_PROGRESS else None,
        published_person=people[state.person_id],
        published_start=start,
    )


def _day_person(person: Person, capacity: booking.Capacity, clock: WeekClock) -> si.Person:
    """A butler for the day: skills, languages, and published duty and leave as unavailability."""
    away = [
        si.Unavailability(max(0, clock.minute(b.start)), min(1440, clock.minute(b.end)), "unavailable")
        for b in capacity.busy[person.id]
        if b.compound is None and clock.minute(b.end) > 0 and clock.minute(b.start) < 1440
    ]
    away += [
        si.Unavailability(
            max(0, clock.minute(leave.start_at)), min(1440, clock.minute(leave.end_at)), "leave"
        )
        for leave in person.leaves
        if leave.status == "approved"
        and clock.minute(leave.end_at) > 0
        and clock.minute(leave.start_at) < 1440
    ]
    grants = tuple(
        si.SkillGrant(s.skill) for s in person.skills if booking._qualified(person, s.skill, clock.week_start)
    )
    return si.Person(
        f"P{person.id}",
        person.name,
        f"O{person.org_id}",
        grants,
        tuple(person.languages or ()),
        unavailable=tuple(away),
    )


def _apply(
    session: Session,
    rows: list[VisitState],
    outcomes: tuple[VisitOutcome, ...],
    clock: WeekClock,
    people: dict[int, str],
    now: datetime,
) -> tuple[Change, ...]:
    """Write the re-plan's changes to the live visits and log them."""
    ids = {v: k for k, v in people.items()}
    by_key = {home.visit_key(s.visit_id): s for s in rows}
    changes = []
    for outcome in outcomes:
        state = by_key[outcome.visit]
        person = ids.get(outcome.person) if outcome.person else None
        start = clock.epoch + timedelta(minutes=outcome.start) if outcome.start is not None else None
        if (person, start) == (state.person_id, state.start_at):
            continue
        changes.append(Change(state.reference, state.person_id, state.start_at, person, start))
        duration = timedelta(minutes=SERVICE_MINUTES[state.visit.service_type])
        state.person_id, state.start_at = person, start
        state.end_at = start + duration if start else None
        status = VisitStatus.SCHEDULED if person else VisitStatus.REQUESTED
        state.visit.status = status
        home.log_event(session, state.visit, status, now=now, note="re-planned after a dispatch")
    session.flush()
    return tuple(changes)
