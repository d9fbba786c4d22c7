"""solver.construct: residual problems are exact, constructed rosters meet every hard rule."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import construct
from solver.instance import Problem, Visit, Weights
from solver.model import BuildTimeout, SolveParams, build, solve
from solver.result import FEASIBLE
from solver.validate import validate
from tests.solver.factories import NO_FAIRNESS, day_shift, person, problem
from tests.solver.test_property import problems

FEW = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def separable_problems(draw: st.DrawFn) -> Problem:
    """Random problems without visits or rules that compare people (stability stays on)."""
    drawn = draw(problems())
    weights = replace(NO_FAIRNESS, stability_per_change=drawn.weights.stability_per_change)
    return replace(drawn, visits=(), weights=weights)


def _random_roster(pr: Problem, seed: int) -> frozenset[tuple[str, str]]:
    """Any set of pairs (hard rules not needed for the residual identity)."""
    rng = random.Random(seed)
    return frozenset((p.id, s.id) for p in pr.people for s in pr.shifts if rng.random() < 0.3)


def test_separable_false_with_visits_or_fairness() -> None:
    pr = problem([person("a"), person("b")], [day_shift(0)], weights=NO_FAIRNESS)
    shared = replace(pr, people=tuple(replace(p, fair_share=500) for p in pr.people))
    visit = Visit("v", "repair", "aid", "c1", 30, ((0, 120),))

    assert construct.separable(pr)
    assert construct.separable(shared)  # fair shares, but every comparing weight is 0
    assert not construct.separable(replace(shared, weights=Weights()))
    assert not construct.separable(replace(pr, visits=(visit,)))


@FEW
@given(separable_problems(), st.integers(0, 3))
def test_residual_objective_differs_by_a_constant(pr: Problem, seed: int) -> None:
    free = {p.id for p in pr.people[: max(1, len(pr.people) // 2)]}
    base = _random_roster(pr, seed)
    fixed = {pair for pair in base if pair[0] not in free}
    sub = construct.residual(pr, base, free)
    offsets = set()
    for other in range(3):
        mine = {pair for pair in _random_roster(pr, seed + 10 + other) if pair[0] in free}
        offsets.add(validate(pr, fixed | mine).objective - validate(sub, mine).objective)

    assert len(offsets) == 1


@FEW
@given(separable_problems())
def test_construct_meets_every_hard_rule_or_finds_none(pr: Problem) -> None:
    roster = construct.construct(pr, deadline=float("inf"), seed=0)

    if roster is not None:
        assert validate(pr, roster).violations == ()


def test_construct_covers_the_needs_when_people_allow() -> None:
    pr = problem(
        [person("a", max_shifts=2), person("b", max_shifts=2)],
        [day_shift(d) for d in range(4)],
        weights=NO_FAIRNESS,
    )

    roster = construct.construct(pr, deadline=float("inf"), seed=1)

    assert roster is not None
    assert validate(pr, roster).objective == 0


def test_construct_none_when_a_person_cannot_meet_their_limits() -> None:
    pr = problem([person("a", min_shifts=5)], [day_shift(d) for d in range(3)], weights=NO_FAIRNESS)

    assert construct.construct(pr, deadline=float("inf"), seed=0) is None


@FEW
@given(separable_problems(), st.integers(0, 3))
def test_improve_never_returns_a_worse_roster(pr: Problem, seed: int) -> None:
    start = construct.construct(pr, deadline=float("inf"), seed=seed)
    if start is None:
        return
    steps = iter(range(10))
    better = construct.improve(
        pr, start, deadline=float("inf"), seed=seed, should_stop=lambda: next(steps, None) is None
    )

    after = validate(pr, better)
    assert after.violations == ()
    assert after.objective <= validate(pr, start).objective


def test_plan_block_without_time_to_optimise_still_returns_a_plan_when_allowed_to_find_one() -> None:
    pr = problem(
        [person("a", min_shifts=2, max_shifts=2)], [day_shift(d) for d in range(4)], weights=NO_FAIRNESS
    )

    assert construct.plan_block(pr, (), time_limit=0.0, seed=0) is None
    found = construct.plan_block(pr, (), time_limit=0.0, seed=0, find_limit=5.0)

    assert found is not None
    assert not found.optimal
    assert validate(pr, found.pairs).violations == ()


def test_build_stops_at_its_deadline() -> None:
    pr = problem([person("a")], [day_shift(d) for d in range(7)], weights=NO_FAIRNESS)

    with pytest.raises(BuildTimeout):
        build(pr, deadline=time.monotonic() - 1.0)
    assert build(pr, deadline=time.monotonic() + 60.0).rota.x


def test_solve_returns_the_constructed_roster_when_no_time_is_left_for_the_model() -> None:
    pr = problem(
        [person("a", min_consecutive_days=2), person("b", min_consecutive_days=2)],
        [day_shift(d) for d in range(7)],
        weights=NO_FAIRNESS,
    )

    # The construct deadline has passed at once, but each person still gets the sequence
    # builder's plan; the model's build deadline has passed too, so nothing is proven.  (Column
    # generation, which may prove this tiny roster optimal within the time, is tested on its own.)
    result = solve(pr, SolveParams(time_limit=0.01, explain_conflicts=False, colgen=False))

    assert result.status == FEASIBLE
    assert result.bound is None
    checked = validate(pr, result.assignments)
    assert checked.violations == ()
    assert result.objective == checked.objective
