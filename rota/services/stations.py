"""Finding stations and turning their shift templates into the concrete shifts of a week."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import DAYS_PER_WEEK, local_datetime, require_monday
from rota.errors import NotFound
from rota.models import Shift, ShiftTemplate, Station


def find_stations(session: Session, ref: str | None = None) -> list[Station]:
    """The station named by ``ref`` (its id or code), or every station when ``ref`` is None."""
    if ref is None:
        stations = list(session.scalars(select(Station).order_by(Station.id)))
        if not stations:
            raise NotFound("the database holds no stations (run `rota demo` to create one)")
        return stations
    station = _station_by_ref(session, ref.strip())
    if station is None:
        raise NotFound(f"station {ref!r} not found (give its id or code)")
    return [station]


def _station_by_ref(session: Session, ref: str) -> Station | None:
    """A station by numeric id or by code."""
    if ref.isdigit():
        return session.get(Station, int(ref))
    return session.scalars(select(Station).where(Station.code == ref)).one_or_none()


def shift_minutes(shift: Shift) -> int:
    """Minutes a shift counts towards limits and fairness (its paid minutes when set)."""
    paid = shift.template.paid_minutes
    if paid is not None:
        return paid
    return int((shift.end_at - shift.start_at).total_seconds() // 60)


def materialise_shifts(session: Session, station: Station, week_start: date) -> list[Shift]:
    """Create the week's shifts from the station's templates; existing ones are kept as they are."""
    require_monday(week_start)
    days = [week_start + timedelta(days=offset) for offset in range(DAYS_PER_WEEK)]
    existing = set(
        session.execute(
            select(Shift.template_id, Shift.date).where(
                Shift.station_id == station.id, Shift.date >= days[0], Shift.date <= days[-1]
            )
        )
    )
    created = [
        _shift_of(station, template, day)
        for day in days
        for template in station.shift_templates
        if day.weekday() in template.weekdays and (template.id, day) not in existing
    ]
    session.add_all(created)
    return created


def _shift_of(station: Station, template: ShiftTemplate, day: date) -> Shift:
    """The shift a template makes on a day, with its times in the station's zone."""
    start = local_datetime(day, template.start_time, station.timezone)
    # An end not after the start can only mean the next day, whatever the flag says.
    crosses = template.crosses_midnight or template.end_time <= template.start_time
    end_day = day + timedelta(days=1) if crosses else day
    end = local_datetime(end_day, template.end_time, station.timezone)
    return Shift(
        station=station,
        template=template,
        date=day,
        start_at=start,
        end_at=end,
        needs=[dict(need) for need in template.needs],
    )
