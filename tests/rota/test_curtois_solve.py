"""Solving Curtois instances: the solver, the catalogue validator and the independent evaluator agree.

Short time limits only; the long runs live in bench/curtois.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.importers.curtois import parse_file, roster_text, to_problem
from rota.importers.curtois_eval import evaluate
from solver.instance import Problem
from solver.model import SolveParams, solve
from solver.result import FEASIBLE, OPTIMAL, SolveResult
from solver.validate import validate
from tests.rota.test_curtois_data import instance_path

TIME_LIMIT = {1: 10.0, 2: 4.0, 3: 4.0}


def _solve(number: int) -> tuple[str, Problem, SolveResult]:
    """Instance text, converted problem and a short solve of InstanceN."""
    path = instance_path(number)
    problem = to_problem(parse_file(path))
    result = solve(
        problem, SolveParams(time_limit=TIME_LIMIT[number], workers=2, seed=0, explain_conflicts=False)
    )
    return path.read_text(encoding="utf-8"), problem, result


Solved = tuple[str, Problem, SolveResult]


@pytest.fixture(scope="module")
def solved() -> Callable[[int], Solved]:
    """Solve each instance once for all the checks of this module."""
    cache: dict[int, Solved] = {}

    def get(number: int) -> Solved:
        if number not in cache:
            cache[number] = _solve(number)
        return cache[number]

    return get


def test_solve_instance1_reaches_the_proven_optimum(solved: Callable[[int], Solved]) -> None:
    _, _, result = solved(1)

    assert (result.status, result.objective, result.bound) == (OPTIMAL, 607, 607)


@pytest.mark.parametrize("number", sorted(TIME_LIMIT))
def test_solve_roster_is_feasible_for_the_independent_evaluator(
    solved: Callable[[int], Solved], number: int
) -> None:
    text, problem, result = solved(number)
    assert result.status in (OPTIMAL, FEASIBLE)

    evaluation = evaluate(text, roster_text(problem, result.assignments))

    assert evaluation.violations == ()
    assert evaluation.objective == result.objective


@pytest.mark.parametrize("number", sorted(TIME_LIMIT))
def test_solve_roster_passes_the_catalogue_validator_with_the_same_objective(
    solved: Callable[[int], Solved], number: int
) -> None:
    _, problem, result = solved(number)

    validation = validate(problem, result.assignments)

    assert validation.violations == ()
    assert validation.objective == result.objective
