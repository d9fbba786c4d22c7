"""Web benchmark: server time of the week grid, and many users browsing a real local server.

    .venv/bin/python bench/web.py --requests 200 --users 50 --duration 20

Targets (issue 5): week grid p95 under 100 ms for the demo station and under 150 ms for one station
of a 26-station district, measured with the Flask test client after a warm-up; 50 concurrent users
browsing a threaded werkzeug server on 127.0.0.1 for a bounded time without a single error.
Each station gets a draft rota filling every need round-robin (valid or not: the grid does not care).
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from rota.accounts import Role, create_user
from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.models import Station
from rota.services.problem import build_problem, save_plan
from solver import explain
from solver.instance import Problem
from solver.result import FEASIBLE, SolveResult

# Run as a script, this folder comes first on sys.path, and this file would shadow the web package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
from web import create_app  # noqa: E402 -- after the sys.path fix above
from web.db import dispose  # noqa: E402 -- after the sys.path fix above
from web.jobs import registry  # noqa: E402 -- after the sys.path fix above

WEEK_START = date(2026, 12, 7)
WEEK = "2026-W50"
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
PASSWORD = "bench-password-1"


@dataclass
class Timing:
    """Latencies (ms) and failures of one measurement."""

    name: str
    millis: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, p: float) -> float:
        """The p-th percentile in ms (0 without samples)."""
        if not self.millis:
            return 0.0
        ordered = sorted(self.millis)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def round_robin(problem: Problem) -> tuple[tuple[str, str], ...]:
    """Fill every shift's head count with the next people in turn."""
    pairs, turn = [], 0
    for shift in problem.shifts:
        wanted = min(sum(need.count for need in shift.needs), len(problem.people))
        for _ in range(wanted):
            pairs.append((problem.people[turn % len(problem.people)].id, shift.id))
            turn += 1
    return tuple(sorted(set(pairs)))


def seed(url: str, stations: int) -> list[str]:
    """Seed the demo (or a district), a coordinator account and a draft per station; station codes."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=stations, seed=0, start=WEEK_START)
        found = list(session.scalars(select(Station).order_by(Station.id)))
        create_user(session, username="coord", password=PASSWORD, role=Role.COORDINATOR, station=found[0])
        for station in found:
            problem, context = build_problem(session, week_start=WEEK_START, station_id=station.id)
            pairs = round_robin(problem)
            result = SolveResult(
                FEASIBLE, 0, 0, 0.0, assignments=pairs, holes=explain.holes(problem, pairs),
                person_load=explain.person_load(problem, pairs), org_load=explain.org_load(problem, pairs),
            )  # fmt: skip
            save_plan(session, context, result, now=NOW)
        codes = [s.code for s in found]
    engine.dispose()
    return codes


def app_on(url: str) -> object:
    """The app as in production (CSRF on), with a fixed clock and a login limit for many users."""
    config = {"DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": lambda: NOW}
    return create_app(config | {"LOGIN_RATE_LIMIT": "10000 per minute"})


def grid_timing(app: object, path: str, requests: int, warmup: int) -> Timing:
    """Server time of ``requests`` GETs of a page through the test client, after a warm-up."""
    client = app.test_client()  # type: ignore[attr-defined]
    login_page = client.get("/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', login_page)
    client.post(
        "/login", data={"username": "coord", "password": PASSWORD, "csrf_token": token[1] if token else ""}
    )
    timing = Timing(path)
    for index in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if index >= warmup:
            timing.millis.append(elapsed)
            timing.errors += response.status_code != 200
    return timing


@dataclass
class Crowd:
    """What the browsing users share: the start line, the finish time and the results."""

    start: threading.Barrier
    duration: float
    timing: Timing
    lock: threading.Lock = field(default_factory=threading.Lock)
    deadline: float = 0.0

    def go(self) -> None:
        """Called once when every user has logged in: the clock starts."""
        self.deadline = time.monotonic() + self.duration


def browse(base: str, pages: list[str], crowd: Crowd) -> None:
    """One user: log in, wait for the others, then open the pages in turn until the deadline."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    mine: list[float] = []
    errors = 0
    try:
        page = opener.open(f"{base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        form = {"username": "coord", "password": PASSWORD, "csrf_token": token[1] if token else ""}
        opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=30).read()
    except (urllib.error.URLError, OSError):
        errors += 1
    crowd.start.wait()
    turn = 0
    while time.monotonic() < crowd.deadline:
        started = time.perf_counter()
        try:
            with opener.open(base + pages[turn % len(pages)], timeout=30) as response:
                response.read()
                errors += response.status != 200 or "/login" in response.url
        except (urllib.error.URLError, OSError):
            errors += 1
        mine.append((time.perf_counter() - started) * 1000)
        turn += 1
    with crowd.lock:
        crowd.timing.millis += mine
        crowd.timing.errors += errors


def load_test(app: object, pages: list[str], users: int, duration: float) -> tuple[Timing, float]:
    """``users`` threads browsing a threaded werkzeug server on loopback; (timing, requests a second)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    crowd = Crowd(threading.Barrier(users), duration, Timing(f"{users} users browsing {duration:g} s"))
    crowd.start = threading.Barrier(users, action=crowd.go)
    rotations = [pages[i % len(pages) :] + pages[: i % len(pages)] for i in range(users)]
    workers = [threading.Thread(target=browse, args=(base, mine, crowd)) for mine in rotations]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = duration + (time.monotonic() - crowd.deadline)
    server.shutdown()
    thread.join(10)
    return crowd.timing, len(crowd.timing.millis) / elapsed


def row(timing: Timing, target: float | None) -> str:
    """One line of the table."""
    verdict = (
        "" if target is None else ("ok" if timing.percentile(95) < target and not timing.errors else "MISSED")
    )
    return (
        f"{timing.name:<44} {len(timing.millis):>6} {statistics.median(timing.millis or [0]):>8.1f}"
        f" {timing.percentile(95):>8.1f} {max(timing.millis, default=0):>8.1f} {timing.errors:>6}"
        f" {'' if target is None else f'< {target:g}':>7} {verdict:>6}"
    )


def with_app(url: str, run: Callable[[object], None]) -> None:
    """Run with an app on ``url`` and close it afterwards."""
    app = app_on(url)
    try:
        run(app)
    finally:
        registry(app).shutdown()  # type: ignore[arg-type]
        dispose(app)  # type: ignore[arg-type]


@click.command()
@click.option("--requests", "count", default=200, show_default=True, help="Timed grid requests per case.")
@click.option("--warmup", default=20, show_default=True)
@click.option("--users", default=50, show_default=True)
@click.option("--duration", default=20.0, show_default=True, help="Seconds of the load test.")
@click.option("--stations", default=26, show_default=True, help="Stations of the district.")
def main(count: int, warmup: int, users: int, duration: float, stations: int) -> None:
    """Seed, measure and print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("ROTA_INSTANCE_PATH", str(Path(tmp) / "instance"))
        demo_url, district_url = f"sqlite:///{tmp}/demo.db", f"sqlite:///{tmp}/district.db"
        started = time.monotonic()
        demo_codes = seed(demo_url, 1)
        district_codes = seed(district_url, stations)
        click.echo(f"seeded in {time.monotonic() - started:.1f} s (demo + {stations}-station district)")
        lines = []

        def demo_case(app: object) -> None:
            timing = grid_timing(app, f"/rota/{demo_codes[0]}/{WEEK}", count, warmup)
            timing.name = f"grid, demo station {demo_codes[0]}"
            lines.append(row(timing, 100))
            code = demo_codes[0]
            pages = [f"/rota/{code}/{WEEK}", f"/manage/{code}", f"/rota/{code}/2026-W51",
                     f"/manage/{code}/people/1", f"/rota/{code}/{WEEK}/export.csv"]  # fmt: skip
            timing, rate = load_test(app, pages, users, duration)
            lines.append(row(timing, None) + f"  ({rate:.0f} req/s)")

        def district_case(app: object) -> None:
            middle = district_codes[len(district_codes) // 2]
            timing = grid_timing(app, f"/rota/{middle}/{WEEK}", count, warmup)
            timing.name = f"grid, {stations}-station district, station {middle}"
            lines.append(row(timing, 150))

        with_app(demo_url, demo_case)
        with_app(district_url, district_case)
        click.echo(
            f"{'case':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6} {'target':>7}"
        )
        for line in lines:
            click.echo(line)


if __name__ == "__main__":
    main()
