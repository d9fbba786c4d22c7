"""Online booking: the slots in which a qualified butler can really come, booking, cancelling, moving.

A butler can take a visit at ``[start, end)`` when they hold the service's skill that day, serve the
station, are inside their weekly availability, on no approved leave, on none of their shifts in the
*published* rotas (a week without a published rota has no duties yet), reach it from and to their
other live visits in time (travel between compounds), and stay within their weekly minutes (published
duty plus visits).  Slots start every ``SLOT_STEP`` minutes within ``VISIT_HOURS``, from ``LEAD`` after
``now`` for ``HORIZON_DAYS``.

Never overselling: a booking transaction updates its station's ``BookingLedger`` row, which serialises
bookings of a station (a row lock on PostgreSQL, the single writer on SQLite), then checks the slot
again and inserts a ``BookingSlot`` whose (butler, start) is unique.  Before queueing for that lock it
checks the slot once without it: a time nobody can take even now is refused at once, so a rush on a
sold-out slot does not line up behind the lock (a refusal can only be early, never an oversell).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from rota.domain import RotaStatus, ServiceType, VisitStatus, week_start_of
from rota.errors import FieldError, InvalidInput, StateConflict
from rota.models import Assignment, Person, Rota, Shift, ShiftTemplate, Station, VisitRequest
from rota.services import visits as home
from rota.visits import ACTIVE, SERVICE_MINUTES, SERVICE_SKILLS, BookingLedger, BookingSlot, VisitState

SLOT_STEP = 30  # minutes between slot starts
VISIT_HOURS = (time(8, 0), time(18, 0))  # visits start and end inside these local hours
LEAD = timedelta(hours=1)  # nobody can be at the door sooner than this
HORIZON_DAYS = 7


@dataclass(frozen=True)
class Slot:
    """A bookable start, with how many butlers could come."""

    start: datetime
    end: datetime
    butlers: int


@dataclass
class _Busy:
    """One interval a butler is taken, in a compound (None: at the station or away)."""

    start: datetime
    end: datetime
    compound: int | None = None
    pinned: bool = False  # dispatched or under way


@dataclass
class Capacity:
    """What decides who can come when: loaded once per query, checked per slot."""

    station: Station
    people: list[Person]
    travel: Mapping[tuple[int, int], int]
    busy: dict[int, list[_Busy]] = field(default_factory=lambda: defaultdict(list))
    minutes: dict[tuple[int, date], int] = field(default_factory=lambda: defaultdict(int))

    def travel_minutes(self, a: int | None, b: int | None) -> int:
        """Minutes between two compounds (0 within one or when unknown)."""
        if a is None or b is None or a == b:
            return 0
        return max(self.travel.get((a, b), 0), self.travel.get((b, a), 0))

    def free(self, person: Person, skill: str, start: datetime, end: datetime, compound: int) -> bool:
        """True if the person can do a visit of ``skill`` in ``compound`` at [start, end)."""
        zone = ZoneInfo(self.station.timezone)
        local = start.astimezone(zone)
        if not _qualified(person, skill, local.date()) or not _available(person, local, end.astimezone(zone)):
            return False
        limit = person.max_minutes_per_week
        week = week_start_of(local.date())
        minutes = int((end - start).total_seconds() // 60)
        if limit is not None and self.minutes[(person.id, week)] + minutes > limit:
            return False
        for b in self.busy[person.id]:
            gap = self.travel_minutes(b.compound, compound) if b.compound is not None else 0
            if start < b.end + timedelta(minutes=gap) and b.start < end + timedelta(minutes=gap):
                return False
        return True

    def who(self, skill: str, start: datetime, end: datetime, compound: int) -> list[Person]:
        """Everyone who could come."""
        return [p for p in self.people if self.free(p, skill, start, end, compound)]

    def counts(self, skill: str, starts: Sequence[datetime], duration: timedelta, compound: int) -> list[int]:
        """How many could come at each start: ``len(who(...))`` per start, with each person's week done once.

        Duty, visits (widened by the travel to ``compound``) and approved leave become one sorted list
        of taken intervals per person, so a slot costs a binary search per person, not a scan.
        """
        zone = ZoneInfo(self.station.timezone)
        taken = [_Taken.of(self._taken(p, compound)) for p in self.people]
        qualified: dict[tuple[int, date], bool] = {}
        minutes = int(duration.total_seconds() // 60)
        found = []
        for start in starts:
            end = start + duration
            local, local_end = start.astimezone(zone), end.astimezone(zone)
            day = local.date()
            week = week_start_of(day)
            count = 0
            for person, busy in zip(self.people, taken, strict=True):
                key = (person.id, day)
                if key not in qualified:
                    qualified[key] = _qualified(person, skill, day)
                limit = person.max_minutes_per_week
                count += (
                    qualified[key]
                    and (limit is None or self.minutes[(person.id, week)] + minutes <= limit)
                    and not busy.overlaps(start, end)
                    and (not person.availability or _in_window(person, local, local_end))
                )
            found.append(count)
        return found

    def _taken(self, person: Person, compound: int) -> list[tuple[datetime, datetime]]:
        """The intervals in which the person cannot start a visit in ``compound`` (as ``free`` decides)."""
        intervals = [(leave.start_at, leave.end_at) for leave in person.leaves if leave.status == "approved"]
        for b in self.busy[person.id]:
            gap = timedelta(
                minutes=self.travel_minutes(b.compound, compound) if b.compound is not None else 0
            )
            intervals.append((b.start - gap, b.end + gap))
        return intervals


@dataclass(frozen=True)
class _Taken:
    """Intervals sorted by start, with the latest end so far: any overlap with [start, end) in O(log n)."""

    starts: list[datetime]
    reach: list[datetime]  # reach[i]: the latest end among the first i + 1 intervals

    @classmethod
    def of(cls, intervals: Iterable[tuple[datetime, datetime]]) -> _Taken:
        """Sort the intervals and accumulate their ends."""
        ordered = sorted(intervals, key=lambda pair: pair[0])
        reach: list[datetime] = []
        for _, end in ordered:
            reach.append(end if not reach or end > reach[-1] else reach[-1])
        return cls([start for start, _ in ordered], reach)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True if some interval (s, e) has s < end and start < e."""
        before = bisect_left(self.starts, end)  # the intervals starting before ``end``
        return before > 0 and start < self.reach[before - 1]


def _qualified(person: Person, skill: str, day: date) -> bool:
    """True if the person holds the skill valid on the day."""
    return any(
        s.skill == skill
        and (s.valid_from is None or s.valid_from <= day)
        and (s.valid_until is None or day <= s.valid_until)
        for s in person.skills
    )


def _available(person: Person, start: datetime, end: datetime) -> bool:
    """Inside a weekly availability window (everyone is without windows) and on no approved leave.

    ``start`` and ``end`` are local times; a window not ending after its start runs past midnight.
    """
    for leave in person.leaves:
        if leave.status == "approved" and leave.start_at < end and start < leave.end_at:
            return False
    return not person.availability or _in_window(person, start, end)


def _in_window(person: Person, start: datetime, end: datetime) -> bool:
    """Inside one of the person's weekly availability windows (local ``start`` and ``end``)."""
    for row in person.availability:
        if row.weekday != start.weekday():
            continue
        opens = datetime.combine(start.date(), row.start_time, tzinfo=start.tzinfo)
        closes = datetime.combine(start.date(), row.end_time, tzinfo=start.tzinfo)
        if row.end_time <= row.start_time:
            closes += timedelta(days=1)
        if opens <= start and end <= closes:
            return True
    return False


def load_capacity(session: Session, station: Station, first: datetime, last: datetime) -> Capacity:
    """Everything the slot check needs between ``first`` and ``last`` (duty minutes for whole weeks)."""
    people = _people(session, station)
    ids = [p.id for p in people]
    travel = {
        (t.from_compound_id, t.to_compound_id): t.minutes for c in station.compounds for t in c.travel_from
    }
    capacity = Capacity(station, people, travel)
    zone = ZoneInfo(station.timezone)
    week_first = datetime.combine(week_start_of(first.astimezone(zone).date()), time(), tzinfo=zone)
    week_last = datetime.combine(
        week_start_of(last.astimezone(zone).date()), time(), tzinfo=zone
    ) + timedelta(days=7)
    for person_id, start, end, paid, _ in published_duty(session, ids, week_first, week_last):
        capacity.busy[person_id].append(_Busy(start, end))
        minutes = paid if paid is not None else int((end - start).total_seconds() // 60)  # shift_minutes
        capacity.minutes[(person_id, week_start_of(start.astimezone(zone).date()))] += minutes
    for person_id, start, end, compound, pinned in _live_visit_rows(session, ids, week_first, week_last):
        capacity.busy[person_id].append(_Busy(start, end, compound, pinned))
        week = week_start_of(start.astimezone(zone).date())
        capacity.minutes[(person_id, week)] += int((end - start).total_seconds() // 60)
    return capacity


def _people(session: Session, station: Station) -> list[Person]:
    """The station's own butlers and those who help out there, with what the check reads."""
    ids = [p.id for p in station.people] + [p.id for p in station.visiting_people]
    return list(
        session.scalars(
            select(Person)
            .where(Person.id.in_(ids), Person.active)
            .options(
                selectinload(Person.skills), selectinload(Person.leaves), selectinload(Person.availability)
            )
            .order_by(Person.id)
        )
    )


class Duty(NamedTuple):
    """One person's shift in a published rota."""

    person_id: int
    start: datetime
    end: datetime
    paid_minutes: int | None
    station_id: int


def published_duty(session: Session, ids: Sequence[int], first: datetime, last: datetime) -> list[Duty]:
    """These people's shifts in the published rotas overlapping [first, last).

    Plain rows from one query: building Shift objects cost more than the whole slot check.
    """
    rows = session.execute(
        select(
            Assignment.person_id, Shift.start_at, Shift.end_at, ShiftTemplate.paid_minutes, Shift.station_id
        )
        .join(Assignment.rota)
        .join(Assignment.shift)
        .join(Shift.template)
        .where(
            Rota.status == RotaStatus.PUBLISHED,
            Assignment.person_id.in_(ids),
            Shift.start_at < last,
            Shift.end_at > first,
        )
    )
    return [Duty(*row) for row in rows]


def _live_visit_rows(
    session: Session, ids: Sequence[int], first: datetime, last: datetime
) -> list[tuple[int, datetime, datetime, int, bool]]:
    """(butler, start, end, compound, pinned) of these butlers' live visits starting in [first, last)."""
    rows = session.execute(
        select(
            VisitState.person_id,
            VisitState.start_at,
            VisitState.end_at,
            VisitRequest.compound_id,
            VisitState.pinned,
        )
        .join(VisitState.visit)
        .where(
            VisitState.person_id.in_(ids),
            VisitState.start_at >= first - timedelta(days=1),
            VisitState.start_at < last,
            VisitState.end_at.is_not(None),
            VisitRequest.status.in_(ACTIVE),
        )
    )
    # The filter already excludes NULLs; the check only narrows the types.
    return [
        (person_id, start, end, compound, pinned)
        for person_id, start, end, compound, pinned in rows
        if person_id is not None and start is not None and end is not None
    ]


def slot_starts(
    station: Station, service: ServiceType, now: datetime, days: int = HORIZON_DAYS
) -> list[datetime]:
    """Candidate starts on the grid within visiting hours, from ``LEAD`` after now."""
    zone = ZoneInfo(station.timezone)
    duration = timedelta(minutes=SERVICE_MINUTES[service])
    earliest = now + LEAD
    today = now.astimezone(zone).date()
    starts = []
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        moment = datetime.combine(day, VISIT_HOURS[0], tzinfo=zone)
        closing = datetime.combine(day, VISIT_HOURS[1], tzinfo=zone)
        while moment + duration <= closing:
            if earliest <= moment < now + timedelta(days=days):
                starts.append(moment)
            moment += timedelta(minutes=SLOT_STEP)
    return starts


def available_slots(
    session: Session, station: Station, service: ServiceType, compound_id: int, *, now: datetime
) -> list[Slot]:
    """The slots over the next week in which at least one qualified butler can come."""
    starts = slot_starts(station, service, now)
    if not starts:
        return []
    duration = timedelta(minutes=SERVICE_MINUTES[service])
    capacity = load_capacity(session, station, starts[0], starts[-1] + duration)
    counts = capacity.counts(SERVICE_SKILLS[service], starts, duration, compound_id)
    return [Slot(start, start + duration, n) for start, n in zip(starts, counts, strict=True) if n]


def lock_station(session: Session, station_id: int) -> None:
    """Take the station's booking lock: the first write of a booking transaction."""
    try:
        done = session.execute(
            update(BookingLedger)
            .where(BookingLedger.station_id == station_id)
            .values(bookings=BookingLedger.bookings + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            with session.begin_nested():
                session.add(BookingLedger(station_id=station_id, bookings=1))
    except IntegrityError:  # another booking created the row first; it now holds the lock
        lock_station(session, station_id)
    except OperationalError as error:
        if session.get_bind().dialect.name != "sqlite":
            raise  # the server is unreachable: not a busy station but a 503 for web/errors.py
        # SQLite: another booking holds the database
        raise StateConflict("another booking is being made right now; please try again") from error


def book(
    session: Session,
    station: Station,
    data: Mapping[str, Any],
    *,
    now: datetime,
    user_id: int | None = None,
) -> VisitState:
    """Book a slot: resident details, ``service_type`` and ``start``; a booking reference back.

    Fails with InvalidInput on bad fields and StateConflict when nobody can come at that time
    (any more).  Nothing is stored then.
    """
    details, start = _parse_booking(session, station, data, now)
    service = details.service
    end = start + timedelta(minutes=SERVICE_MINUTES[service])
    _pick(session, station, details, start, end)  # StateConflict now if it is full already
    lock_station(session, station.id)
    person = _pick(session, station, details, start, end)
    state = home.record_request(session, station, details, now=now, user_id=user_id)
    _assign(session, state, person, start, end, now)
    return state


def _parse_booking(
    session: Session, station: Station, data: Mapping[str, Any], now: datetime
) -> tuple[home.VisitDetails, datetime]:
    """Validated details of a booking whose one window is the chosen slot."""
    zone = ZoneInfo(station.timezone)
    start = home.parse_moment(data.get("start"), zone)
    errors: list[FieldError] = []
    service = home.parse_service(data.get("service_type"), errors)
    if start is None:
        errors.append(FieldError("start", "choose one of the offered times"))
    elif start < now + LEAD:
        errors.append(FieldError("start", "too soon or in the past; choose one of the offered times"))
    if errors or start is None or service is None:
        try:
            home.parse_resident(session, station, data)
        except InvalidInput as error:
            errors += error.errors
        raise InvalidInput("the booking is not valid", errors)
    end = start + timedelta(minutes=SERVICE_MINUTES[service])
    body = dict(data) | {"windows": [{"start": start.isoformat(), "end": end.isoformat()}]}
    return home.parse_visit(session, station, body, now=now), start


def _pick(
    session: Session, station: Station, details: home.VisitDetails, start: datetime, end: datetime
) -> Person:
    """The butler for a booking: one who can come, preferring who visited before, then language."""
    capacity = load_capacity(session, station, start, end)
    skill = SERVICE_SKILLS[details.service]
    free = capacity.who(skill, start, end, details.resident.compound_id)
    if not free:
        raise StateConflict("nobody can come at that time any more; please choose another time")
    before = _previous(session, station, details.resident.phone)
    week = week_start_of(start.astimezone(ZoneInfo(station.timezone)).date())

    def rank(p: Person) -> tuple[int, int, int, int]:
        """Continuity first, then language, then the least loaded."""
        known = before.index(p.id) if p.id in before else len(before)
        speaks = 0 if details.resident.language in (p.languages or []) else 1
        return known, speaks, capacity.minutes[(p.id, week)], p.id

    return min(free, key=rank)


def _previous(session: Session, station: Station, phone: str) -> list[int]:
    """Butlers who served this elder, most recent first."""
    rows = session.scalars(
        select(VisitState.person_id)
        .join(VisitState.visit)
        .where(
            VisitRequest.station_id == station.id,
            VisitRequest.resident_phone == phone,
            VisitRequest.status == VisitStatus.DONE,
            VisitState.person_id.is_not(None),
        )
        .order_by(VisitState.start_at.desc())
    )
    return list(dict.fromkeys(r for r in rows if r is not None))


def _assign(
    session: Session, state: VisitState, person: Person, start: datetime, end: datetime, now: datetime
) -> None:
    """Give a booked visit its butler and time, scheduled, under the unique (butler, start) lock."""
    state.person_id, state.start_at, state.end_at = person.id, start, end
    state.booked, state.reason, state.scheduled_at = True, None, now
    state.visit.status = VisitStatus.SCHEDULED
    try:
        with session.begin_nested():
            session.add(BookingSlot(person_id=person.id, start_at=start, visit_id=state.visit_id))
    except IntegrityError as error:
        raise StateConflict("that time was just taken; please choose another") from error
    home.log_event(session, state.visit, VisitStatus.SCHEDULED, now=now, note="booked")
    session.flush()


def cancel(session: Session, state: VisitState, *, now: datetime, note: str | None = None) -> VisitState:
    """Cancel a visit (its slot becomes free again)."""
    return home.transition(session, state, VisitStatus.CANCELLED, now=now, note=note)


def reschedule(session: Session, state: VisitState, start_text: object, *, now: datetime) -> VisitState:
    """Move a booked or scheduled visit to another offered start, possibly with another butler."""
    visit = state.visit
    if visit.status not in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED) or state.pinned:
        raise StateConflict(f"a {visit.status.value} visit cannot be moved")
    lock_station(session, visit.station_id)
    station = visit.station
    start = home.parse_moment(start_text, ZoneInfo(station.timezone))
    if start is None or start < now + LEAD:
        raise InvalidInput("bad time", [FieldError("start", "choose one of the offered times")])
    home.release(session, state)
    state.person_id = None  # free this visit's own time before looking for a butler
    session.flush()
    end = start + timedelta(minutes=SERVICE_MINUTES[visit.service_type])
    details = _details_of(visit)
    person = _pick(session, station, details, start, end)
    state.windows = [[start.isoformat(), end.isoformat()]]
    visit.window_start, visit.window_end = start, end
    _assign(session, state, person, start, end, now)
    return state


def _details_of(visit: VisitRequest) -> home.VisitDetails:
    """The stored request as validated details (for re-checking a move)."""
    resident = home.ResidentDetails(
        visit.resident_name,
        visit.resident_phone or "",
        visit.compound_id,
        visit.building_id,
        visit.flat,
        visit.language,
        visit.lives_alone,
    )
    return home.VisitDetails(
        resident,
        visit.service_type,
        visit.description,
        visit.urgency,
        ((visit.window_start, visit.window_end),),
    )
