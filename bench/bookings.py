"""Booking race: many concurrent booking attempts against a few slots of limited capacity, never oversold.

    .venv/bin/python bench/bookings.py [--attempts 10000] [--processes 4] [--threads 8] [--sqlite]

Each attempt is one resident booking an appliance repair at one of ``--slots`` chosen starts
through ``rota.services.booking.book``, on a session (and connection) of its own, from
``--processes`` processes of ``--threads`` threads each.  PostgreSQL runs in a schema of its own in
a scratch database (created when missing, the schema dropped afterwards); ``--sqlite`` adds a run
on a SQLite file, where a booking told to try again (another writer holds the file) retries.

Afterwards the database is audited: no butler booked twice at one start, no butler's visits
overlapping (travel between compounds included), no start with more bookings than butlers offered
before the race.  All three must be 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.domain import ServiceType
from rota.errors import InvalidInput, StateConflict
from rota.models import Station, TravelTime
from rota.services import booking
from rota.visits import ACTIVE, VisitRequest, VisitState

WEEK = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SERVICE = ServiceType.APPLIANCE_REPAIR
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
RETRIES = 200  # SQLite: a booking told to try again (the file is locked) tries again this often


@dataclass(frozen=True)
class Race:
    """What every booking process needs: the database, the station and the contested slots."""

    url: str
    station_id: int
    compounds: tuple[int, ...]
    starts: tuple[str, ...]
    threads: int


@dataclass
class Outcome:
    """One process's tally: outcome counts and each attempt's latency in ms."""

    counts: Counter[str]
    millis: list[float]


def scratch_database(name: str) -> str:
    """The URL of a new schema in the scratch PostgreSQL database ``name`` (created when missing)."""
    admin = create_engine(f"{PG_BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(f"{PG_BASE}/{name}")
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{PG_BASE}/{name}?options=-csearch_path%3D{schema}"


def drop_schema(url: str) -> None:
    """Drop the schema a scratch URL points at."""
    schema = url.rsplit("%3D", 1)[1]
    engine = create_engine(url.split("?", 1)[0])
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def prepare(url: str, slots: int, threads: int) -> tuple[Race, dict[datetime, int]]:
    """Migrate and seed the demo station; the race and the butlers each contested start offers."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=1, seed=0, start=WEEK)
        station = session.scalars(select(Station)).one()
        compounds = tuple(c.id for c in station.compounds)
        offered = booking.available_slots(session, station, SERVICE, compounds[0], now=NOW)[:slots]
        race = Race(url, station.id, compounds, tuple(s.start.isoformat() for s in offered), threads)
        capacity = {s.start: s.butlers for s in offered}
    engine.dispose()
    return race, capacity


def attempt(engine: Engine, race: Race, n: int) -> tuple[str, float]:
    """Resident ``n`` books one contested start: ("booked" | "refused" | an error name, ms)."""
    data = {"name": f"居民{n}", "phone": f"139{n:08d}", "compound": race.compounds[n % len(race.compounds)],
            "service_type": SERVICE.value, "start": race.starts[(n * 7919) % len(race.starts)]}  # fmt: skip
    started = time.perf_counter()
    for _ in range(RETRIES):
        try:
            with Session(engine) as session, session.begin():
                station = session.get(Station, race.station_id)
                assert station is not None
                booking.book(session, station, data, now=NOW)
            return "booked", 1000 * (time.perf_counter() - started)
        except StateConflict as error:
            if "try again" not in error.message:  # SQLite's busy file says so; a full slot does not
                return "refused", 1000 * (time.perf_counter() - started)
            time.sleep(0.005 * (1 + n % 7))
        except InvalidInput:
            return "invalid", 1000 * (time.perf_counter() - started)
        except Exception as error:  # counted and shown: any of these is a bench failure
            return type(error).__name__, 1000 * (time.perf_counter() - started)
    return "gave up", 1000 * (time.perf_counter() - started)


def run_process(race: Race, numbers: list[int]) -> Outcome:
    """One process: its attempts on ``race.threads`` threads sharing one engine (a connection each)."""
    engine = make_engine(race.url)  # its pool (5 + 10 overflow) covers up to 15 threads
    try:
        with ThreadPoolExecutor(race.threads) as pool:
            results = list(pool.map(lambda n: attempt(engine, race, n), numbers))
    finally:
        engine.dispose()
    return Outcome(Counter(kind for kind, _ in results), [ms for _, ms in results])


def race_all(race: Race, attempts: int, processes: int) -> tuple[Outcome, float]:
    """Run every attempt across the processes; the merged outcome and the wall time."""
    shares = [list(range(p, attempts, processes)) for p in range(processes)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        outcomes = pool.starmap(run_process, [(race, share) for share in shares])
    elapsed = time.perf_counter() - started
    merged = Outcome(Counter(), [])
    for outcome in outcomes:
        merged.counts.update(outcome.counts)
        merged.millis += outcome.millis
    return merged, elapsed


def audit(url: str, capacity: dict[datetime, int]) -> dict[str, int]:
    """Count oversold bookings from the database: double, overlapping and over-capacity ones."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(
            select(VisitState.person_id, VisitState.start_at, VisitState.end_at, VisitRequest.compound_id)
            .join(VisitState.visit)
            .where(VisitState.booked, VisitRequest.status.in_(ACTIVE))
        ).all()
        travel = {
            (t.from_compound_id, t.to_compound_id): t.minutes for t in session.scalars(select(TravelTime))
        }
    engine.dispose()
    per_start = Counter(start for _, start, _, _ in rows)
    per_butler_start = Counter((person, start) for person, start, _, _ in rows)
    by_person: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for person, start, end, compound in rows:
        by_person[person].append((start, end, compound))
    overlaps = 0
    for visits in by_person.values():
        visits.sort()
        for i, (start, end, compound) in enumerate(visits):
            for other_start, other_end, other_compound in visits[:i]:
                gap = timedelta(minutes=_travel(travel, compound, other_compound))
                overlaps += start < other_end + gap and other_start < end + gap
    return {
        "booked": len(rows),
        "double": sum(n - 1 for n in per_butler_start.values() if n > 1),
        "overlap": overlaps,
        "over capacity": sum(max(0, n - capacity.get(start, 0)) for start, n in per_start.items()),
    }


def _travel(travel: dict[tuple[int, int], int], a: int, b: int) -> int:
    """Minutes between compounds as the booking rule counts them (0 within one)."""
    return 0 if a == b else max(travel.get((a, b), 0), travel.get((b, a), 0))


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0 without values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def row(name: str, args: argparse.Namespace, url: str) -> list[str]:
    """Prepare, race and audit one database; the table row."""
    race, capacity = prepare(url, args.slots, args.threads)
    outcome, elapsed = race_all(race, args.attempts, args.processes)
    found = audit(url, capacity)
    oversold = found["double"] + found["overlap"] + found["over capacity"]
    other = sum(n for kind, n in outcome.counts.items() if kind not in ("booked", "refused"))
    return [
        name, str(args.attempts), f"{args.processes}x{args.threads}", str(len(capacity)),
        str(outcome.counts["booked"]), str(outcome.counts["refused"]), str(other), str(found["booked"]),
        f"{oversold} ({found['double']}/{found['overlap']}/{found['over capacity']})",
        f"{elapsed:.1f}", f"{args.attempts / elapsed:.0f}",
        f"{statistics.median(outcome.millis):.0f}/{percentile(outcome.millis, 95):.0f}",
        " ".join(f"{k}={v}" for k, v in outcome.counts.items() if k not in ("booked", "refused")) or "-",
    ]  # fmt: skip


HEAD = ["db", "attempts", "procs x thr", "slots", "successes", "refusals", "errors", "booked in db",
        "oversold (dbl/ovl/cap)", "time s", "att/s", "p50/p95 ms", "error kinds"]  # fmt: skip


def line(cells: list[str]) -> str:
    """One table line, each cell as wide as its heading (or wider)."""
    return "  ".join(
        cell.ljust(max(len(head), 10 if i == 0 else 0))
        for i, (cell, head) in enumerate(zip(cells, HEAD, strict=True))
    )


def main() -> None:
    """Run the race on PostgreSQL (and SQLite when asked) and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="threads (sessions) per process, at most 15")
    parser.add_argument("--slots", type=int, default=24, help="contested starts")
    parser.add_argument("--database", default="rota_bench", help="scratch PostgreSQL database")
    parser.add_argument("--sqlite", action="store_true", help="also race on a SQLite file")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(line(HEAD))
    if not args.no_postgres:
        url = scratch_database(args.database)
        try:
            print(line(row("postgresql", args, url)), flush=True)
        finally:
            drop_schema(url)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print(line(row("sqlite", args, f"sqlite:///{tmp}/bookings.db")), flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
