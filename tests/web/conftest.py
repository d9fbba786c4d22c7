"""Web fixtures: a demo station with one account per role and a draft rota, and an app per test.

The seeded SQLite database is built once per session and copied for each test (a copy costs
milliseconds, seeding a second); on PostgreSQL each test seeds its own schema.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rota.accounts import Role, create_user
from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.models import Station
from rota.services.problem import build_problem, save_plan
from solver import explain
from solver.instance import Problem
from solver.result import FEASIBLE, SolveResult
from solver.validate import validate
from tests.conftest import PG_URL_ENV
from web import create_app
from web.db import dispose
from web.jobs import registry

WEEK = "2026-W50"
WEEK_START = date(2026, 12, 7)
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
PASSWORD = "demo-password-1"
USERS = {"coordinator": Role.COORDINATOR, "staff": Role.STAFF, "resident": Role.RESIDENT}


@dataclass(frozen=True)
class Demo:
    """What the seeded database holds, by code and id."""

    station: str
    station_id: int
    staff_person_id: int


def greedy_plan(problem: Problem) -> tuple[tuple[str, str], ...]:
    """A plan that breaks no hard rule: each shift takes people in order while the validator agrees."""
    pairs: list[tuple[str, str]] = []
    for shift in problem.shifts:
        wanted = sum(need.count for need in shift.needs)
        for person in problem.people:
            if sum(1 for _, s in pairs if s == shift.id) >= wanted:
                break
            if validate(problem, [*pairs, (person.id, shift.id)]).feasible:
                pairs.append((person.id, shift.id))
    return tuple(sorted(pairs))


def seed(engine: Engine) -> Demo:
    """The demo station, one account per role, and a hand-made (not solved) draft for the week."""
    with Session(engine) as session, session.begin():
        seed_demo(session, stations=1, seed=0, start=WEEK_START)
        station = session.scalars(select(Station).order_by(Station.id)).first()
        assert station is not None
        person = station.people[0]
        for username, role in USERS.items():
            create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                person=person if role == Role.STAFF else None,
                station=station,
            )
        problem, context = build_problem(session, week_start=WEEK_START, station_id=station.id)
        pairs = greedy_plan(problem)
        scores = validate(problem, pairs)
        result = SolveResult(
            FEASIBLE,
            scores.objective,
            0,
            0.0,
            assignments=pairs,
            holes=explain.holes(problem, pairs),
            person_load=explain.person_load(problem, pairs),
            org_load=explain.org_load(problem, pairs),
        )
        save_plan(session, context, result, now=NOW)
        return Demo(station.code, station.id, person.id)


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Demo]:
    """A migrated, seeded SQLite file shared (read-only) by the tests of the session."""
    path = tmp_path_factory.mktemp("seed") / "rota.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        demo = seed(engine)
    finally:
        engine.dispose()
    return path, demo


@pytest.fixture
def seeded(
    seeded_file: tuple[Path, Demo], tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[str, Demo]:
    """(database URL, demo) of a seeded database of this test's own."""
    if os.environ.get(PG_URL_ENV):
        engine: Engine = request.getfixturevalue("engine")
        return engine.url.render_as_string(hide_password=False), seed(engine)
    path, demo = seeded_file
    copy = tmp_path / "rota.db"
    shutil.copyfile(path, copy)
    return f"sqlite:///{copy}", demo


def make_app(url: str, tmp_path: Path, **overrides: object) -> Flask:
    """An app on ``url`` with test settings (no CSRF unless asked, tiny solves, a fixed clock)."""
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SOLVE_TIME_LIMIT": 2,
        "SOLVE_WORKERS": 2,
        "CLOCK": lambda: NOW,
    } | overrides
    os.environ.setdefault("ROTA_INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app(config)


@pytest.fixture
def app(seeded: tuple[str, Demo], tmp_path: Path) -> Iterator[Flask]:
    """An app on this test's seeded database; jobs stopped and connections closed afterwards."""
    application = make_app(seeded[0], tmp_path)
    yield application
    registry(application).shutdown()
    dispose(application)


@pytest.fixture
def demo(seeded: tuple[str, Demo]) -> Demo:
    """Codes and ids of the seeded demo."""
    return seeded[1]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Log a client in (fails the test if the login is refused)."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.text


@pytest.fixture
def coordinator(client: FlaskClient) -> FlaskClient:
    """A client logged in as the coordinator."""
    login(client, "coordinator")
    return client
