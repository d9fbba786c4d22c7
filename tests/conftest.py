"""Shared fixtures: an isolated, migrated database per test.

SQLite by default (a file under ``tmp_path``); when ``ROTA_TEST_DATABASE_URL`` points at
PostgreSQL every test gets its own schema, selected through the connection's ``search_path`` so
that subprocesses given the same URL see the same schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from rota.db import make_engine, upgrade
from rota.domain import LeaveStatus, OrgKind, RotaStatus
from rota.models import (
    Assignment,
    Leave,
    Organisation,
    Person,
    PersonSkill,
    Rota,
    Shift,
    ShiftTemplate,
    Station,
    WeeklyAvailability,
)
from rota.services.stations import materialise_shifts

PG_URL_ENV = "ROTA_TEST_DATABASE_URL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``postgres`` unless a PostgreSQL test database is configured."""
    if os.environ.get(PG_URL_ENV):
        return
    skip = pytest.mark.skip(reason=f"needs {PG_URL_ENV}")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _with_search_path(url: str, schema: str) -> str:
    """The PostgreSQL URL with every connection's search_path set to ``schema``."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def isolated_database(directory: Path) -> Iterator[str]:
    """The URL of a new empty database: a SQLite file in ``directory``, or a PostgreSQL schema."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        yield f"sqlite:///{directory / 'rota.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(base, schema)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database that only this test uses."""
    with isolated_database(tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database with the migrations applied."""
    eng = make_engine(database_url)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; the test decides when to commit."""
    with Session(engine) as s:
        yield s


@dataclass(frozen=True)
class TinyStation:
    """A hand-made station small enough to predict every number of its problem."""

    station: Station
    week: date  # the week being planned; the week before is materialised too
    full_timer: Person  # org A (cadre, quota 600), no availability windows
    part_timer: Person  # org B (clinic, quota 400), Mondays 08:00-12:00, certificates
    on_leave: Person  # org A, approved leave all Tuesday, requested/declined later

    def shift(self, session: Session, day: date, code: str) -> Shift:
        """The station's shift of a template on a date."""
        return session.scalars(
            select(Shift)
            .join(Shift.template)
            .where(Shift.station_id == self.station.id, Shift.date == day, ShiftTemplate.code == code)
        ).one()

    def rota(
        self,
        session: Session,
        week: date,
        status: RotaStatus,
        rows: list[tuple[Shift, Person, bool]],
        version: int = 1,
    ) -> Rota:
        """Add a rota version with the given (shift, person, pinned) assignments."""
        rota = Rota(
            station=self.station, week_start=week, status=status, version=version,
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
            assignments=[Assignment(shift=s, person=p, pinned=pinned) for s, p, pinned in rows],
        )  # fmt: skip
        session.add(rota)
        session.flush()
        return rota


def make_tiny_station(session: Session, code: str = "T1", week: date = date(2026, 11, 30)) -> TinyStation:
    """Build and flush a TinyStation (two templates: AM 08-12 daily, NT 20-08 night)."""
    station = Station(code=code, name=f"{code}测试站")
    cadres = Organisation(name=f"{code}居委会", kind=OrgKind.CADRE, quota_permille=600)
    clinic = Organisation(name=f"{code}中医馆", kind=OrgKind.CLINIC, quota_permille=400)
    station.organisations.extend([cadres, clinic])
    station.shift_templates.extend(
        [
            ShiftTemplate(code="AM", name_zh="上午班", name_en="Morning", weekdays=list(range(7)),
                          start_time=time(8), end_time=time(12), needs=[{"count": 1}]),
            ShiftTemplate(code="NT", name_zh="夜班", name_en="Night", weekdays=list(range(7)),
                          start_time=time(20), end_time=time(8), crosses_midnight=True, night=True,
                          needs=[{"count": 1}], forbidden_next=["AM"]),
        ]
    )  # fmt: skip
    full = Person(org=cadres, name=f"{code}张一", min_rest_minutes=660, max_weekends_per_window=2)
    part = Person(org=clinic, name=f"{code}李二", fte_permille=1000)
    part.availability.append(WeeklyAvailability(weekday=0, start_time=time(8), end_time=time(12)))
    part.skills.extend(
        [
            PersonSkill(skill="health_consult", valid_until=week + timedelta(days=2)),
            PersonSkill(skill="first_aid", valid_until=week - timedelta(days=1)),
            PersonSkill(skill="bathing", valid_from=week + timedelta(days=3)),
        ]
    )
    leave = Person(org=cadres, name=f"{code}王三")
    zone = ZoneInfo("Asia/Shanghai")
    for offset, status in ((1, LeaveStatus.APPROVED), (3, LeaveStatus.REQUESTED), (4, LeaveStatus.DECLINED)):
        start = datetime.combine(week + timedelta(days=offset), time(), tzinfo=zone)
        leave.leaves.append(Leave(start_at=start, end_at=start + timedelta(days=1), status=status))
    station.people.extend([full, part, leave])
    session.add(station)
    session.flush()
    for monday in (week - timedelta(weeks=1), week):
        materialise_shifts(session, station, monday)
    session.flush()
    return TinyStation(station, week, full, part, leave)


@pytest.fixture
def tiny(session: Session) -> TinyStation:
    """A TinyStation in the test database (flushed, not committed)."""
    return make_tiny_station(session)
