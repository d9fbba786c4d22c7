"""The search chosen from the problem's shape."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from solver.model import SolveParams, _configure
from solver.strategy import SMALL_MODEL_VARIABLES, lp_workers, needs_run_flow
from tests.solver.factories import day_shift, person, problem


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({}, False),
        ({"max_consecutive_days": 5}, False),
        ({"min_consecutive_days": 1}, False),
        ({"min_consecutive_days": 2}, True),
        ({"min_consecutive_days_off": 2}, True),
    ],
)
def test_needs_run_flow_only_with_a_minimum_run(limits: dict[str, int], expected: bool) -> None:
    pr = problem([person("a"), person("b", **limits)], [day_shift(d) for d in range(7)])
    assert needs_run_flow(pr) is expected


@pytest.mark.parametrize(
    ("variables", "workers", "expected"),
    [
        (SMALL_MODEL_VARIABLES, 2, 2),
        (SMALL_MODEL_VARIABLES + 1, 2, 1),
        (10, 1, 1),  # one worker is the full-LP worker already
        (10, 4, 1),  # more workers keep CP-SAT's own portfolio
    ],
)
def test_lp_workers_two_only_for_small_models(variables: int, workers: int, expected: int) -> None:
    assert lp_workers(variables, workers) == expected


def test_two_lp_workers_run_two_full_subsolvers_and_no_lns() -> None:
    solver = cp_model.CpSolver()
    _configure(solver, SolveParams(workers=2, lp_workers=2), 5.0)
    assert solver.parameters.num_full_subsolvers == 2
    assert list(solver.parameters.subsolvers) == ["max_lp", "max_lp_search"]
    text = str(solver.parameters)  # (the repeated message's elements cannot be read from Python)
    assert 'name: "max_lp_search"' in text
    assert "linearization_level: 2" in text


def test_one_lp_worker_keeps_the_lns() -> None:
    solver = cp_model.CpSolver()
    _configure(solver, SolveParams(workers=2, lp_workers=1), 5.0)
    assert solver.parameters.num_full_subsolvers == 0
    assert list(solver.parameters.subsolvers) == ["max_lp"]
