"""Solve jobs on RQ: done by a real ``rota worker``, stopped, lost to kill -9, refused when Redis is down."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.jobs import PlanRequest, connect, enqueue_plan
from rota.models import Assignment, Rota, Shift, Station
from tests.prod.conftest import kill_worker
from tests.web.conftest import WEEK, WEEK_START, Demo, login, make_app
from tests.web.helpers import read
from web.db import dispose
from web.jobs import registry

Worker = Callable[[str], subprocess.Popen[bytes]]


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    """Every rota, assignment and shift row as tuples: what a lost solve must leave untouched."""

    def query(session: Session) -> list[tuple[Any, ...]]:
        rotas = session.execute(select(Rota.id, Rota.status, Rota.version, Rota.lock_version)).all()
        rows = session.execute(select(Assignment.id, Assignment.shift_id, Assignment.person_id)).all()
        shifts = session.execute(select(Shift.id)).all()
        return [tuple(r) for r in [*rotas, *rows, *shifts]]

    return read(app, query)  # type: ignore[return-value]


@pytest.fixture
def queued_app(seeded: tuple[str, Demo], tmp_path: Path, redis_url: str) -> Iterator[Flask]:
    """An app sending its solves to the test Redis, with a 2-second heartbeat."""
    application = make_app(seeded[0], tmp_path, REDIS_URL=redis_url, SOLVE_HEARTBEAT_TTL=2)
    yield application
    registry(application).shutdown()
    dispose(application)


@pytest.fixture
def coordinator_q(queued_app: Flask) -> FlaskClient:
    """A coordinator logged in to the queued app."""
    client = queued_app.test_client()
    login(client, "coordinator")
    return client


def generate(client: FlaskClient, demo: Demo, time_limit: int) -> dict[str, Any]:
    """Start a solve through the API; its job as JSON."""
    response = client.post(
        f"/api/v1/stations/{demo.station}/weeks/{WEEK}/generate", json={"time_limit": time_limit}
    )
    assert response.status_code == 202, response.text
    return response.get_json()  # type: ignore[no-any-return]


def wait_for(
    client: FlaskClient, job_id: str, done: Callable[[dict[str, Any]], bool], limit: float
) -> dict[str, Any]:
    """Poll the job until ``done(job)`` or fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}").get_json()
        if done(job) or time.monotonic() > deadline:
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)


def test_queued_solve_done_by_worker_saves_draft(
    queued_app: Flask, coordinator_q: FlaskClient, demo: Demo, seeded: tuple[str, Demo], start_worker: Worker
) -> None:
    start_worker(seeded[0])
    job = generate(coordinator_q, demo, time_limit=2)

    finished = wait_for(coordinator_q, job["id"], lambda j: j["state"] != "running", limit=40)

    assert (finished["state"], finished["error"]) == ("done", None)
    drafts = read(queued_app, lambda s: s.scalars(select(Rota.id).where(Rota.status == "draft")).all())
    assert drafts == [finished["rota_id"]]


def test_worker_killed_mid_solve_leaves_database_unchanged(
    queued_app: Flask, coordinator_q: FlaskClient, demo: Demo, seeded: tuple[str, Demo], start_worker: Worker
) -> None:
    worker = start_worker(seeded[0])
    before = snapshot(queued_app)
    job = generate(coordinator_q, demo, time_limit=30)
    wait_for(coordinator_q, job["id"], lambda j: j["best_objective"] is not None, limit=40)

    kill_worker(worker)
    failed = wait_for(coordinator_q, job["id"], lambda j: j["state"] != "running", limit=25)

    assert (failed["state"], failed["error"]) == ("failed", "worker_lost")
    assert "the rota is unchanged" in failed["message"]
    assert snapshot(queued_app) == before


def test_district_solve_by_worker_saves_a_draft_per_station(
    queued_app: Flask, seeded: tuple[str, Demo], redis_url: str, start_worker: Worker
) -> None:
    start_worker(seeded[0])
    redis = connect(redis_url)
    job = enqueue_plan(redis, PlanRequest(None, WEEK_START, time_limit=2, workers=1))

    deadline = time.monotonic() + 60
    while job.get_status(refresh=True) in ("queued", "started") and time.monotonic() < deadline:
        time.sleep(0.2)

    assert job.get_status(refresh=True) == "finished"
    stations = read(queued_app, lambda s: s.scalars(select(Station.id).order_by(Station.id)).all())
    drafts = read(
        queued_app, lambda s: s.scalars(select(Rota.station_id).where(Rota.status == "draft")).all()
    )
    assert sorted(drafts) == stations
    redis.close()


def test_stop_running_solve_keeps_best_rota(
    queued_app: Flask, coordinator_q: FlaskClient, demo: Demo, seeded: tuple[str, Demo], start_worker: Worker
) -> None:
    start_worker(seeded[0])
    job = generate(coordinator_q, demo, time_limit=60)
    wait_for(coordinator_q, job["id"], lambda j: j["best_objective"] is not None, limit=40)
    started = time.monotonic()

    response = coordinator_q.post(f"/api/v1/jobs/{job['id']}/stop")
    finished = wait_for(coordinator_q, job["id"], lambda j: j["state"] != "running", limit=20)

    assert response.status_code == 202
    assert finished["state"] == "done"
    assert time.monotonic() - started < 20


def test_stop_queued_solve_cancels_it(coordinator_q: FlaskClient, demo: Demo) -> None:
    job = generate(coordinator_q, demo, time_limit=5)

    coordinator_q.post(f"/api/v1/jobs/{job['id']}/stop")
    stopped = coordinator_q.get(f"/api/v1/jobs/{job['id']}").get_json()

    assert stopped["state"] == "failed"
    assert stopped["message"] == "stopped before it started; the rota is unchanged"


def test_second_solve_of_same_week_refused_while_queued(coordinator_q: FlaskClient, demo: Demo) -> None:
    generate(coordinator_q, demo, time_limit=5)

    response = coordinator_q.post(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/generate", json={})

    assert response.status_code == 409


def test_redis_down_at_enqueue_is_503_and_writes_nothing(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    login(client, "coordinator")
    before = snapshot(app)

    response = client.post(f"/api/v1/stations/{seeded[1].station}/weeks/{WEEK}/generate", json={})

    assert response.status_code == 503
    assert response.get_json()["error"] == "queue_unavailable"
    assert "nothing was started" in response.get_json()["message"]
    assert snapshot(app) == before
    dispose(app)


def test_redis_down_page_shows_message(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    login(client, "coordinator")

    week_page = f"http://localhost/rota/{seeded[1].station}/{WEEK}"
    response = client.post(f"{week_page}/generate", data={"time_limit": 5}, headers={"Referer": week_page})
    page = client.get(response.headers["Location"])

    assert response.status_code == 303
    assert "Redis" in page.text
    dispose(app)
