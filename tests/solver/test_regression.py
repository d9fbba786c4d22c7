"""Regression instances stored as problem files: compared by objective and bound, never by assignment."""

from pathlib import Path

import pytest

from rota.problem_file import read_problem
from solver.model import SolveParams, solve
from solver.validate import validate

DATA = Path(__file__).parent / "data"


@pytest.mark.slow
def test_demo_station_week_objective_agrees_with_independent_check() -> None:
    # Two workers take the first-solution / LNS / bound-proof path of solve().
    problem = read_problem(DATA / "demo_station_week.json")
    result = solve(problem, SolveParams(time_limit=8, workers=2, seed=3))
    assert result.status in ("optimal", "feasible")
    check = validate(problem, result.assignments, [(o.visit, o.person, o.start) for o in result.visits])
    assert check.violations == ()
    assert check.objective == result.objective
    assert result.bound is not None
    assert result.bound <= result.objective
