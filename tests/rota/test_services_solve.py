"""Planning end to end in-process: the database's problem through the real solver and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import InfeasibleRota
from rota.services.problem import build_problem, person_key, save_plan
from rota.services.solving import solve_in_child
from solver.model import SolveParams, solve
from solver.validate import validate
from tests.conftest import TinyStation

WEEK = date(2026, 11, 30)
NOW = datetime(2026, 11, 29, tzinfo=UTC)
PARAMS = SolveParams(time_limit=5, workers=2, seed=0)


def test_a_planned_week_passes_the_independent_check_and_is_saved(
    session: Session, tiny: TinyStation
) -> None:
    problem, context = build_problem(session, week_start=WEEK)

    result = solve(problem, PARAMS)
    (rota,) = save_plan(session, context, result, now=NOW)

    validation = validate(problem, result.assignments)
    assert validation.feasible
    assert validation.objective == result.objective
    assert len(rota.assignments) == len(result.assignments)
    # Three people with at most one duty a day cannot cover 14 slots: the holes are explained.
    assert result.holes
    assert len(rota.explanation["holes"]) == len(result.holes)


def test_a_pin_against_approved_leave_names_the_conflict_and_saves_nothing(
    session: Session, tiny: TinyStation
) -> None:
    tuesday = tiny.shift(session, WEEK + timedelta(days=1), "AM")
    tiny.rota(session, WEEK, RotaStatus.DRAFT, [(tuesday, tiny.on_leave, True)])
    problem, context = build_problem(session, week_start=WEEK)

    result = solve(problem, PARAMS)

    assert result.status == "infeasible"
    assert {c.person for c in result.conflicts} == {person_key(tiny.on_leave.id)}
    with pytest.raises(InfeasibleRota) as raised:
        save_plan(session, context, result, now=NOW)
    assert raised.value.reasons


def test_a_solve_in_a_child_process_gives_the_same_rota(session: Session, tiny: TinyStation) -> None:
    problem, _ = build_problem(session, week_start=WEEK)
    seen: list[int] = []

    here = solve(problem, SolveParams(time_limit=5, workers=1, seed=0))
    there = solve_in_child(
        problem, SolveParams(time_limit=5, workers=1, seed=0), lambda p: seen.append(p.objective)
    )

    assert (there.status, there.objective) == (here.status, here.objective)
    assert seen
    assert seen[-1] == there.objective
