"""Production load: gunicorn on PostgreSQL under a fixed request rate while a district solve runs.

    .venv/bin/python bench/load.py [--rate 200] [--duration 60] [--web-workers 4] [--stations 26]
                                   [--scenarios browse,solve10,solve0] [--max-load 1.5] [--quick]

Seeds a district (``--stations`` demo stations, each week published, a coordinator, a butler and
personal calendar feeds) into a fresh scratch PostgreSQL database, starts ``rota serve --workers N``,
then runs each scenario: an open-loop generator sends ``--rate`` requests a second for
``--duration`` seconds whatever the answers take (a request's latency counts from the moment it was
due, so a slow server cannot slow the generator down and hide its own queueing).  The mix:
coordinators opening week grids of any station (30%), person pages (15%) and the visits list (10%);
a butler opening their shifts (15%); calendar apps fetching personal feeds by token (30%).  Every
answer is read and checked: a 200 with a body, anything else (a redirect to the login page, a 5xx,
a timeout after 10 s) is an error.

The generator is one thread with asyncio and raw HTTP/1.1 keep-alive connections: it shares the
machine's cores with the server, and a thread per request would cost several times its CPU.

Scenarios: ``browse`` (browsing alone) and ``solveN``: browsing while ``rota worker --nice N`` solves
the whole district (every station as one problem, 2 CP-SAT workers, time limit = duration).  Before
each scenario the bench waits for the 1-minute load average to drop below ``--max-load``.  It prints
p50/p95/p99/max per scenario and page kind, errors, the CPU used by the web processes, PostgreSQL,
the generator and the solve, the load average, and the solve's outcome.
Target (issue 8): p95 under 200 ms and no errors, while the district solve runs at the worker's
default niceness (10).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
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
MAX_CONNECTIONS = 256  # open at once at most: the rate times the slowest answer that still counts
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
    error: str = ""  # what was wrong with the answer ("" for a good one)

    @property
    def ok(self) -> bool:
        """True for a good answer."""
        return not self.error


@dataclass
class Scenario:
    """One measured run."""

    name: str
    results: list[Result] = field(default_factory=list)
    load_before: str = ""
    elapsed: float = 0.0
    solve: str = "-"
    load: str = ""
    cpu: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # web, PostgreSQL, generator, solve


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


async def fetch(pool: Pool, path: str, cookie: str) -> str:
    """GET a path on a pooled keep-alive connection; "" for a 200 with a body, else what was wrong.

    A pooled connection the server closed while it was idle (gunicorn's keep-alive timeout) fails
    before any answer arrives; the request is then sent once more on a new connection.
    """
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{pool.port}\r\n{headers}\r\n".encode()
    while True:
        reused = bool(pool.idle)
        reader, writer = pool.idle.pop() if reused else await asyncio.open_connection("127.0.0.1", pool.port)
        try:
            writer.write(request)
            status, keep, body = await read_response(reader)
            break
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as error:
            writer.close()
            if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                raise
        except BaseException:  # a timeout: the connection cannot carry another request
            writer.close()
            raise
    if keep:
        pool.idle.append((reader, writer))
    else:
        writer.close()
    return "" if status == 200 and body else f"HTTP {status}" + ("" if body else ", empty body")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, whether the connection stays open, body) of one HTTP/1.1 response."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = dict(
        (name.lower(), value.strip()) for name, _, value in (h.partition(":") for h in head[1:] if h)
    )
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
    else:
        body = b"" if status in (204, 304) else await reader.read()
    return status, fields.get("connection", "").lower() != "close", body


@dataclass
class Pool:
    """Idle keep-alive connections to the server, reused before a new one is opened."""

    port: int
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)


def generate(
    port: int, district: District, cookies: tuple[list[str], list[str]], rate: float, duration: float
) -> tuple[list[Result], float, float]:
    """Open loop: request i is sent at start + i / rate whatever the earlier ones are doing.

    (results, elapsed seconds, the generator's own CPU seconds).  One thread with asyncio and raw
    HTTP/1.1 keep-alive: the generator shares the machine's cores with the server, so it is kept lean
    (a thread per request costs several times the CPU).  Every answer is read and checked.
    """
    cpu = time.process_time()
    results, elapsed = asyncio.run(_generate(port, district, cookies, rate, duration))
    return results, elapsed, time.process_time() - cpu


async def _generate(
    port: int, district: District, cookies: tuple[list[str], list[str]], rate: float, duration: float
) -> tuple[list[Result], float]:
    """The open loop of ``generate``."""
    pool, results = Pool(port), list[Result]()
    slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def one(kind: str, path: str, cookie: str, due: float) -> None:
        try:
            async with slots:
                error = await asyncio.wait_for(fetch(pool, path, cookie), GIVE_UP - (loop.time() - due))
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError) as failure:
            error = type(failure).__name__
        results.append(Result(kind, 1000 * (loop.time() - due), error))

    loop = asyncio.get_running_loop()
    mix = request_mix(district, *cookies, seed=0)
    start = loop.time() + 0.2
    tasks = []
    for i in range(int(rate * duration)):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(one(*next(mix), due)))
    await asyncio.gather(*tasks)
    for _, writer in pool.idle:
        writer.close()
    return results, loop.time() - start


def niceness(pid: int) -> str:
    """A process's niceness as the kernel reports it (field 19 of /proc/PID/stat)."""
    try:
        return _stat(pid)[1][16]
    except (OSError, IndexError):
        return "?"


def _stat(pid: int) -> tuple[str, list[str]]:
    """A process's command name and the fields of /proc/PID/stat after it (field 3 onwards)."""
    name, _, rest = Path(f"/proc/{pid}/stat").read_text().partition(" (")[2].rpartition(")")
    return name, rest.split()


def _all_stats() -> dict[int, tuple[str, list[str]]]:
    """Every live process's command name and stat fields, by pid."""
    found = {}
    for pid in (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()):
        with contextlib.suppress(OSError):  # ended meanwhile
            found[pid] = _stat(pid)
    return found


def cpu_seconds(roots: list[int], command: str = "") -> float:
    """CPU time of the process trees under ``roots`` and of the processes named ``command``.

    User and system time of each process plus what its ended, waited-for children used.
    """
    stats = _all_stats()
    chosen = {pid for pid, (name, _) in stats.items() if pid in roots or (command and name == command)}
    while more := {pid for pid, (_, fields) in stats.items() if int(fields[1]) in chosen} - chosen:
        chosen |= more
    return sum(sum(int(x) for x in stats[pid][1][11:15]) for pid in chosen) / os.sysconf("SC_CLK_TCK")


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


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_until_quiet(limit: float, tries: int) -> None:
    """Wait (30 s at a time, ``tries`` times at most) until the 1-minute load average is below ``limit``."""
    for _ in range(tries):
        if os.getloadavg()[0] < limit:
            return
        print(f"  load average {load_average()}: waiting 30 s for it to drop below {limit:g}", flush=True)
        time.sleep(30)


def run_scenario(
    name: str, nice: int | None, args: argparse.Namespace, env: dict[str, str], ctx: dict[str, object]
) -> Scenario:
    """Browse at the rate; with ``nice`` set, a district solve runs on a worker at that niceness meanwhile."""
    wait_until_quiet(args.max_load, args.quiet_tries)
    scenario = Scenario(name, load_before=load_average())
    district: District = ctx["district"]  # type: ignore[assignment]
    cookies: tuple[list[str], list[str]] = ctx["cookies"]  # type: ignore[assignment]
    web, workers = [int(str(ctx["web_pid"]))], []
    redis = Redis.from_url(env["ROTA_REDIS_URL"])
    with contextlib.ExitStack() as stack:
        job = None
        if nice is not None:
            log = Path(str(ctx["tmp"])) / f"worker-{nice}.log"
            worker = stack.enter_context(process([str(ROTA), "worker", "--nice", str(nice)], env, log))
            workers.append(worker.pid)
            week_start = date.fromisoformat(str(ctx["week_start"]))
            job = enqueue_plan(redis, PlanRequest(None, week_start, args.duration, workers=2))
        before = (cpu_seconds(web), cpu_seconds([], "postgres"), cpu_seconds(workers))
        scenario.results, scenario.elapsed, generator_cpu = generate(
            args.port, district, cookies, args.rate, args.duration
        )
        after = (cpu_seconds(web), cpu_seconds([], "postgres"), cpu_seconds(workers))
        used = [b - a for a, b in zip(before, after, strict=True)]
        scenario.cpu = (used[0], used[1], generator_cpu, used[2])
        scenario.load = load_average()
        if job is not None:
            deadline = time.monotonic() + args.duration + 120
            while solve_state(redis, job.id) in ("queued", "started") and time.monotonic() < deadline:
                time.sleep(1)
            scenario.solve = f"{solve_state(redis, job.id)}, worker nice {niceness(workers[0])}"
    redis.close()
    return scenario


def stats(name: str, results: list[Result], elapsed: float) -> str:
    """Requests answered well, errors, and p50/p95/p99/max latency of some results."""
    millis = [r.latency_ms for r in results]
    errors = sum(not r.ok for r in results)
    figures = [percentile(millis, p) for p in (50, 95, 99, 100)]
    return f"{name:<30} {len(millis) - errors:>7} {errors:>6} " + " ".join(f"{x:>7.0f}" for x in figures)


def table(scenarios: list[Scenario], rate: float, duration: float) -> list[str]:
    """The result lines: one per scenario, its page kinds, its CPU and load average and the solve."""
    lines = [
        f"{rate:g} requests/s for {duration:g} s per scenario; latency in ms from when each request was due",
        f"{'scenario':<30} {'ok':>7} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}",
    ]
    for s in scenarios:
        p95 = percentile([r.latency_ms for r in s.results], 95)
        verdict = "target met" if p95 < 200 and all(r.ok for r in s.results) else "target MISSED"
        lines.append(f"{stats(s.name, s.results, s.elapsed)}  [{verdict}]")
        for error in sorted({r.error for r in s.results} - {""}):
            lines.append(f"  errors: {sum(r.error == error for r in s.results)} x {error}")
        for kind in sorted({r.kind for r in s.results}):
            lines.append(stats(f"  {kind}", [r for r in s.results if r.kind == kind], s.elapsed))
        web, db, gen, solve = (seconds / s.elapsed for seconds in s.cpu)
        lines.append(
            f"  CPU (cores): web {web:.2f}, PostgreSQL {db:.2f}, generator {gen:.2f}, solve {solve:.2f}; "
            f"load average before {s.load_before}, after {s.load}; solve: {s.solve}"
        )
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
    parser.add_argument(
        "--scenarios",
        default="browse,solve10,solve0",
        help="comma-separated: browse (browsing alone), solveN (browsing + district solve at niceness N)",
    )
    parser.add_argument("--max-load", type=float, default=1.5, help="wait for a lower 1-min load average")
    parser.add_argument("--quiet-tries", type=int, default=8, help="30-s waits for a quiet machine at most")
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
        with process(serve, env, Path(tmp) / "serve.log") as web:
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
                "web_pid": web.pid,
            }
            generate(args.port, district, cookies, args.rate / 2, 10.0)  # warm-up, not counted
            scenarios = [run_scenario(*scenario(name), args, env, ctx) for name in args.scenarios.split(",")]
        if not all(r.ok for s in scenarios for r in s.results):  # the server's side of the errors
            print("".join(Path(tmp, "serve.log").read_text(errors="replace").splitlines(True)[-60:]))
    for line in table(scenarios, args.rate, args.duration):
        print(line)


def scenario(name: str) -> tuple[str, int | None]:
    """A scenario's title and solve niceness (None: no solve) from its name on the command line."""
    if name == "browse":
        return "browsing only", None
    if name.startswith("solve") and name[5:].isdigit():
        return f"browsing + district solve, nice {name[5:]}", int(name[5:])
    raise SystemExit(f"unknown scenario {name!r} (browse, solve10, solve0, ...)")


if __name__ == "__main__":
    main()
