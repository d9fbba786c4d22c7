"""The ORM and its migration."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.db import alembic_config, current_revision, metadata
from rota.domain import LeaveStatus, OrgKind, RotaStatus
from rota.models import Leave, Organisation, Person, Rota, Station

SHANGHAI = timezone(timedelta(hours=8))


def _station(session: Session) -> Station:
    """A minimal station with one organisation and one person."""
    station = Station(code="T1", name="测试站")
    org = Organisation(station=station, name="社区居委会", kind=OrgKind.CADRE, quota_permille=500)
    Person(station=station, org=org, name="张伟", languages=["yue"])
    session.add(station)
    session.flush()
    return station


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata())
    assert diffs == []
    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_datetimes_come_back_aware_in_utc(session: Session) -> None:
    station = _station(session)
    person = station.people[0]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    session.add(Leave(person=person, start_at=start, end_at=start + timedelta(hours=3)))
    session.commit()
    session.expire_all()

    leave = session.scalars(select(Leave)).one()

    assert leave.start_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert leave.start_at.utcoffset() == timedelta(0)
    assert leave.status == LeaveStatus.REQUESTED


def test_naive_datetimes_are_refused(session: Session) -> None:
    person = _station(session).people[0]
    naive = datetime(2026, 12, 1, 9, 0)  # noqa: DTZ001 -- the point of the test
    session.add(Leave(person=person, start_at=naive, end_at=naive))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_relationships_are_navigable_both_ways(session: Session) -> None:
    station = _station(session)
    person = station.people[0]
    neighbour = Station(code="T2", name="邻站")
    person.extra_stations.append(neighbour)
    session.flush()

    assert person.org.people == [person]
    assert person.station is station
    assert neighbour.visiting_people == [person]


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Organisation(station_id=999, name="无站", kind=OrgKind.CLINIC))
    with pytest.raises(IntegrityError):
        session.flush()


def test_only_one_published_rota_per_station_week(session: Session) -> None:
    station = _station(session)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for version in (1, 2):
        session.add(
            Rota(
                station=station,
                week_start=date(2026, 11, 30),
                status=RotaStatus.PUBLISHED,
                version=version,
                created_at=now,
            )
        )
    with pytest.raises(IntegrityError):
        session.flush()


def test_concurrent_rota_updates_fail_on_the_lock_version(engine: Engine) -> None:
    with Session(engine) as setup, setup.begin():
        station = _station(setup)
        setup.add(
            Rota(
                station=station,
                week_start=date(2026, 11, 30),
                version=1,
                created_at=datetime(2026, 12, 1, tzinfo=UTC),
            )
        )
    # The first writer read the row in an earlier transaction, as a web form would have.
    with Session(engine, expire_on_commit=False) as first:
        mine = first.scalars(select(Rota)).one()
        first.commit()
        with Session(engine) as second, second.begin():
            second.scalars(select(Rota)).one().status = RotaStatus.PUBLISHED
        mine.status = RotaStatus.SUPERSEDED
        with pytest.raises(StaleDataError):
            first.commit()
    with Session(engine) as check:
        assert check.scalar(select(func.count()).select_from(Rota).where(Rota.status == "published")) == 1


def test_times_of_day_round_trip(session: Session) -> None:
    from rota.models import WeeklyAvailability

    person = _station(session).people[0]
    session.add(WeeklyAvailability(person=person, weekday=2, start_time=time(8, 30), end_time=time(12)))
    session.commit()
    session.expire_all()

    row = session.scalars(select(WeeklyAvailability)).one()

    assert (row.weekday, row.start_time, row.end_time) == (2, time(8, 30), time(12))


@pytest.mark.postgres
def test_postgres_stores_datetimes_as_timestamptz(engine: Engine) -> None:
    query = text(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'leaves' AND column_name = 'start_at'"
    )
    with engine.connect() as connection:
        assert connection.scalar(query) == "timestamp with time zone"
