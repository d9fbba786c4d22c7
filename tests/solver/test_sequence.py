"""solver.sequence: the one-person plans keep every hard rule, and the day automaton is exact."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import construct, sequence
from solver.instance import History, Pin, Problem, ShiftType
from solver.validate import validate
from tests.solver.factories import day_shift, person, problem
from tests.solver.test_property import problems

FEW = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
RUN_RULES = ("max_consecutive_days", "min_consecutive_days", "min_consecutive_days_off")


def _four_weeks(**limits: object) -> Problem:
    """28 days of early (E) and late (L) shifts; a late shift may not be followed by an early one."""
    shifts = [day_shift(d, "E", start=360) for d in range(28)] + [
        day_shift(d, "L", start=840, length=600) for d in range(28)
    ]
    types = (ShiftType("E", "Early"), ShiftType("L", "Late", forbidden_next=frozenset({"E"})))
    return problem([person("a", **limits)], shifts, days=28, shift_types=types)


def _minutes(pr: Problem, pairs: frozenset[tuple[str, str]]) -> int:
    return sum(pr.shifts_by_id[s].duration for _, s in pairs)


def _tight(max_weekends: int) -> Problem:
    """Four weeks, 18-20 shifts with at most 6 late ones, runs of 2-4 days, three fixed days off."""
    pr = _four_weeks(
        max_consecutive_days=4,
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        min_minutes=9000,
        max_minutes=9600,
        max_weekends=max_weekends,
        max_shifts_per_type={"L": 6},
    )
    return replace(pr, people=(replace(pr.people[0], days_off=frozenset({3, 10, 11})),))


def test_plan_keeps_runs_successions_minutes_and_weekends() -> None:
    pr = _tight(max_weekends=3)

    plan = sequence.plan_person(pr)

    assert plan is not None
    assert validate(pr, plan).violations == ()
    assert 9000 <= _minutes(pr, plan) <= 9600


def test_plan_keeps_pins() -> None:
    pr = _four_weeks(max_consecutive_days=3, min_minutes=4800)
    pr = replace(pr, pins=(Pin("a", "L5"), Pin("a", "E6", assigned=False)))

    plan = sequence.plan_person(pr)

    assert plan is not None
    assert ("a", "L5") in plan
    assert ("a", "E6") not in plan
    assert validate(pr, plan).violations == ()


def test_no_plan_when_the_minutes_cannot_be_reached() -> None:
    # Two days on, two off: at most 14 shifts of at most 600 minutes in 28 days.
    pr = _four_weeks(max_consecutive_days=2, min_consecutive_days_off=2, min_minutes=9000)

    assert sequence.plan_person(pr) is None


def test_no_plan_when_the_weekends_do_not_allow_one() -> None:
    # CP-SAT proves this one infeasible (with three weekends it has a plan, see above).
    assert sequence.plan_person(_tight(max_weekends=2)) is None


def test_no_plan_when_a_pin_falls_on_a_day_off() -> None:
    pr = _four_weeks()
    pr = replace(pr, people=(replace(pr.people[0], days_off=frozenset({5})),), pins=(Pin("a", "E5"),))

    assert sequence.plan_person(pr) is None


def test_plan_of_a_year_with_a_narrow_minutes_window_is_quick() -> None:
    days = 364
    shifts = [day_shift(d, t, start=s, count=2) for d in range(days) for t, s in (("E", 360), ("N", 1200))]
    types = (ShiftType("E", "Early"), ShiftType("N", "Night", forbidden_next=frozenset({"E"})))
    pr = problem(
        [
            person(
                "a",
                max_consecutive_days=5,
                min_consecutive_days=2,
                min_consecutive_days_off=2,
                min_minutes=232 * 480,
                max_minutes=233 * 480,
                max_weekends=26,
                max_shifts_per_type={"N": 50},
            )
        ],
        shifts,
        days=days,
        shift_types=types,
    )

    plan = sequence.plan_person(pr)

    assert plan is not None
    assert validate(pr, plan).violations == ()


@FEW
@given(problems(), st.integers(0, 3))
def test_plan_meets_every_hard_rule_or_is_none(pr: Problem, seed: int) -> None:
    sub = construct.residual(pr, (), {pr.people[0].id})

    plan = sequence.plan_person(sub, seed)

    if plan is not None:
        assert validate(sub, plan).violations == ()


@FEW
@given(
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(0, 2),
    st.integers(0, 10),
)
def test_path_is_the_cheapest_pattern_keeping_the_run_rules(
    max_run: int, min_run: int, min_off: int, worked: int, off: int, seed: int
) -> None:
    history = None if worked == off == 0 else History(worked, 0 if worked else off)
    limits = dict(zip(RUN_RULES, (max_run, min_run, min_off), strict=True))
    pr = problem([replace(person("a", **limits), history=history)], [day_shift(d) for d in range(8)], days=8)
    options = sequence._options(pr, pr.people[0], np.random.default_rng(seed))
    assert options is not None
    cost = options.base - np.random.default_rng(seed).uniform(0, 200, size=options.base.shape)
    auto = sequence._automaton(sequence.runs_of(pr.people[0]), len(options.class_starts))

    path = sequence._shortest(options, auto, cost, np.zeros(pr.days))

    costs = {
        pattern: sum(cost[d, 0] for d in range(pr.days) if pattern[d])
        for pattern in itertools.product((False, True), repeat=pr.days)
        if validate(pr, [("a", f"D{d}") for d in range(pr.days) if pattern[d]]).feasible
    }
    if not costs:
        assert path is None
        return
    assert path is not None
    pattern = tuple(sig != sequence.OFF for sig in path)
    assert pattern in costs
    assert costs[pattern] == min(costs.values())
