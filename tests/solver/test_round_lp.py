"""CP-SAT on the whole model with the assignments a converged master LP decides fixed (model._round_lp)."""

from __future__ import annotations

import time

import pytest

from solver import colgen, construct
from solver.instance import Problem, Request
from solver.model import Progress, SolveParams, _fixed_by_lp, _round_lp, build
from solver.validate import validate
from tests.rota.test_curtois_data import instance_path
from tests.solver.factories import day_shift, person, problem

SAFETY = 30.0  # seconds: a safety net only, these problems converge and solve in a fraction of it


def _runs_problem() -> Problem:
    """Four people over a week with minimum runs, and requests that pull against the coverage."""
    people = [person(pid, max_shifts=4, min_consecutive_days=2, min_consecutive_days_off=2) for pid in "abcd"]
    return problem(
        people,
        [day_shift(d, count=2 + (d % 3 == 1), over=2) for d in range(7)],
        requests=(
            Request("a", 2, None, False, 30),
            Request("c", 5, "D", True, 8),
            Request("d", 0, "D", True, 5),
        ),
    )


def test_round_lp_keeps_the_lps_decisions_and_improves_on_its_heaviest_plans() -> None:
    from rota.importers.curtois import parse_file, to_problem

    pr = to_problem(parse_file(instance_path(1)))  # skips where the benchmark is absent; optimum 607
    start = construct.construct(pr, time.monotonic() + SAFETY, seed=0)
    assert start is not None
    outcome = colgen.generate(pr, time.monotonic() + SAFETY, seed=0, start=start, threads=1, support=True)
    reported: list[Progress] = []

    rounded = _round_lp(
        pr, SolveParams(workers=1), outcome, start, time.monotonic() + 10.0, reported.append, lambda: False
    )

    assert outcome.converged or outcome.settled
    assert any(0 < value < 1 - 1e-6 for value in outcome.support.values())  # the LP is fractional
    assert validate(pr, rounded).violations == ()
    assert reported[-1].objective == validate(pr, rounded).objective
    assert rounded <= frozenset(outcome.support)  # nothing the LP leaves at 0
    assert validate(pr, rounded).objective == 607 < validate(pr, outcome.heaviest).objective


def test_round_lp_keeps_the_start_when_it_is_no_worse() -> None:
    pr = _runs_problem()
    start = construct.construct(pr, time.monotonic() + SAFETY, seed=0)
    assert start is not None
    outcome = colgen.generate(pr, time.monotonic() + SAFETY, seed=0, start=start, threads=1, support=True)
    best = outcome.roster
    assert best is not None
    reported: list[Progress] = []

    rounded = _round_lp(
        pr, SolveParams(workers=1), outcome, best, time.monotonic() + 5.0, reported.append, lambda: False
    )

    assert rounded == best  # the LP is integral here: its rounding is no better than colgen's roster
    assert all(p.objective >= validate(pr, best).objective for p in reported)


@pytest.mark.parametrize("fix_on", [True, False])
def test_fixed_by_lp_fixes_the_lps_zeros_and_with_fix_on_its_ones(fix_on: bool) -> None:
    pr = _runs_problem()
    built = build(pr)
    pairs = sorted(built.rota.x)
    support = {pairs[0]: 1.0, pairs[1]: 0.5}  # every other assignment is at 0 in the LP

    fixed = _fixed_by_lp(built, support, frozenset({pairs[0]}), fix_on=fix_on)

    domains = {pair: list(fixed.proto.variables[var.index].domain) for pair, var in built.rota.x.items()}
    assert domains[pairs[0]] == ([1, 1] if fix_on else [0, 1])
    assert domains[pairs[1]] == [0, 1]
    assert all(domains[pair] == [0, 0] for pair in pairs[2:])
    assert list(built.rota.cp.proto.variables[built.rota.x[pairs[2]].index].domain) == [0, 1]  # a copy
