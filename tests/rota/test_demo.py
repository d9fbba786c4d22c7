"""The demo generator: deterministic, realistic, and a week a coordinator can actually staff."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.db import make_engine, metadata, upgrade
from rota.demo import seed_demo
from rota.domain import LeaveStatus, OrgKind
from rota.models import (
    Compound,
    Leave,
    Organisation,
    Person,
    PersonSkill,
    Shift,
    Station,
    TravelTime,
    VisitRequest,
    person_stations,
)
from rota.services.problem import build_problem
from rota.visits import VisitState
from solver.instance import Weights
from solver.model import SolveParams, solve

START = date(2026, 12, 2)  # a Wednesday: the demo starts on that week's Monday
MONDAY = date(2026, 11, 30)


def _count(session: Session, model: type[Any]) -> int:
    """Rows of a model."""
    return session.scalar(select(func.count()).select_from(model)) or 0


SECRET = {"reference"}  # booking references are drawn from the system's secure source, never the seed


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every demo table, in primary-key order, without the secret columns."""
    return {
        table.name: [
            tuple(row)
            for row in session.execute(
                select(*(c for c in table.columns if c.name not in SECRET)).order_by(
                    *table.primary_key.columns
                )
            )
        ]
        for table in metadata().sorted_tables
    }


def test_every_request_is_seeded_with_its_state_and_a_unique_reference(demo: Session) -> None:
    requests = demo.scalars(select(VisitRequest.id)).all()
    references = demo.scalars(select(VisitState.reference)).all()
    assert len(requests) == len(references) == len(set(references)) > 0


@pytest.fixture
def demo(session: Session) -> Session:
    """The default demo station seeded into the test database."""
    seed_demo(session, start=START)
    session.commit()
    return session


def test_the_same_arguments_give_the_same_rows(demo: Session, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        upgrade(other)
        with Session(other) as again:
            seed_demo(again, start=START)
            again.commit()
            assert _dump(again) == _dump(demo)
    finally:
        other.dispose()


def test_another_seed_gives_other_people(demo: Session, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        upgrade(other)
        with Session(other) as again:
            seed_demo(again, start=START, seed=1)
            assert set(again.scalars(select(Person.name))) != set(demo.scalars(select(Person.name)))
    finally:
        other.dispose()


def test_the_station_has_the_four_partners_and_volunteers(demo: Session) -> None:
    orgs = demo.scalars(select(Organisation).order_by(Organisation.id)).all()

    assert [o.kind for o in orgs] == [
        OrgKind.CADRE,
        OrgKind.PROPERTY,
        OrgKind.HOUSEKEEPING,
        OrgKind.CLINIC,
        OrgKind.VOLUNTEER,
    ]
    assert sum(o.quota_permille for o in orgs) == 1000
    assert orgs[-1].quota_permille == 0
    assert demo.scalars(select(Station.name)).one() == "江侨社区居家养老服务站"


def test_the_demo_has_the_expected_size(demo: Session) -> None:
    assert _count(demo, Person) == 26
    assert _count(demo, Shift) == 4 * 39  # four weeks of AM x6, PM x5, EVE/HL1/HL2/HLN x7
    assert _count(demo, VisitRequest) == 4 * 40
    compounds = _count(demo, Compound)
    assert 3 <= compounds <= 4
    assert _count(demo, TravelTime) == compounds * compounds


def test_the_demo_covers_four_weeks_from_the_monday(demo: Session) -> None:
    days = demo.scalars(select(Shift.date).distinct().order_by(Shift.date)).all()

    assert (days[0], days[-1]) == (MONDAY, MONDAY + timedelta(days=27))


def test_some_certificates_lapse_during_the_demo(demo: Session) -> None:
    lapsing = demo.scalars(
        select(PersonSkill.skill).where(
            PersonSkill.valid_until >= MONDAY, PersonSkill.valid_until < MONDAY + timedelta(weeks=4)
        )
    ).all()

    assert sorted(lapsing) == ["electrics", "first_aid"]
    assert demo.scalar(select(func.count()).where(PersonSkill.valid_from > MONDAY)) == 1


def test_leave_comes_in_every_state(demo: Session) -> None:
    statuses = demo.scalars(select(Leave.status)).all()

    assert sorted(statuses) == sorted(
        [LeaveStatus.APPROVED] * 4 + [LeaveStatus.REQUESTED] * 2 + [LeaveStatus.DECLINED]
    )


def test_part_timers_and_volunteers_have_less_availability(demo: Session) -> None:
    people = demo.scalars(select(Person)).all()
    windows = {p.org.kind: [] for p in people}
    for person in people:
        windows[person.org.kind].append(len(person.availability))

    assert set(windows[OrgKind.CADRE]) == {0}  # any time
    assert set(windows[OrgKind.VOLUNTEER]) == {4}  # four half-days


def test_a_district_numbers_its_stations_and_lends_neighbours(session: Session) -> None:
    summary = seed_demo(session, start=START, stations=3)

    codes = session.scalars(select(Station.code).order_by(Station.id)).all()
    assert codes == ["S01", "S02", "S03"]
    assert (summary.stations, summary.people) == (3, 78)
    assert len(set(session.scalars(select(Person.name)))) == 78
    assert session.scalar(select(func.count()).select_from(person_stations)) == 4


def test_the_demo_week_can_be_fully_staffed(demo: Session) -> None:
    problem, _ = build_problem(demo, week_start=MONDAY)
    coverage_only = replace(problem, weights=Weights(0, 0, 0, 0, 0, 0), requests=())

    result = solve(coverage_only, SolveParams(time_limit=10, workers=2))

    scores = {score.rule: score for score in result.breakdown}
    unserved = [v for v in result.visits if v.person is None]
    assert result.status == "optimal"
    assert result.holes == ()
    assert (scores["coverage_under"].count, scores["coverage_under"].penalty) == (0, 0)
    assert (scores["coverage_over"].count, scores["coverage_over"].penalty) == (0, 0)
    # Every shift is staffed; what is left of the objective are home visits nobody can serve
    # (the demo has one on a Sunday when every qualified butler is away), each with its reason.
    assert result.objective == sum(s.penalty for s in result.breakdown if s.rule.startswith("visit_"))
    assert len(unserved) == scores["visit_unserved"].count
    assert all(v.start is None and v.reason is not None and v.reason.zh and v.reason.en for v in unserved)
