"""Feed benchmark: a year of one person's duty, built and served over HTTP, against the 50 ms budget.

    .venv/bin/python bench/feeds.py --runs 30

Seeds the demo station into a temporary SQLite database, publishes 52 weeks in which one butler
works five shifts a week (with colleagues), then times:

- the first GET of the personal feed after the app starts (once);
- the feed build (query + iCalendar bytes);
- a GET of the personal feed through the Flask test client;
- a conditional GET answered with 304.

Exit code 1 if any step's 95th percentile is over the budget.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.domain import DAYS_PER_WEEK, RotaStatus
from rota.feeds import issue_token, person_feed, sync_published_events
from rota.models import Assignment, Person, Rota, Shift, Station
from rota.services.rotas import publish
from rota.services.stations import materialise_shifts

BUDGET_MS = 50.0
START = date(2027, 1, 4)  # a Monday
WEEKS = 52
NOW = datetime(2027, 1, 1, tzinfo=UTC)
SHIFTS_PER_WEEK = 5


@dataclass(frozen=True)
class Timing:
    """Milliseconds of repeated runs of one step."""

    name: str
    samples: list[float]

    @property
    def p95(self) -> float:
        """The 95th percentile (nearest rank)."""
        return sorted(self.samples)[max(0, round(0.95 * len(self.samples)) - 1)]

    @property
    def within_budget(self) -> bool:
        """True if the 95th percentile is within the budget."""
        return self.p95 <= BUDGET_MS

    def row(self) -> str:
        """One table row: median, 95th percentile, max, and the verdict against the budget."""
        verdict = "ok" if self.within_budget else "over"
        median, top = statistics.median(self.samples), max(self.samples)
        return f"| {self.name:<34} | {median:8.2f} | {self.p95:8.2f} | {top:8.2f} | {verdict:<7} |"


def timed(
    name: str, runs: int, step: Callable[[], object], before: Callable[[], None] = lambda: None
) -> Timing:
    """Run ``step`` ``runs`` times (``before`` each, untimed) and keep the wall times in ms."""
    samples = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(name, samples)


def publish_year(session: Session, station: Station, person: Person) -> int:
    """Publish 52 weeks in which ``person`` has five shifts a week; returns the person's event count."""
    others = [p.id for p in station.people if p.id != person.id]
    for week in range(WEEKS):
        monday = START + timedelta(weeks=week)
        materialise_shifts(session, station, monday)
        session.flush()
        shifts = _week_shifts(session, station, monday)
        mine = {s.id for s in shifts if s.template.code in ("AM", "PM")}
        mine = set(sorted(mine)[:SHIFTS_PER_WEEK])
        rows = [
            Assignment(shift_id=s.id, person_id=others[(i + week) % len(others)])
            for i, s in enumerate(shifts)
        ]
        rows += [Assignment(shift_id=s, person_id=person.id) for s in sorted(mine)]
        draft = Rota(
            station_id=station.id, week_start=monday, status=RotaStatus.DRAFT, version=1, created_at=NOW
        )
        draft.assignments = rows
        session.add(draft)
        session.flush()
        publish(session, stations=[station], week_start=monday, now=NOW)
        sync_published_events(session, station.id, monday, NOW)
    return WEEKS * SHIFTS_PER_WEEK


def _week_shifts(session: Session, station: Station, monday: date) -> list[Shift]:
    """A station's shifts of one week."""
    end = monday + timedelta(days=DAYS_PER_WEEK)
    return [s for s in station.shifts if monday <= s.date < end]


def seed(url: str) -> tuple[str, int, int]:
    """Seed, publish the year and issue a token: (secret, person id, event count)."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        seed_demo(session, start=START - timedelta(weeks=8))
        station = session.get_one(Station, 1)
        person = station.people[0]
        events = publish_year(session, station, person)
        secret = issue_token(session, person, NOW)
        person_id = person.id
    engine.dispose()
    return secret, person_id, events


@click.command()
@click.option("--runs", type=click.IntRange(1, 1000), default=30, show_default=True)
def main(runs: int) -> None:
    """Time a year of one person's feed against the budget and print a table."""
    warnings.filterwarnings("ignore", category=sa_exc.SADeprecationWarning)
    # The editable install may predate web/: import it from this checkout.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        secret, person_id, events = seed(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": lambda: NOW})
        client = app.test_client()
        engine = make_engine(url)
        with Session(engine) as session:
            person = session.get_one(Person, person_id)

            def build() -> bytes:
                return person_feed(session, person, NOW).to_ical()

            path = f"/feeds/{secret}.ics"
            first = timed("HTTP GET 200, first after start", 1, lambda: client.get(path))
            body = build()
            etag = client.get(path).headers["ETag"]
            timings = [
                first,
                timed("build (query + render)", runs, build),
                timed("HTTP GET 200", runs, lambda: client.get(path)),
                timed(
                    "HTTP GET 304 (If-None-Match)",
                    runs,
                    lambda: client.get(path, headers={"If-None-Match": etag}),
                ),
            ]
        engine.dispose()
    click.echo(f"A year of one person's duty: {events} events, {len(body)} bytes; {runs} runs each.\n")
    click.echo(f"| {'step':<34} | {'median':>8} | {'p95':>8} | {'max':>8} | ≤{BUDGET_MS:.0f} ms |")
    click.echo(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
    for timing in timings:
        click.echo(timing.row())
    sys.exit(0 if all(t.within_budget for t in timings) else 1)


if __name__ == "__main__":
    main()
