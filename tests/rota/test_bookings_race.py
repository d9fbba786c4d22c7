"""200 booking attempts from 8 threads, each on its own session, against a few slots: never oversold."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rota.demo import seed_demo
from rota.domain import ServiceType
from rota.errors import StateConflict
from rota.models import Station, TravelTime
from rota.services import booking
from rota.visits import ACTIVE, VisitRequest, VisitState

WEEK = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ATTEMPTS, THREADS, SLOTS = 200, 8, 6


def _attempt(engine: Engine, station_id: int, compounds: list[int], starts: list[str], n: int) -> str:
    """Resident ``n`` books one of the contested starts; "booked" or "refused" (SQLite busy: retried)."""
    data = {"name": f"居民{n}", "phone": f"1350000{n:04d}", "compound": compounds[n % len(compounds)],
            "service_type": "appliance_repair", "start": starts[n % len(starts)]}  # fmt: skip
    for attempt in range(200):
        try:
            with Session(engine) as session, session.begin():
                station = session.get(Station, station_id)
                assert station is not None
                booking.book(session, station, data, now=NOW)
            return "booked"
        except StateConflict as error:
            if "try again" not in error.message:
                return "refused"
            time.sleep(0.002 * (attempt % 10 + 1))
    return "gave up"


def _overlaps(rows: list[tuple[int, datetime, datetime, int]], travel: dict[tuple[int, int], int]) -> int:
    """Pairs of one butler's visits closer than the travel between their compounds."""
    found = 0
    for i, (person, start, end, compound) in enumerate(rows):
        for other, other_start, other_end, other_compound in rows[:i]:
            minutes = (
                0
                if compound == other_compound
                else max(travel.get((compound, other_compound), 0), travel.get((other_compound, compound), 0))
            )
            gap = timedelta(minutes=minutes)
            found += person == other and start < other_end + gap and other_start < end + gap
    return found


def test_many_concurrent_bookings_never_oversell(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=1, seed=0, start=WEEK)
        station = session.scalars(select(Station)).one()
        compounds = [c.id for c in station.compounds]
        offered = booking.available_slots(
            session, station, ServiceType.APPLIANCE_REPAIR, compounds[0], now=NOW
        )
        capacity = {s.start: s.butlers for s in offered[:SLOTS]}
        station_id = station.id
    starts = [start.isoformat() for start in capacity]

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = Counter(
            pool.map(lambda n: _attempt(engine, station_id, compounds, starts, n), range(ATTEMPTS))
        )

    with Session(engine) as session:
        rows = [tuple(r) for r in session.execute(
            select(VisitState.person_id, VisitState.start_at, VisitState.end_at, VisitRequest.compound_id)
            .join(VisitState.visit)
            .where(VisitState.booked, VisitRequest.status.in_(ACTIVE))
        )]  # fmt: skip
        travel = {
            (t.from_compound_id, t.to_compound_id): t.minutes for t in session.scalars(select(TravelTime))
        }
    per_start = Counter(start for _, start, _, _ in rows)
    assert outcomes["booked"] + outcomes["refused"] == ATTEMPTS
    assert outcomes["booked"] == len(rows) > 0
    assert _overlaps(rows, travel) == 0  # type: ignore[arg-type]
    assert all(per_start[start] <= places for start, places in capacity.items())
    assert set(per_start) <= set(capacity)
