"""The whole-hour fairness and quota formulations are exact for any assignment, not only at the optimum."""

from __future__ import annotations

import random

import pytest
from ortools.sat.python import cp_model

from solver.instance import Organisation, Person, Pin, Weights
from solver.model import SolveParams, build, solve
from solver.validate import validate
from tests.solver.factories import day_shift, problem

SHARES = (7, 13, 250, 600, 1000)


def _fixed_problem(rng: random.Random, carried: int):  # type: ignore[no-untyped-def]
    """Four people with odd shares, shifts of 3 to 9 hours, and a random assignment pinned."""
    orgs = (Organisation("o1", "A", "cadre", 300, carried), Organisation("o2", "B", "clinic", 700))
    people = [
        Person(id=f"p{i}", name=f"P{i}", org=f"o{1 + i % 2}", fair_share=rng.choice(SHARES)) for i in range(4)
    ]
    shifts = [day_shift(d, length=60 * rng.randint(3, 9)) for d in range(7)]
    pins = tuple(Pin(p.id, s.id, rng.random() < 0.4) for p in people for s in shifts)
    weights = Weights(
        fairness_per_hour=3, org_share_per_hour=7, weekend_spread=0, night_spread=0, holiday_spread=0
    )
    return problem(people, shifts, organisations=orgs, weights=weights, pins=pins)


@pytest.mark.parametrize("carried", [0, 120, -180, 45])  # 45: not whole hours, the general formulation
@pytest.mark.parametrize("seed", range(6))
def test_pinned_assignment_scores_as_the_validator_does(seed: int, carried: int) -> None:
    pr = _fixed_problem(random.Random(seed), carried)
    result = solve(pr, SolveParams(time_limit=10, workers=1, seed=0))
    assert result.objective == validate(pr, result.assignments).objective


@pytest.mark.parametrize("seed", range(3))
def test_penalty_value_is_the_true_hours_off_when_the_model_leaves_slack(seed: int) -> None:
    """The quota and fairness terms are only bounded below in the model; a solution whose slack
    variables sit above their floor must still score as the validator does."""
    pr = _fixed_problem(random.Random(seed), 0)
    built = build(pr)
    slack = [p for p in built.penalties if p.at_least]
    assert {p.rule for p in slack} == {"fairness", "org_share"}
    for p in slack:
        built.rota.cp.add(p.amount >= 40)  # far above any hours off of a 7-shift week
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(built.rota.cp) == cp_model.OPTIMAL
    assignments = tuple(sorted(pair for pair, var in built.rota.x.items() if solver.boolean_value(var)))
    scored = sum(p.value(solver) * p.weight for p in built.penalties)
    assert scored == validate(pr, assignments).objective
    assert scored < solver.objective_value
