"""Production load: gunicorn web processes on PostgreSQL under a fixed request rate while a solve runs.

    .venv/bin/python bench/load.py [--rate 200] [--duration 60] [--web-workers 4] [--stations 26] [--quick]

Seeds a district (``--stations`` demo stations, each week published, a coordinator, a butler and
personal calendar feeds) into a fresh scratch PostgreSQL database, starts ``rota serve --workers N``
and one ``rota worker`` on a Redis queue, then runs each scenario: an open-loop generator sends
``--rate`` requests a second for ``--duration`` seconds whatever the answers take (a request's latency
counts from the moment it was due, so a slow server cannot slow the generator down and hide its own
queueing).  The mix: coordinators opening week grids of any station, person pages and the visits
list; a butler opening their shifts; calendar apps fetching personal feeds by token.

Scenarios: browsing alone; browsing while a station solve (2 CP-SAT workers, time limit = duration)
runs on the worker at the same CPU priority as the web; the same at ``rota worker --nice 10``.
Target (issue 8): p95 under 200 ms and no errors.  The generator shares the machine's cores.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rota.accounts import Role, create_user
from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.domain import week_start_of
from rota.feeds import issue_token
from rota.jobs import QUEUE, PlanRequest, enqueue_plan
from rota.models import Station
from rota.services.problem import build_problem, save_plan
from rota.services.rotas import publish_station_week
from solver import explain
from solver.instance import Problem
from solver.result import FEASIBLE, SolveResult

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
ROTA = Path(sys.executable).with_name("rota")
PASSWORD = "load-password-1"
SESSIONS = 4  # logins per role: the login limit allows 10 a minute from one address
CLIENT_THREADS = 96  # enough for the rate times the slowest expected answer
GIVE_UP = 10.0  # seconds after it was due: a person (or calendar app) waiting longer counts an error


@dataclass(frozen=True)
class District:
    """What the generator needs to know about the seeded data."""

    codes: tuple[str, ...]
    station_id: int
    people: tuple[int, ...]  # the first station's people (coordinator person pages)
    tokens: tuple[str, ...]  # personal feed secrets
    week: str  # ISO week label of the seeded week


@dataclass
class Result:
    """One request: which page kind, when due, how long from due to answered, and whether it failed."""

    kind: str
    latency_ms: float
    ok: bool


@dataclass
class Scenario:
    """One measured run."""

    name: str
    results: list[Result] = field(default_factory=list)
    elapsed: float = 0.0
    solve: str = "-"
    load: str = ""


def round_robin(problem: Problem) -> tuple[tuple[str, str], ...]:
    """Fill every shift's head count with the next people in turn (a plausible published week)."""
    pairs, turn = [], 0
    for shift in problem.shifts:
        for _ in range(min(sum(need.count for need in shift.needs), len(problem.people))):
            pairs.append((problem.people[turn % len(problem.people)].id, shift.id))
            turn += 1
    return tuple(sorted(set(pairs)))


def fresh_database(name: str) -> str:
    """Drop and create the scratch database ``name``; its URL."""
    admin = create_engine(f"{PG_BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_BASE}/{name}"


def seed(url: str, stations: int, week_start: date) -> District:
    """The district with each station's week published, two logins, and feed tokens."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=stations, seed=0, start=week_start)
        found = list(session.scalars(select(Station).order_by(Station.id)))
        for station in found:
            problem, context = build_problem(session, week_start=week_start, station_id=station.id)
            pairs = round_robin(problem)
            result = SolveResult(
                FEASIBLE,
                0,
                0,
                0.0,
                assignments=pairs,
                holes=explain.holes(problem, pairs),
                person_load=explain.person_load(problem, pairs),
                org_load=explain.org_load(problem, pairs),
            )
            save_plan(session, context, result, now=now)
            publish_station_week(session, station, week_start, now)
        first = found[0]
        create_user(session, username="coord", password=PASSWORD, role=Role.COORDINATOR, station=first)
        create_user(
            session,
            username="butler",
            password=PASSWORD,
            role=Role.STAFF,
            station=first,
            person=first.people[0],
        )
        people = [p for station in found for p in station.people]
        tokens = tuple(issue_token(session, p, now) for p in people[:: max(1, len(people) // 40)])
        district = District(
            tuple(s.code for s in found),
            first.id,
            tuple(p.id for p in first.people),
            tokens,
            f"{week_start.isocalendar().year}-W{week_start.isocalendar().week:02d}",
        )
    engine.dispose()
    return district


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own group, stopped (TERM, then KILL) with everything it started."""
    with log.open("wb") as out:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(10)


def wait_http(port: int, limit: float = 60.0) -> None:
    """Wait until the server answers its login page."""
    deadline = time.monotonic() + limit
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.3)


def login(port: int, username: str) -> str:
    """Log in and return the session cookie header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token[1] if token else ""}
    )
    connection.request(
        "POST", "/login", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise RuntimeError(f"login of {username} refused: {response.status}")
    return response.getheader("Set-Cookie", "").split(";", 1)[0] or cookie


def request_mix(
    district: District, coordinators: list[str], butlers: list[str], seed: int
) -> Iterator[tuple[str, str, str]]:
    """An endless shuffled mix of (kind, path, cookie)."""
    rng = random.Random(seed)
    week = district.week
    while True:
        roll = rng.random()
        if roll < 0.30:
            yield "week grid", f"/rota/{rng.choice(district.codes)}/{week}", rng.choice(coordinators)
        elif roll < 0.45:
            code = district.codes[0]
            yield (
                "person page",
                f"/manage/{code}/people/{rng.choice(district.people)}",
                rng.choice(coordinators),
            )
        elif roll < 0.55:
            yield "visits list", "/visits", rng.choice(coordinators)
        elif roll < 0.70:
            yield "my shifts", "/me/shifts", rng.choice(butlers)
        else:
            yield "feed", f"/feeds/{rng.choice(district.tokens)}.ics", ""


def fetch(port: int, local: threading.local, path: str, cookie: str) -> bool:
    """GET a page on this thread's keep-alive connection; True for a 200 that is not the login page."""
    for retry in (False, True):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP)
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                local.connection = None
            return response.status == 200
        except (http.client.HTTPException, OSError):
            connection.close()
            local.connection = None
            if retry:
                return False
    return False


def generate(
    port: int, district: District, cookies: tuple[list[str], list[str]], rate: float, duration: float
) -> tuple[list[Result], float]:
    """Open loop: request i is due at start + i / rate; a pool of threads sends each when due."""
    due: queue.Queue[tuple[float, str, str, str] | None] = queue.Queue()
    results: list[Result] = []
    lock = threading.Lock()

    def sender() -> None:
        local = threading.local()
        while (item := due.get()) is not None:
            when, kind, path, cookie = item
            delay = when - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif -delay > GIVE_UP:  # still unsent: the server is so far behind that this one gave up
                with lock:
                    results.append(Result(kind, 1000 * -delay, False))
                continue
            ok = fetch(port, local, path, cookie)
            result = Result(kind, 1000 * (time.perf_counter() - when), ok)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    mix = request_mix(district, *cookies, seed=0)
    start = time.perf_counter() + 0.2
    total = int(rate * duration)
    for i in range(total):
        when = start + i / rate
        while time.perf_counter() < when - 0.05:  # hand requests out just ahead of time
            time.sleep(0.01)
        due.put((when, *next(mix)))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join(2 * GIVE_UP + 30)
    return results, time.perf_counter() - start


def niceness(pid: int) -> str:
    """A process's niceness as the kernel reports it (field 19 of /proc/PID/stat)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16]
    except (OSError, IndexError):
        return "?"


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0 without values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def solve_state(redis: Redis, job_id: str) -> str:
    """Whether the solve job finished, with its status and objective."""
    job = Job.fetch(job_id, connection=redis)
    status = job.get_status(refresh=True).value
    if status == "finished":
        value = job.return_value() or {}
        return f"finished ({value.get('status')}, objective {value.get('objective')})"
    return status


def run_scenario(
    name: str, args: argparse.Namespace, env: dict[str, str], ctx: dict[str, object], nice: int | None
) -> Scenario:
    """Browse at the rate; with ``nice`` set, a solve runs on a worker at that niceness meanwhile."""
    scenario = Scenario(name)
    district: District = ctx["district"]  # type: ignore[assignment]
    redis = Redis.from_url(env["ROTA_REDIS_URL"])
    if nice is None:
        scenario.results, scenario.elapsed = generate(
            args.port, district, ctx["cookies"], args.rate, args.duration
        )  # type: ignore[arg-type]
    else:
        log = Path(str(ctx["tmp"])) / f"worker-{nice}.log"
        with process([str(ROTA), "worker", "--nice", str(nice)], env, log) as worker:
            limit = max(5.0, args.duration)
            week_start = date.fromisoformat(str(ctx["week_start"]))
            job = enqueue_plan(redis, PlanRequest(district.station_id, week_start, limit, workers=2))
            scenario.results, scenario.elapsed = generate(
                args.port, district, ctx["cookies"], args.rate, args.duration
            )  # type: ignore[arg-type]
            deadline = time.monotonic() + limit + 60
            while solve_state(redis, job.id) in ("queued", "started") and time.monotonic() < deadline:
                time.sleep(1)
            scenario.solve = f"{solve_state(redis, job.id)}, worker nice {niceness(worker.pid)}"
    scenario.load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    redis.close()
    return scenario


def stats(name: str, results: list[Result], elapsed: float) -> str:
    """Requests, answered-well per second, p50/p95/p99 and errors of some results."""
    millis = [r.latency_ms for r in results]
    errors = sum(not r.ok for r in results)
    return (
        f"{name:<34} {len(millis):>8} {(len(millis) - errors) / elapsed:>7.1f} {percentile(millis, 50):>8.0f}"
        f" {percentile(millis, 95):>8.0f} {percentile(millis, 99):>8.0f} {errors:>6}"
    )


def table(scenarios: list[Scenario]) -> list[str]:
    """The result lines: one per scenario, then one per page kind of each."""
    lines = [
        f"{'scenario':<34} {'requests':>8} {'ok/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'errors':>6}  {'load avg':<15} solve job"
    ]
    for s in scenarios:
        p95 = percentile([r.latency_ms for r in s.results], 95)
        verdict = "ok" if p95 < 200 and all(r.ok for r in s.results) else "MISSED"
        lines.append(f"{stats(s.name, s.results, s.elapsed)}  {s.load:<15} {s.solve}  [{verdict}]")
        for kind in sorted({r.kind for r in s.results}):
            lines.append(stats(f"  {kind}", [r for r in s.results if r.kind == kind], s.elapsed))
    return lines


def main() -> None:
    """Seed, start the servers, run the scenarios and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="requests a second (open loop)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per scenario")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--stations", type=int, default=26, help="stations of the seeded district")
    parser.add_argument("--nice", type=int, default=10, help="solve worker niceness of the last scenario")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--database", default="rota_load", help="scratch PostgreSQL database (recreated)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="Redis for the queue and limits")
    parser.add_argument("--quick", action="store_true", help="4 stations, 10 s per scenario")
    args = parser.parse_args()
    if args.quick:
        args.stations, args.duration = min(args.stations, 4), min(args.duration, 10.0)
    week_start = week_start_of(datetime.now(UTC).date())
    url = fresh_database(args.database)
    redis = Redis.from_url(args.redis)
    Queue(QUEUE, connection=redis).empty()  # no solve left queued by an interrupted run
    redis.close()
    started = time.monotonic()
    district = seed(url, args.stations, week_start)
    print(
        f"seeded {args.stations} stations on PostgreSQL in {time.monotonic() - started:.0f} s; "
        f"{args.web_workers} web processes, {args.rate:g} req/s for {args.duration:g} s per scenario"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {
            "ROTA_DATABASE_URL": url,
            "ROTA_REDIS_URL": args.redis,
            "ROTA_RATELIMIT_STORAGE_URI": "memory://",  # no login counts left over from an earlier run
            "ROTA_SECRET_KEY": "load-bench",
            "ROTA_INSTANCE_PATH": f"{tmp}/instance",
        }
        serve = [str(ROTA), "serve", "--workers", str(args.web_workers), "--port", str(args.port)]
        with process(serve, env, Path(tmp) / "serve.log"):
            wait_http(args.port)
            cookies = (
                [login(args.port, "coord") for _ in range(SESSIONS)],
                [login(args.port, "butler") for _ in range(SESSIONS)],
            )
            ctx: dict[str, object] = {
                "district": district,
                "cookies": cookies,
                "tmp": tmp,
                "week_start": week_start.isoformat(),
            }
            generate(args.port, district, cookies, min(args.rate, 50.0), 3.0)  # warm-up, not counted
            scenarios = [
                run_scenario("browsing only", args, env, ctx, None),
                run_scenario("browsing + solve, worker nice 0", args, env, ctx, 0),
                run_scenario(f"browsing + solve, worker nice {args.nice}", args, env, ctx, args.nice),
            ]
    for line in table(scenarios):
        print(line)


if __name__ == "__main__":
    main()
