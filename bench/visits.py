"""Home-visit benchmarks: a station-week with 80 visits, a district-week with ~2,000, slot queries.

Run: ``.venv/bin/python bench/visits.py [--quick]``.  Prints one table: instance, time, objective,
bound, gap, when the first solution was reported (slot queries: the median and worst of 20 queries,
with 500 live visits in the database), and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.domain import ServiceType
from rota.models import Station, VisitRequest
from rota.services import booking
from rota.services.problem import build_problem
from solver.instance import Problem
from solver.model import SolveParams, solve
from solver.result import SolveResult

WEEK = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def session_on_new_db() -> Session:
    """A session on a fresh migrated SQLite file."""
    path = Path(tempfile.mkdtemp()) / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Session(engine)


def add_copies(session: Session, per_station: int) -> None:
    """Copy each station's week of requests (shifted by a day) until it has ``per_station``."""
    for station in session.scalars(select(Station)):
        week = [r for r in station.visit_requests if WEEK <= r.window_start.date() < WEEK + timedelta(days=7)]
        for n in range(per_station - len(week)):
            src = week[n % len(week)]
            shift = timedelta(days=1 if src.window_start.weekday() < 6 else -1)
            columns = {c.key: getattr(src, c.key) for c in VisitRequest.__table__.columns if c.key != "id"}
            columns |= {"window_start": src.window_start + shift, "window_end": src.window_end + shift}
            session.add(VisitRequest(**columns))
    session.flush()


def solve_row(name: str, stations: int, per_station: int, limits: list[float]) -> list[tuple[str, ...]]:
    """Seed, build and solve with each time limit; one table row per limit."""
    session = session_on_new_db()
    seed_demo(session, stations=stations, seed=0, start=WEEK)
    add_copies(session, per_station)
    problem, _ = build_problem(session, week_start=WEEK)
    rows = []
    for limit in limits:
        result, first = timed_solve(problem, limit)
        served = sum(1 for v in result.visits if v.person)
        gap = "-" if result.gap is None else f"{100 * result.gap:.2f}%"
        first_cell = "-" if first is None else f"{first:.1f}s"
        label = f"{name}: {len(problem.visits)} visits ({served} served), limit {limit:g}s"
        rows.append(
            (label, f"{result.wall_time:.1f}s", str(result.objective), str(result.bound), gap, first_cell)
        )
    return rows


def timed_solve(problem: Problem, limit: float) -> tuple[SolveResult, float | None]:
    """Solve on two workers; also when the first solution was reported (seconds, or None)."""
    firsts: list[float] = []
    started = time.monotonic()
    params = SolveParams(time_limit=limit, workers=2, explain_conflicts=False)
    result = solve(problem, params, on_progress=lambda _: firsts.append(time.monotonic() - started))
    return result, firsts[0] if firsts else None


def slot_row(existing: int) -> tuple[str, ...]:
    """Time slot queries with ``existing`` live booked visits at one station."""
    session = session_on_new_db()
    seed_demo(session, stations=1, seed=0, start=WEEK)
    station = session.scalars(select(Station)).one()
    compound = station.compounds[0].id
    booked = 0
    services = list(ServiceType)
    for n in range(existing * 3):
        if booked >= existing:
            break
        service = services[n % len(services)]
        slots = booking.available_slots(session, station, service, station.compounds[n % 3].id, now=NOW)
        if not slots:
            continue
        data = {
            "name": f"居民{n}",
            "phone": f"138{n:08d}",
            "compound": station.compounds[n % 3].id,
            "service_type": service.value,
            "start": slots[n % len(slots)].start.isoformat(),
        }
        booking.book(session, station, data, now=NOW)
        booked += 1
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        booking.available_slots(session, station, ServiceType.HEALTH_CONSULT, compound, now=NOW)
        timings.append(1000 * (time.perf_counter() - started))
    label = f"slot query, {booked} booked visits"
    return (
        label,
        f"median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms",
        "-",
        "-",
        "-",
        "-",
    )


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the district")
    args = parser.parse_args()
    before = load_average()
    rows = [slot_row(500)]
    rows += solve_row("station-week", 1, 80, [10])
    if not args.quick:
        rows += solve_row("district-week", 26, 77, [20, 60])
    print(f"load average before: {before}")
    widths = [max(len(r[i]) for r in [*rows, HEAD]) for i in range(len(HEAD))]
    for row in [HEAD, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"load average after: {load_average()}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for reading wall-clock figures on a shared machine."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


HEAD = ("instance", "time", "objective", "bound", "gap", "first solution")

if __name__ == "__main__":
    main()
