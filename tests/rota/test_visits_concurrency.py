"""Concurrent bookings of the same slot, each on its own connection: never more than the butlers free."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from rota.demo import seed_demo
from rota.domain import ServiceType
from rota.errors import StateConflict
from rota.models import Station, VisitRequest
from rota.services import booking
from rota.services.visits import state_of
from rota.visits import VisitState

WEEK = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
EXTRA = 4  # more bookers than butlers


def _last_places(engine: Engine) -> tuple[int, str, int, int]:
    """Seed the demo; (station id, the first first-aid slot's start, its free butlers, a compound)."""
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=1, seed=0, start=WEEK)
        station = session.scalars(select(Station)).one()
        compound = station.compounds[0].id
        slot = booking.available_slots(session, station, ServiceType.FIRST_AID, compound, now=NOW)[0]
        return station.id, slot.start.isoformat(), slot.butlers, compound


def _book(engine: Engine, station_id: int, start: str, compound: int, n: int, outcomes: list[str]) -> None:
    """One resident booking on a session of their own, retrying while another booking holds the lock.

    On SQLite a booking that already read when another one writes is told to try again at once (the
    database's deadlock rule); on PostgreSQL it waits for the station's ledger row instead.
    """
    for attempt in range(50):
        try:
            with Session(engine) as session, session.begin():
                station = session.get(Station, station_id)
                assert station is not None
                data = {
                    "name": f"居民{n}",
                    "phone": f"1380013{n:04d}",
                    "compound": compound,
                    "service_type": "first_aid",
                    "windows": [],
                    "start": start,
                }
                booking.book(session, station, data, now=NOW)
            outcomes.append("booked")
            return
        except StateConflict as error:
            if "try again" not in error.message:
                outcomes.append("refused")
                return
            time.sleep(0.02 * (attempt % 5 + 1) * (n % 3 + 1))  # SQLite: wait for the other writer
    outcomes.append("gave up")


def _race(engine: Engine) -> None:
    """More residents than butlers book one slot at once: exactly the free butlers are sold."""
    station_id, start, free, compound = _last_places(engine)
    outcomes: list[str] = []
    barrier = threading.Barrier(free + EXTRA)

    def run(n: int) -> None:
        barrier.wait()
        _book(engine, station_id, start, compound, n, outcomes)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(free + EXTRA)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked"] * free + ["refused"] * EXTRA
    with Session(engine) as session:
        booked = select(VisitState.person_id, VisitState.start_at).where(VisitState.booked)
        rows = session.execute(booked).all()
    assert len(rows) == free
    assert len(set(rows)) == free  # no butler sold twice at that time


def test_concurrent_bookings_never_oversell(engine: Engine) -> None:
    _race(engine)


@pytest.mark.postgres
def test_concurrent_bookings_never_oversell_on_postgresql(engine: Engine) -> None:
    assert engine.dialect.name == "postgresql"
    _race(engine)


def _first_sight(engine: Engine) -> None:
    """Several processes meet the same requests without a state at once: one state each, no error."""
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=1, seed=0, start=WEEK)
        session.execute(delete(VisitState))  # as for requests from before booking existed
        ids = list(session.scalars(select(VisitRequest.id).order_by(VisitRequest.id).limit(10)))
    readers = 4
    barrier = threading.Barrier(readers)
    seen: list[dict[int, str]] = []
    failures: list[BaseException] = []

    def read() -> None:
        barrier.wait()
        try:
            with Session(engine) as session, session.begin():
                found = {}
                for visit_id in ids:
                    visit = session.get(VisitRequest, visit_id)
                    assert visit is not None
                    found[visit_id] = state_of(session, visit).reference
                seen.append(found)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert all(found == seen[0] for found in seen)  # everyone reads the one state that was made
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(VisitState)) == len(ids)


@pytest.mark.postgres
def test_first_sight_of_a_request_from_many_sessions_makes_one_state(engine: Engine) -> None:
    """Several web processes (PostgreSQL: SQLite runs one writer at a time) list the same visits."""
    assert engine.dialect.name == "postgresql"
    _first_sight(engine)
