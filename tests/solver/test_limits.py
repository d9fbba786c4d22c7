"""Counting limits per person: shifts and minutes, in total, per type and per week."""

import pytest

from tests.solver.factories import conflict_rules, day_shift, on, person, pinned, problem, run

WEEK = [day_shift(d) for d in range(7)]


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"max_shifts": 3}, 3),
        ({"max_shifts_per_week": 2}, 2),
        ({"max_minutes": 480 * 4}, 4),
        ({"max_minutes_per_week": 480 * 5 + 10}, 5),
        ({"max_shifts_per_type": {"D": 1}}, 1),
        ({}, 7),
    ],
)
def test_max_limits_cap_the_shifts(limits: dict[str, object], expected: int) -> None:
    assert len(run(problem([person("p", **limits)], WEEK)).assignments) == expected


@pytest.mark.parametrize(
    ("limits", "rule"),
    [
        ({"max_shifts": 1}, "max_shifts"),
        ({"max_shifts_per_week": 1}, "max_shifts_per_week"),
        ({"max_minutes": 600}, "max_minutes"),
        ({"max_minutes_per_week": 600}, "max_minutes_per_week"),
        ({"max_shifts_per_type": {"D": 1}}, "max_shifts_per_type"),
    ],
)
def test_max_limits_pinned_beyond_limit_conflict(limits: dict[str, object], rule: str) -> None:
    pr = pinned(problem([person("p", **limits)], WEEK), ("p", "D0"), ("p", "D1"))
    assert conflict_rules(run(pr)) == {rule, "pins"}


@pytest.mark.parametrize(
    ("limits", "expected"),
    [({"min_shifts": 3}, 3), ({"min_minutes": 480 * 2}, 2), ({"min_minutes_per_week": 480 * 4}, 4)],
)
def test_min_limits_force_work_even_without_need(limits: dict[str, object], expected: int) -> None:
    idle = [day_shift(d, count=0, over=5) for d in range(7)]  # every extra person costs 5
    result = run(problem([person("p", **limits)], idle))
    assert len(result.assignments) == expected


@pytest.mark.parametrize(
    ("limits", "rule"),
    [({"min_shifts": 8}, "min_shifts"), ({"min_minutes": 480 * 8}, "min_minutes")],
)
def test_min_limits_unreachable_are_named(limits: dict[str, object], rule: str) -> None:
    assert rule in conflict_rules(run(problem([person("p", **limits)], WEEK)))


def test_min_minutes_per_week_only_for_whole_weeks() -> None:
    # Horizon Wed..Tue: no week lies wholly inside, so the weekly minimum does not apply.
    pr = problem(
        [person("p", min_minutes_per_week=480 * 3)],
        [day_shift(d, count=0) for d in range(7)],
        start_weekday=2,
    )
    assert run(pr).assignments == ()


def test_max_shifts_per_week_counts_calendar_weeks() -> None:
    # Day 0 is a Saturday: days 0-1 are one week, days 2-8 the next.
    pr = problem(
        [person("p", max_shifts_per_week=1)], [day_shift(d) for d in range(9)], days=9, start_weekday=5
    )
    result = run(pr)
    assert len(on(result, "p")) == 2
