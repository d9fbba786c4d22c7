"""What people and organisations did in the published rotas of the weeks before the planned one.

It feeds the solver's ``History`` (runs of days worked or off up to the day before, the last
shift, weekend/night/holiday counters over the rolling window) and the organisations'
``carried_minutes`` (how far each was above or below its quota in earlier weeks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from rota.domain import DAYS_PER_WEEK, HISTORY_WEEKS, RotaStatus
from rota.models import Assignment, Organisation, Person, Rota, Shift, ShiftTemplate
from rota.services.stations import shift_minutes
from solver.instance import SATURDAY, SUNDAY, History


@dataclass(frozen=True)
class PastShift:
    """One published shift a person worked before the planned week."""

    station_id: int
    date: date
    type: str
    end_at: datetime
    night: bool
    minutes: int


@dataclass(frozen=True)
class PastWork:
    """Published work before the planned week: per person, and the weeks each station published."""

    week_start: date
    shifts: Mapping[int, list[PastShift]]  # person id -> shifts, in date order
    published: frozenset[tuple[int, date]]  # (station id, week start) with a published rota

    def known_days(self, station_ids: Collection[int]) -> set[date]:
        """Days whose work is known because one of the stations published that week."""
        return {
            week + timedelta(days=offset)
            for station_id, week in self.published
            if station_id in station_ids
            for offset in range(DAYS_PER_WEEK)
        }


def window_start(week_start: date) -> date:
    """The first day of the history window before the planned week."""
    return week_start - timedelta(weeks=HISTORY_WEEKS)


def past_work(session: Session, week_start: date, person_ids: Collection[int]) -> PastWork:
    """Everything the people worked in published rotas of the history window."""
    rows = session.execute(
        select(Assignment.person_id, Rota.station_id, Shift, ShiftTemplate)
        .join(Assignment.rota)
        .join(Assignment.shift)
        .join(Shift.template)
        .where(_published_in_window(week_start), Assignment.person_id.in_(person_ids))
        .order_by(Shift.start_at, Assignment.id)
    )
    shifts: dict[int, list[PastShift]] = defaultdict(list)
    for person_id, station_id, shift, template in rows:
        minutes = shift_minutes(shift)
        shifts[person_id].append(
            PastShift(station_id, shift.date, template.code, shift.end_at, template.night, minutes)
        )
    published = session.execute(
        select(Rota.station_id, Rota.week_start).where(_published_in_window(week_start))
    )
    return PastWork(week_start, dict(shifts), frozenset(published))


def _published_in_window(week_start: date) -> ColumnElement[bool]:
    """SQL condition: a published rota of a week in the history window."""
    return (
        (Rota.status == RotaStatus.PUBLISHED)
        & (Rota.week_start >= window_start(week_start))
        & (Rota.week_start < week_start)
    )


def person_history(
    past: PastWork, person: Person, station_ids: Collection[int], holidays: Collection[date], epoch: datetime
) -> History | None:
    """A person's History; None when none of their stations published anything in the window."""
    known = past.known_days(station_ids)
    if not known:
        return None
    shifts = past.shifts.get(person.id, [])
    worked, off = _runs(past.week_start, {s.date for s in shifts}, known)
    yesterday = [s for s in shifts if s.date == past.week_start - timedelta(days=1)]
    last_end = max((s.end_at for s in shifts), default=None)
    return History(
        consecutive_days_worked=worked,
        consecutive_days_off=off,
        last_shift_type=max(yesterday, key=lambda s: s.end_at).type if yesterday else None,
        # The file format keeps this at or before the start; a duty running into day 0 is
        # turned into unavailability by the caller (see ``overhang``).
        last_shift_end=None if last_end is None else min(0, _minutes_between(epoch, last_end)),
        weekends_worked=sum(1 for s in shifts if s.date.weekday() in (SATURDAY, SUNDAY)),
        nights_worked=sum(1 for s in shifts if s.night),
        holidays_worked=sum(1 for s in shifts if s.date in holidays),
    )


def _runs(week_start: date, worked: set[date], known: set[date]) -> tuple[int, int]:
    """(days worked, days off) in the run that ends the day before ``week_start``, over known days."""
    day = week_start - timedelta(days=1)
    if day not in known:
        return 0, 0
    working = day in worked
    length = 0
    while day in known and (day in worked) == working:
        length += 1
        day -= timedelta(days=1)
    return (length, 0) if working else (0, length)


def _minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return int((end - start) // timedelta(minutes=1))


def overhang(past: PastWork, person: Person, epoch: datetime) -> int:
    """Minutes into day 0 that the person's last published duty lasts (0 if it ended before)."""
    ends = [_minutes_between(epoch, s.end_at) for s in past.shifts.get(person.id, [])]
    return max([0, *ends])


def weekends_worked(past: PastWork, person: Person) -> int:
    """Distinct weekends in the window on which the person worked."""
    return len(
        {s.date.isocalendar()[:2] for s in past.shifts.get(person.id, []) if s.date.weekday() >= SATURDAY}
    )


def carried_minutes(session: Session, week_start: date, orgs: Collection[Organisation]) -> dict[int, int]:
    """Minutes each organisation worked above (+) or below (-) its quota in the window's published rotas.

    Each published station-week is compared with the quotas of that station's own organisations;
    people lent by other stations' organisations do not count there.
    """
    quota = {org.id: org.quota_permille for org in orgs if org.quota_permille > 0}
    members: dict[int, list[int]] = defaultdict(list)
    for org in orgs:
        if org.id in quota:
            members[org.station_id].append(org.id)
    carried = dict.fromkeys(quota, 0)
    for (station_id, _week), by_org in _minutes_by_station_week(session, week_start, quota).items():
        total = sum(by_org.get(org_id, 0) for org_id in members[station_id])
        for org_id in members[station_id]:
            carried[org_id] += by_org.get(org_id, 0) - round(quota[org_id] * total / 1000)
    return carried


def _minutes_by_station_week(
    session: Session, week_start: date, org_ids: Collection[int]
) -> dict[tuple[int, date], dict[int, int]]:
    """Published duty minutes per (station, week) and organisation, for the given organisations."""
    rows = session.execute(
        select(Rota.station_id, Rota.week_start, Person.org_id, Shift)
        .join(Rota.assignments)
        .join(Assignment.person)
        .join(Assignment.shift)
        .where(_published_in_window(week_start), Person.org_id.in_(org_ids))
    )
    minutes: dict[tuple[int, date], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for station_id, week, org_id, shift in rows:
        minutes[station_id, week][org_id] += shift_minutes(shift)
    return minutes
