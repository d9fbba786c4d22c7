"""PostgreSQL restarted while people browse and book: a clear 503 during the outage, whole data, recovery.

Runs only with ``ROTA_TEST_DATABASE_URL`` on a local PostgreSQL cluster that this (root) process may
restart with ``pg_ctlcluster``; the cluster is started again whatever happens to the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.db import make_engine
from rota.models import Compound
from rota.visits import BookingLedger, BookingSlot, VisitEvent, VisitRequest, VisitState
from tests.conftest import PG_URL_ENV
from tests.web.conftest import WEEK, Demo, login, make_app
from web.db import dispose
from web.jobs import registry

pytestmark = pytest.mark.postgres

PG_ISREADY = ("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432")
UNAVAILABLE = {"en": "The database cannot be reached right now", "zh_CN": "数据库暂时无法连接"}
RECOVERY_GRACE = 1.0  # seconds after pg_isready in which a request already under way may still fail


def _cluster() -> list[str]:
    """The pg_ctlcluster command prefix for the local cluster (skips when it cannot be restarted)."""
    url = os.environ.get(PG_URL_ENV, "")
    if "127.0.0.1" not in url and "localhost" not in url:
        pytest.skip("the test database is not a local PostgreSQL cluster")
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster")
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def _wait_ready(limit: float = 60.0) -> None:
    """Wait until PostgreSQL accepts connections again."""
    deadline = time.monotonic() + limit
    while subprocess.run(PG_ISREADY, check=False).returncode != 0:
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


@pytest.fixture
def restart_postgresql() -> Iterator[Callable[[], float]]:
    """Restart the cluster (returns when it is ready, with that moment); it is left running afterwards."""
    cluster = _cluster()

    def restart() -> float:
        subprocess.run([*cluster, "restart", "-m", "fast"], check=True, capture_output=True, timeout=120)
        _wait_ready()
        return time.monotonic()

    try:
        yield restart
    finally:
        if subprocess.run(PG_ISREADY, check=False).returncode != 0:
            subprocess.run([*cluster, "start"], check=False, capture_output=True, timeout=120)
        _wait_ready()


@dataclass(frozen=True)
class Outcome:
    """One request: when it started, what was asked, what came back."""

    started: float
    what: str
    status: int  # 0: the request raised instead of answering
    body: str
    reference: str | None = None


@dataclass
class Crowd:
    """The threads' shared stop switch and results."""

    stop: threading.Event
    outcomes: list[Outcome]
    lock: threading.Lock

    def record(self, outcome: Outcome) -> None:
        """Keep one outcome."""
        with self.lock:
            self.outcomes.append(outcome)


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, str, Any]:
    """(status, body, JSON) of one request; status 0 and the error when the app raised."""
    try:
        response = client.open(path, method=method, **kwargs)
    except Exception as error:  # an unhandled error: exactly what the test looks for
        return 0, repr(error), None
    return response.status_code, response.text, response.get_json(silent=True)


def browse(client: FlaskClient, pages: list[str], crowd: Crowd) -> None:
    """Open the pages in turn until stopped."""
    turn = 0
    while not crowd.stop.is_set():
        path = pages[turn % len(pages)]
        started = time.monotonic()
        status, body, _ = call(client, "GET", path)
        crowd.record(Outcome(started, f"GET {path}", status, body))
        turn += 1


def book(client: FlaskClient, compound: int, starts: list[str], crowd: Crowd) -> None:
    """Book visits at the offered starts in turn until stopped (each a multi-row save)."""
    turn = 0
    while not crowd.stop.is_set():
        data = {"name": f"居民{turn}", "phone": f"1370000{turn:04d}", "compound": compound,
                "service_type": "appliance_repair", "start": starts[turn % len(starts)]}  # fmt: skip
        started = time.monotonic()
        status, body, found = call(client, "POST", "/api/v1/visits/bookings", json=data)
        reference = found.get("reference") if status == 201 and isinstance(found, dict) else None
        crowd.record(Outcome(started, "POST /api/v1/visits/bookings", status, body, reference))
        turn += 1


def said(outcome: Outcome) -> str:
    """What a refused request told the user: the JSON error's message, or the page without a traceback."""
    if "/api/" not in outcome.what:
        return "" if "Traceback" in outcome.body else outcome.body
    found = json.loads(outcome.body)
    return str(found["message"]) if found["error"] == "database_unavailable" else ""


def read(url: str, query: Callable[[Session], Any]) -> Any:
    """Run a query on a session of its own (a fresh engine: the app's pool is what is under test)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return query(session)
    finally:
        engine.dispose()


def counts(session: Session, station_id: int) -> dict[str, int]:
    """Rows that one booking writes together: requests, states, slots, events, and the ledger count."""
    ledger = session.get(BookingLedger, station_id)
    return {
        "requests": session.scalar(select(func.count()).select_from(VisitRequest)) or 0,
        "booked states": session.scalar(select(func.count()).where(VisitState.booked)) or 0,
        "booking slots": session.scalar(select(func.count()).select_from(BookingSlot)) or 0,
        "booked events": session.scalar(select(func.count()).where(VisitEvent.note == "booked")) or 0,
        "ledger": ledger.bookings if ledger else 0,
    }


@pytest.fixture
def pg_app(seeded: tuple[str, Demo], tmp_path: Path) -> Iterator[Flask]:
    """The app on the test's PostgreSQL schema, with no booking rate limit in the way."""
    application = make_app(seeded[0], tmp_path, BOOKING_RATE_LIMIT="100000 per minute")
    yield application
    registry(application).shutdown()
    dispose(application)


@pytest.fixture
def idle_app(seeded: tuple[str, Demo], tmp_path: Path) -> Iterator[Flask]:
    """A second web process whose pooled connection sits unused through the restart."""
    application = make_app(seeded[0], tmp_path)
    yield application
    registry(application).shutdown()
    dispose(application)


def test_idle_pooled_connections_are_replaced_after_a_restart(
    idle_app: Flask, demo: Demo, restart_postgresql: Callable[[], float]
) -> None:
    client = idle_app.test_client()
    login(client, "coordinator")
    page = f"/rota/{demo.station}/{WEEK}"
    assert client.get(page).status_code == 200  # leaves a connection in the pool
    restart_postgresql()

    first = client.get(page)

    assert first.status_code == 200


def test_postgresql_restart_gives_503_then_recovers_with_whole_saves(
    pg_app: Flask, seeded: tuple[str, Demo], restart_postgresql: Callable[[], float]
) -> None:
    url, demo = seeded
    browser, booker = pg_app.test_client(), pg_app.test_client()
    login(browser, "coordinator")
    login(booker, "coordinator")
    with booker.session_transaction() as cookie:
        cookie["lang"] = "en"  # the browser keeps the default, Chinese
    compound = read(
        url, lambda s: s.scalars(select(Compound.id).where(Compound.station_id == demo.station_id)).first()
    )
    offered = booker.get(f"/api/v1/visits/slots?service_type=appliance_repair&compound={compound}").get_json()
    before = read(url, lambda s: counts(s, demo.station_id))
    pages = [f"/rota/{demo.station}/{WEEK}", "/visits", f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota"]
    crowd = Crowd(threading.Event(), [], threading.Lock())
    threads = [
        threading.Thread(target=browse, args=(browser, pages, crowd)),
        threading.Thread(target=book, args=(booker, compound, [s["start"] for s in offered], crowd)),
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        ready = restart_postgresql()
        time.sleep(2.0)
    finally:
        crowd.stop.set()
        for thread in threads:
            thread.join(60)
    after = read(url, lambda s: counts(s, demo.station_id))
    references = set(read(url, lambda s: s.scalars(select(VisitState.reference)).all()))

    raised = [o for o in crowd.outcomes if o.status == 0]
    assert raised == []
    assert {o.status for o in crowd.outcomes if o.what.startswith("GET")} <= {200, 503}
    assert {o.status for o in crowd.outcomes if o.what.startswith("POST")} <= {201, 409, 503}
    refused = [o for o in crowd.outcomes if o.status == 503]
    assert refused, "no request fell into the outage"
    language = {"GET": "zh_CN", "POST": "en"}  # the browser's default Chinese, the booker's English
    unclear = [o for o in refused if UNAVAILABLE[language[o.what.split()[0]]] not in said(o)]
    assert [(o.what, o.body[-400:]) for o in unclear] == []
    late = [o for o in crowd.outcomes if o.started > ready + RECOVERY_GRACE]
    assert late
    assert [o for o in late if o.status not in (200, 201, 409)] == []
    made = {key: after[key] - before[key] for key in before}
    assert len(set(made.values())) == 1, made  # every booking wrote all its rows or none of them
    booked = [o.reference for o in crowd.outcomes if o.status == 201]
    in_doubt = sum(1 for o in refused if o.what.startswith("POST"))
    assert len(booked) <= made["requests"] <= len(booked) + in_doubt
    assert set(booked) <= references
