"""Runs of days: consecutive working days, days off, shifts of a type, weekends."""

from dataclasses import replace

from solver.instance import History, Pin, ShiftType
from tests.solver.factories import conflict_rules, day_shift, on, person, pinned, problem, run

WEEK = [day_shift(d) for d in range(7)]


def days_of(result, pid="p"):  # type: ignore[no-untyped-def]
    return sorted(int(s[1:]) for s in on(result, pid))


def test_max_consecutive_days_breaks_the_week() -> None:
    result = run(problem([person("p", max_consecutive_days=3)], WEEK))
    assert days_of(result) == [0, 1, 2, 4, 5, 6]


def test_max_consecutive_days_pins_beyond_conflict() -> None:
    pr = pinned(problem([person("p", max_consecutive_days=2)], WEEK), ("p", "D0"), ("p", "D1"), ("p", "D2"))
    assert conflict_rules(run(pr)) == {"max_consecutive_days", "pins"}


def test_max_consecutive_days_counts_history() -> None:
    tired = replace(person("p", max_consecutive_days=3), history=History(consecutive_days_worked=2))
    worked = days_of(run(problem([tired], WEEK)))
    assert len(worked) == 5
    assert not {0, 1} <= set(worked)


def test_min_consecutive_days_no_single_day_inside() -> None:
    shifts = [day_shift(d, count=1 if d == 3 else 0, under=100, over=1) for d in range(7)]
    result = run(problem([person("p", min_consecutive_days=2)], shifts))
    assert days_of(result) in ([2, 3], [3, 4])


def test_min_consecutive_days_run_touching_end_is_exempt() -> None:
    shifts = [day_shift(d, count=1 if d == 6 else 0, over=1) for d in range(7)]
    assert days_of(run(problem([person("p", min_consecutive_days=3)], shifts))) == [6]


def test_min_consecutive_days_run_at_start_exempt_without_history() -> None:
    shifts = [day_shift(d, count=1 if d == 0 else 0, over=1) for d in range(7)]
    assert days_of(run(problem([person("p", min_consecutive_days=3)], shifts))) == [0]
    rested = replace(person("p", min_consecutive_days=3), history=History(consecutive_days_off=2))
    assert days_of(run(problem([rested], shifts))) == [0, 1, 2]


def test_min_consecutive_days_off_no_single_day_off_inside() -> None:
    shifts = [day_shift(d, count=0 if d == 3 else 1, over=1000 if d == 3 else 0) for d in range(7)]
    result = run(problem([person("p", min_consecutive_days_off=2)], shifts))
    assert len(days_of(result)) == 5
    assert 3 not in days_of(result)


def test_min_consecutive_days_off_pins_conflict() -> None:
    pr = pinned(problem([person("p", min_consecutive_days_off=2)], WEEK), ("p", "D0"), ("p", "D2"))
    pr = replace(pr, pins=(*pr.pins, Pin("p", "D1", assigned=False)))
    assert conflict_rules(run(pr)) == {"min_consecutive_days_off", "pins"}


def test_max_consecutive_by_type() -> None:
    types = (ShiftType("N", "Night"), ShiftType("D", "Day"))
    nights = [day_shift(d, "N", start=1200, length=600) for d in range(4)]
    result = run(problem([person("p", max_consecutive_by_type={"N": 2})], nights, days=4, shift_types=types))
    assert len(result.assignments) == 3


def test_max_weekends() -> None:
    fortnight = [day_shift(d) for d in range(14)]
    result = run(problem([person("p", max_weekends=1)], fortnight, days=14))
    weekend_days = {d for d in days_of(result) if d % 7 in (5, 6)}
    assert weekend_days in ({5, 6}, {12, 13})


def test_max_weekends_pins_conflict() -> None:
    fortnight = [day_shift(d) for d in range(14)]
    pr = pinned(problem([person("p", max_weekends=1)], fortnight, days=14), ("p", "D6"), ("p", "D12"))
    assert conflict_rules(run(pr)) == {"max_weekends", "pins"}
