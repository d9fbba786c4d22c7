"""The independent re-check: every hard rule caught, every soft rule's penalty exact."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.instance import (
    MINUTES_PER_DAY,
    History,
    Limits,
    Need,
    Organisation,
    Person,
    Pin,
    PreviousPlan,
    Problem,
    Request,
    Shift,
    ShiftType,
    SkillGrant,
    Unavailability,
    Weights,
)
from solver.validate import HARD_RULES, SOFT_RULES, Validation, format_report, validate

HOUR = 60
DAY_TYPE = ShiftType("D", "Day")
NIGHT_TYPE = ShiftType("N", "Night", forbidden_next=frozenset({"D"}), night=True)


def _shift(ident: str, day: int, start_h: int = 8, end_h: int = 16, **kw: Any) -> Shift:
    """A shift on a day from start_h to end_h o'clock (end_h may pass 24)."""
    kw.setdefault("type", "D")
    base = day * MINUTES_PER_DAY
    return Shift(id=ident, day=day, start=base + start_h * HOUR, end=base + end_h * HOUR, **kw)


def _daily(days: int, **kw: Any) -> list[Shift]:
    """One day shift s<d> on each day."""
    return [_shift(f"s{d}", d, **kw) for d in range(days)]


def _person(ident: str, limits: Limits | None = None, **kw: Any) -> Person:
    """A person of organisation o1 unless told otherwise."""
    kw.setdefault("org", "o1")
    return Person(id=ident, name=ident.upper(), limits=limits or Limits(), **kw)


def _problem(people: list[Person], shifts: list[Shift], days: int = 7, **kw: Any) -> Problem:
    """A small problem with a day and a night shift type."""
    kw.setdefault("organisations", (Organisation("o1", "Office", "cadre"),))
    kw.setdefault("shift_types", (DAY_TYPE, NIGHT_TYPE))
    return Problem(
        name="test", start_date="2026-01-05", days=days, people=tuple(people), shifts=tuple(shifts), **kw
    )


def _on(person: str, *days: int) -> list[tuple[str, str]]:
    """Assign the person to the daily shift s<d> of each day."""
    return [(person, f"s{d}") for d in days]


def _found(problem: Problem, assignments: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """(rule, person) of every violation."""
    return [(v.rule, v.person) for v in validate(problem, assignments).violations]


# --------------------------------------------------------------------------- references


def test_unknown_reference_reports_person_and_shift() -> None:
    problem = _problem([_person("p1")], _daily(2))

    found = _found(problem, [("p1", "s0"), ("px", "s1"), ("p1", "sx"), ("py", "sy")])

    assert found == [("unknown_reference", "px"), ("unknown_reference", "p1"), ("unknown_reference", "py")]
    assert validate(problem, [("py", "sy")]).violations[0].detail == (
        "assignment (py, sy) names unknown person py and unknown shift sy"
    )


def test_unknown_reference_is_ignored_by_other_rules() -> None:
    problem = _problem([_person("p1", Limits(max_shifts=1))], _daily(2))

    assert _found(problem, [("p1", "s0"), ("p1", "nope")]) == [("unknown_reference", "p1")]


def test_duplicate_assignment_reported_once_and_counted_once() -> None:
    problem = _problem([_person("p1", Limits(max_shifts=1))], _daily(2))

    result = validate(problem, [("p1", "s0"), ("p1", "s0"), ("p1", "s0")])

    assert [(v.rule, v.person, v.shift) for v in result.violations] == [("duplicate_assignment", "p1", "s0")]
    assert result.violations[0].detail == "assignment (p1, s0) is listed 3 times"


def test_valid_assignment_is_feasible() -> None:
    problem = _problem([_person("p1"), _person("p2")], _daily(3))

    result = validate(problem, [*_on("p1", 0, 2), *_on("p2", 1)])

    assert result.violations == ()
    assert result.feasible


# --------------------------------------------------------------------------- hard rules


@pytest.mark.parametrize(
    ("assignments", "expected"),
    [
        (_on("p1", 0), []),
        (_on("p1", 1), [("qualification", "p1")]),  # grant expired after day 0
        (_on("p2", 0), [("qualification", "p2")]),  # never held
        (_on("p3", 0), [("qualification", "p3")]),  # station not allowed
    ],
)
def test_qualification(assignments: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    people = [
        _person("p1", skills=(SkillGrant("first_aid", valid_until=0),)),
        _person("p2", skills=(SkillGrant("cooking"),)),
        _person("p3", skills=(SkillGrant("first_aid"),), stations=("A",)),
    ]
    problem = _problem(people, _daily(2, required_skills=("first_aid",), station="B"))

    assert _found(problem, assignments) == expected


@pytest.mark.parametrize(
    ("assignments", "expected"),
    [
        (_on("p1", 0), []),  # leave starts at 16:00, exactly when the shift ends
        (_on("p1", 1), [("availability", "p1")]),  # leave overlaps
        (_on("p1", 2), [("availability", "p1")]),  # fixed day off
        (_on("p1", 3), []),
    ],
)
def test_availability(assignments: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    leave = Unavailability(16 * HOUR, MINUTES_PER_DAY + 9 * HOUR, "leave")
    problem = _problem([_person("p1", unavailable=(leave,), days_off=frozenset({2}))], _daily(4))

    assert _found(problem, assignments) == expected


@pytest.mark.parametrize(
    ("per_day", "assignments", "expected"),
    [
        (2, [("p1", "early"), ("p1", "late")], []),  # touch at 14:00, do not overlap
        (2, [("p1", "early"), ("p1", "mid")], [("no_double_booking", "p1")]),  # overlap
        (1, [("p1", "early"), ("p1", "late")], [("no_double_booking", "p1")]),  # 2 shifts a day
        (3, [("p1", "early"), ("p1", "mid"), ("p1", "late")], [("no_double_booking", "p1")] * 2),
    ],
)
def test_no_double_booking(
    per_day: int, assignments: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    shifts = [_shift("early", 0, 6, 14), _shift("mid", 0, 10, 18), _shift("late", 0, 14, 22)]
    problem = _problem([_person("p1", Limits(max_shifts_per_day=per_day))], shifts)

    assert _found(problem, assignments) == expected


def test_no_double_booking_detail_names_both_shifts() -> None:
    shifts = [_shift("early", 0, 6, 14), _shift("mid", 0, 10, 18)]
    problem = _problem([_person("p1", Limits(max_shifts_per_day=2))], shifts)

    (violation,) = validate(problem, [("p1", "mid"), ("p1", "early")]).violations

    assert violation.shift == "mid"
    assert violation.detail == (
        "person p1 has overlapping shifts early (day 0 06:00-14:00) and mid (day 0 10:00-18:00)"
    )


@pytest.mark.parametrize(
    ("history", "assignments", "expected"),
    [
        (None, [("p1", "late0"), ("p1", "late1")], []),  # 16 h apart
        (None, [("p1", "late0"), ("p1", "early1")], [("min_rest", "p1")]),  # 6 h apart
        (None, [("p1", "early1"), ("p1", "evening1")], [("min_rest", "p1")]),  # same day, 2 h apart
        (History(last_shift_end=-2 * HOUR), [("p1", "early0")], [("min_rest", "p1")]),  # 8 h after
        (History(last_shift_end=-5 * HOUR), [("p1", "early0")], []),  # exactly 11 h after
    ],
)
def test_min_rest(
    history: History | None, assignments: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    shifts = [
        _shift("early0", 0, 6, 14),
        _shift("late0", 0, 16, 24),
        _shift("early1", 1, 6, 14),
        _shift("evening1", 1, 16, 20),
        _shift("late1", 1, 16, 24),
    ]
    person = _person("p1", Limits(min_rest_minutes=11 * HOUR, max_shifts_per_day=2), history=history)

    assert _found(_problem([person], shifts), assignments) == expected


def test_min_rest_detail() -> None:
    shifts = [_shift("late0", 0, 16, 24), _shift("early1", 1, 6, 14)]
    problem = _problem([_person("p1", Limits(min_rest_minutes=660))], shifts)

    (violation,) = validate(problem, [("p1", "late0"), ("p1", "early1")]).violations

    assert (violation.shift, violation.day) == ("early1", 1)
    assert violation.detail == (
        "person p1 rests 360 minutes between shift late0 (ends day 1 00:00) "
        "and shift early1 (starts day 1 06:00), minimum 660"
    )


@pytest.mark.parametrize(
    ("history", "assignments", "expected"),
    [
        (None, [("p1", "n0"), ("p1", "d1")], [("forbidden_succession", "p1")]),
        (None, [("p1", "d0"), ("p1", "n1")], []),
        (None, [("p1", "n0"), ("p1", "n1")], []),
        (None, [("p1", "n0"), ("p1", "d2")], []),  # a day in between
        (History(last_shift_type="N"), [("p1", "d0")], [("forbidden_succession", "p1")]),
        (History(last_shift_type="D"), [("p1", "d0")], []),
    ],
)
def test_forbidden_succession(
    history: History | None, assignments: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    shifts = [_shift(f"{t.lower()}{d}", d, type=t) for d in range(3) for t in ("D", "N")]
    problem = _problem([_person("p1", history=history)], shifts)

    assert _found(problem, assignments) == expected


@pytest.mark.parametrize(
    ("limits", "days", "expected"),
    [
        (Limits(max_shifts=2), (0, 1), []),
        (Limits(max_shifts=2), (0, 1, 2), [("max_shifts", "p1")]),
        (Limits(min_shifts=2), (0, 1), []),
        (Limits(min_shifts=2), (0,), [("min_shifts", "p1")]),
        (Limits(min_shifts=1), (), [("min_shifts", "p1")]),  # no shifts at all
        (Limits(max_minutes=960), (0, 1), []),
        (Limits(max_minutes=960), (0, 1, 2), [("max_minutes", "p1")]),
        (Limits(min_minutes=960), (0, 1), []),
        (Limits(min_minutes=960), (0,), [("min_minutes", "p1")]),
    ],
)
def test_horizon_totals(limits: Limits, days: tuple[int, ...], expected: list[tuple[str, str]]) -> None:
    problem = _problem([_person("p1", limits)], _daily(3))

    assert _found(problem, _on("p1", *days)) == expected


def test_minutes_use_paid_minutes_when_set() -> None:
    problem = _problem([_person("p1", Limits(max_minutes=400))], _daily(1, minutes=400))

    assert _found(problem, _on("p1", 0)) == []


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((0, 1, 3), []),  # 2 of type D, the other is N
        ((0, 1, 2), [("max_shifts_per_type", "p1")]),
    ],
)
def test_max_shifts_per_type(days: tuple[int, ...], expected: list[tuple[str, str]]) -> None:
    shifts = [*_daily(3), _shift("s3", 3, 20, 32, type="N")]
    problem = _problem([_person("p1", Limits(max_shifts_per_type={"D": 2}))], shifts)

    assert _found(problem, _on("p1", *days)) == expected


# Day 0 is a Thursday: week 0 = days 0-3, week 1 = days 4-10, week 2 = days 11-13.
@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((2, 3, 4, 5), []),  # 2 in week 0, 2 in week 1
        ((0, 1, 2), [("max_shifts_per_week", "p1")]),  # the partial week 0 counts too
        ((4, 5, 6), [("max_shifts_per_week", "p1")]),
        ((12, 13), []),
    ],
)
def test_max_shifts_per_week(days: tuple[int, ...], expected: list[tuple[str, str]]) -> None:
    problem = _problem([_person("p1", Limits(max_shifts_per_week=2))], _daily(14), days=14, start_weekday=3)

    assert _found(problem, _on("p1", *days)) == expected


def test_max_shifts_per_week_reports_week_and_first_day() -> None:
    problem = _problem([_person("p1", Limits(max_shifts_per_week=2))], _daily(14), days=14, start_weekday=3)

    (violation,) = validate(problem, _on("p1", 4, 5, 10)).violations

    assert violation.day == 4
    assert violation.detail == "person p1 works 3 shifts in week 1 (days 4-10), limit 2"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((3, 4), []),
        ((4, 10), [("max_minutes_per_week", "p1")]),
        ((3, 11), []),  # different weeks
    ],
)
def test_max_minutes_per_week(days: tuple[int, ...], expected: list[tuple[str, str]]) -> None:
    problem = _problem(
        [_person("p1", Limits(max_minutes_per_week=480))], _daily(14), days=14, start_weekday=3
    )

    assert _found(problem, _on("p1", *days)) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((4,), []),  # the partial weeks 0 and 2 are exempt
        ((10,), []),
        ((0, 11), [("min_minutes_per_week", "p1")]),  # nothing in the whole week 1
    ],
)
def test_min_minutes_per_week_only_for_whole_weeks(
    days: tuple[int, ...], expected: list[tuple[str, str]]
) -> None:
    problem = _problem(
        [_person("p1", Limits(min_minutes_per_week=480))], _daily(14), days=14, start_weekday=3
    )

    assert _found(problem, _on("p1", *days)) == expected


def test_min_minutes_per_week_reports_empty_week() -> None:
    problem = _problem(
        [_person("p1", Limits(min_minutes_per_week=480))], _daily(14), days=14, start_weekday=3
    )

    (violation,) = validate(problem, []).violations

    assert violation.day == 4
    assert violation.detail == "person p1 works 0 minutes in week 1 (days 4-10), minimum 480"


@pytest.mark.parametrize(
    ("history", "days", "expected"),
    [
        (None, (0, 1, 2, 3, 4), []),
        (None, (0, 1, 2, 3, 4, 5), [("max_consecutive_days", "p1")]),
        (None, (0, 1, 2, 4, 5, 6, 7, 8), []),
        (History(consecutive_days_worked=2), (0, 1, 2), []),
        (History(consecutive_days_worked=2), (0, 1, 2, 3), [("max_consecutive_days", "p1")]),
        (History(consecutive_days_worked=4), (1, 2, 3, 4, 5), []),  # day 0 off breaks the run
    ],
)
def test_max_consecutive_days(
    history: History | None, days: tuple[int, ...], expected: list[tuple[str, str]]
) -> None:
    problem = _problem([_person("p1", Limits(max_consecutive_days=5), history=history)], _daily(10), days=10)

    assert _found(problem, _on("p1", *days)) == expected


def test_max_consecutive_days_detail() -> None:
    plain = _problem([_person("p1", Limits(max_consecutive_days=5))], _daily(10), days=10)
    history = History(consecutive_days_worked=3)
    carried = _problem([_person("p1", Limits(max_consecutive_days=5), history=history)], _daily(10), days=10)

    assert validate(plain, _on("p1", 0, 1, 2, 3, 4, 5)).violations[0].detail == (
        "person p1 works 6 consecutive days (days 0-5), limit 5"
    )
    assert validate(carried, _on("p1", 0, 1, 2)).violations[0].detail == (
        "person p1 works 6 consecutive days (days 0-2 plus 3 before day 0), limit 5"
    )


# Horizon of 7 days (0-6), minimum run 2.
@pytest.mark.parametrize(
    ("history", "days", "expected"),
    [
        (None, (2, 3), []),
        (None, (2,), [("min_consecutive_days", "p1")]),  # enclosed single day
        (None, (6,), []),  # a run ending on the last day is exempt
        (None, (0,), []),  # a run starting on day 0 is exempt without history
        (History(), (0,), []),  # ... and with both counters 0
        (History(consecutive_days_off=3), (0,), [("min_consecutive_days", "p1")]),  # enclosed as is
        (History(consecutive_days_off=3), (0, 1), []),
        (History(consecutive_days_worked=1), (0,), []),  # 1 + 1 before day 0
        (History(consecutive_days_worked=1), (1,), [("min_consecutive_days", "p1")]),
        (History(consecutive_days_worked=1), (), []),  # a run wholly before day 0 is not checked
        (None, (0, 1, 2, 3, 4, 5, 6), []),
    ],
)
def test_min_consecutive_days(
    history: History | None, days: tuple[int, ...], expected: list[tuple[str, str]]
) -> None:
    problem = _problem([_person("p1", Limits(min_consecutive_days=2), history=history)], _daily(7))

    assert _found(problem, _on("p1", *days)) == expected


def test_min_consecutive_days_detail_with_history() -> None:
    history = History(consecutive_days_worked=1)
    problem = _problem([_person("p1", Limits(min_consecutive_days=3), history=history)], _daily(7))

    (violation,) = validate(problem, _on("p1", 0, 3, 4, 5, 6)).violations

    assert violation.day == 0
    assert (
        violation.detail == "person p1 works only 2 consecutive days (day 0 plus 1 before day 0), minimum 3"
    )


# Horizon of 7 days (0-6), minimum rest run 2; the person works every day not listed as off.
@pytest.mark.parametrize(
    ("history", "off", "expected"),
    [
        (None, (2, 3), []),
        (None, (2,), [("min_consecutive_days_off", "p1")]),  # enclosed single day off
        (None, (6,), []),  # a run ending on the last day is exempt
        (None, (0,), []),  # a run starting on day 0 is exempt without history
        (History(), (0,), []),  # ... and with both counters 0
        (History(consecutive_days_worked=3), (0,), [("min_consecutive_days_off", "p1")]),
        (History(consecutive_days_worked=3), (0, 1), []),
        (History(consecutive_days_off=1), (0,), []),  # 1 + 1 before day 0
        (History(consecutive_days_off=1), (1,), [("min_consecutive_days_off", "p1")]),
        (History(consecutive_days_off=1), (), []),  # a run wholly before day 0 is not checked
        (None, (0, 1, 2, 3, 4, 5, 6), []),
    ],
)
def test_min_consecutive_days_off(
    history: History | None, off: tuple[int, ...], expected: list[tuple[str, str]]
) -> None:
    problem = _problem([_person("p1", Limits(min_consecutive_days_off=2), history=history)], _daily(7))

    assert _found(problem, _on("p1", *(d for d in range(7) if d not in off))) == expected


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("NNENN", []),
        ("ENNNE", [("max_consecutive_by_type", "p1")]),
        ("EEEEE", []),  # E is not limited
    ],
)
def test_max_consecutive_by_type(types: str, expected: list[tuple[str, str]]) -> None:
    shifts = [_shift(f"{t}{d}", d, 20, 32, type=t) for d in range(5) for t in ("E", "N")]
    shift_types = (ShiftType("E", "Evening"), ShiftType("N", "Night", night=True))
    limits = Limits(max_consecutive_by_type={"N": 2})
    problem = _problem([_person("p1", limits)], shifts, days=5, shift_types=shift_types)

    assert _found(problem, [("p1", f"{t}{d}") for d, t in enumerate(types)]) == expected


# Day 0 is a Sunday: weekend of week 0 = {day 0}, weekend of week 1 = {days 6, 7}, week 2 = {13}.
@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((0,), []),
        ((6, 7), []),  # one weekend, two days
        ((0, 6), [("max_weekends", "p1")]),  # the one-day edge weekend counts
        ((5, 6, 13), [("max_weekends", "p1")]),
        ((1, 2, 3, 4, 5), []),
    ],
)
def test_max_weekends_at_horizon_edges(days: tuple[int, ...], expected: list[tuple[str, str]]) -> None:
    problem = _problem([_person("p1", Limits(max_weekends=1))], _daily(14), days=14, start_weekday=6)

    assert _found(problem, _on("p1", *days)) == expected


def test_max_weekends_detail() -> None:
    problem = _problem([_person("p1", Limits(max_weekends=1))], _daily(14), days=14, start_weekday=6)

    (violation,) = validate(problem, _on("p1", 0, 6, 7)).violations

    assert violation.detail == "person p1 works 2 weekends (days 0, 6, 7), limit 1"


@pytest.mark.parametrize(
    ("assignments", "expected"),
    [
        (_on("p1", 0), []),
        (_on("p2", 0), [("pins", "p1")]),  # pinned shift left out
        ([*_on("p1", 0), *_on("p2", 1)], [("pins", "p2")]),  # pinned-off shift assigned
    ],
)
def test_pins(assignments: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    pins = (Pin("p1", "s0"), Pin("p2", "s1", assigned=False))
    problem = _problem([_person("p1"), _person("p2")], _daily(2), pins=pins)

    assert _found(problem, assignments) == expected


# --------------------------------------------------------------------------- soft rules


def _scores(problem: Problem, assignments: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """The non-zero soft scores."""
    return {rule: score for rule, score in validate(problem, assignments).scores.items() if score != (0, 0)}


def test_scores_list_every_soft_rule() -> None:
    result = validate(_problem([_person("p1")], _daily(1)), [])

    assert list(result.scores) == list(SOFT_RULES)
    assert result.objective == 0


def test_coverage_counts_people_matching_skill_and_org_kind() -> None:
    organisations = (Organisation("o1", "Office", "cadre"), Organisation("o2", "Clinic", "clinic"))
    people = [
        _person("nurse", skills=(SkillGrant("nursing"),), org="o2"),
        _person("lapsed", skills=(SkillGrant("nursing", valid_until=-1),), org="o2"),
        _person("clerk", org="o1"),
    ]
    needs = (
        Need(2, skill="nursing", under_weight=100),  # 1 matches (nurse): 1 missing
        Need(1, org_kind="cadre", under_weight=7, over_weight=3),  # clerk: met
        Need(0, org_kind="clinic", over_weight=5),  # nurse, lapsed: 2 surplus
        Need(1, skill="nursing", org_kind="cadre", under_weight=9),  # nobody: 1 missing
    )
    problem = _problem(people, [_shift("s0", 0, needs=needs)], organisations=organisations)

    scores = _scores(problem, [("nurse", "s0"), ("lapsed", "s0"), ("clerk", "s0")])

    assert scores == {"coverage_under": (2, 109), "coverage_over": (2, 10)}


def test_coverage_with_zero_weight_neither_costs_nor_counts() -> None:
    needs = (Need(1, under_weight=0, over_weight=0),)
    problem = _problem(
        [_person("p1"), _person("p2")], [_shift("s0", 0, needs=needs), _shift("s1", 1, needs=needs)]
    )

    assert _scores(problem, [("p1", "s0"), ("p2", "s0")]) == {}


def test_requests_by_type_and_any() -> None:
    shifts = [_shift("d0", 0), _shift("n0", 0, 20, 32, type="N"), _shift("d1", 1)]
    requests = (
        Request("p1", 0, "N", on=True, weight=3),  # works D on day 0: unmet
        Request("p1", 0, None, on=True, weight=5),  # works on day 0: met
        Request("p1", 1, None, on=False, weight=7),  # works on day 1: unmet
        Request("p1", 1, "N", on=False, weight=11),  # no N on day 1: met
        Request("p2", 0, "D", on=True, weight=13),  # p2 is off: unmet
    )
    problem = _problem([_person("p1"), _person("p2")], shifts, days=2, requests=requests)

    scores = _scores(problem, [("p1", "d0"), ("p1", "d1")])

    assert scores == {"shift_on_request": (2, 16), "shift_off_request": (1, 7)}


def test_fairness_two_people_equal_share() -> None:
    people = [_person("p1", fair_share=1000), _person("p2", fair_share=1000), _person("p3")]
    problem = _problem(people, _daily(2))

    # S = 2000, T = 480: |480*2000 - 1000*480| / (60*2000) = 4 hours each; p3 is not compared
    assert _scores(problem, [*_on("p1", 0), *_on("p3", 1)]) == {"fairness": (8, 16)}


def test_fairness_rounds_each_person_up() -> None:
    people = [_person("p1", fair_share=2), _person("p2", fair_share=1)]
    problem = _problem(people, [_shift("s0", 0, 8, 9), _shift("s1", 0, 9, 10)], days=1)

    # S = 3, T = 120: p1 |0 - 240| / 180 -> 2, p2 |120*3 - 120| / 180 -> 2
    assert _scores(problem, [("p2", "s0"), ("p2", "s1")]) == {"fairness": (4, 8)}


def test_fairness_skipped_with_fewer_than_two_compared_people() -> None:
    problem = _problem([_person("p1", fair_share=1000), _person("p2")], _daily(2))

    assert _scores(problem, _on("p1", 0, 1)) == {}


def test_org_share_with_carried_minutes() -> None:
    organisations = (
        Organisation("o1", "Office", "cadre", quota_permille=600),
        Organisation("o2", "Clinic", "clinic", quota_permille=400, carried_minutes=120),
        Organisation("o3", "Volunteers", "volunteer"),
    )
    people = [_person("p1", org="o1"), _person("p2", org="o2"), _person("p3", org="o3")]
    problem = _problem(
        people, [_shift("s0", 0, 8, 16, minutes=500), _shift("s1", 1)], organisations=organisations
    )

    # M = {o1: 500, o2: 120}, T = 620: |500000 - 372000| / 60000 = 2.13 -> 2 whole hours, and 2 for o2
    assert _scores(problem, [("p1", "s0"), ("p3", "s1")]) == {"org_share": (4, 20)}


def test_org_share_skipped_without_quotas() -> None:
    problem = _problem([_person("p1")], _daily(1))

    assert _scores(problem, _on("p1", 0)) == {}


def test_weekend_fairness_counts_weekend_shifts_and_history() -> None:
    people = [
        _person("p1", fair_share=1, history=History(weekends_worked=1)),
        _person("p2", fair_share=1),
        _person("p3"),  # not compared
    ]
    # Day 0 is a Saturday: days 0, 1, 7 are weekend days.
    problem = _problem(people, _daily(8), days=8, start_weekday=5, weights=Weights(fairness_per_hour=0))

    scores = _scores(problem, [*_on("p1", 0, 1, 2), *_on("p2", 3), *_on("p3", 7)])

    # c = {p1: 1 + 2, p2: 0}
    assert scores == {"weekend_fairness": (3, 60)}


def test_night_fairness() -> None:
    people = [
        _person("p1", fair_share=1),
        _person("p2", fair_share=1, history=History(nights_worked=1)),
        _person("p3", fair_share=1),
    ]
    shifts = [_shift(f"n{d}", d, 20, 32, type="N") for d in range(3)]
    problem = _problem(people, shifts, days=3, weights=Weights(fairness_per_hour=0))

    # c = {p1: 2, p2: 1, p3: 0}
    assert _scores(problem, [("p1", "n0"), ("p1", "n2")]) == {"night_fairness": (2, 40)}


def test_holiday_fairness() -> None:
    people = [_person("p1", fair_share=1, history=History(holidays_worked=2)), _person("p2", fair_share=1)]
    problem = _problem(
        people, _daily(3), days=3, holidays=frozenset({1, 2}), weights=Weights(fairness_per_hour=0)
    )

    # c = {p1: 2 + 0, p2: 0 + 2}, then p2 also on day 0 which is no holiday
    assert _scores(problem, _on("p2", 0, 1, 2)) == {}
    assert _scores(problem, _on("p2", 0, 1)) == {"holiday_fairness": (1, 20)}


def test_stability_counts_dropped_and_added_pairs() -> None:
    previous = PreviousPlan(
        shifts=frozenset({"s0", "s1"}), assignments=frozenset({("p1", "s0"), ("p2", "s1")})
    )
    problem = _problem([_person("p1"), _person("p2")], _daily(3), previous=previous)

    # (p1, s0) dropped; (p2, s0) added to a published shift; s2 is new, so (p1, s2) is free
    assert _scores(problem, [("p2", "s0"), ("p2", "s1"), ("p1", "s2")]) == {"stability": (2, 100)}


def test_stability_without_previous_plan() -> None:
    problem = _problem([_person("p1")], _daily(1))

    assert _scores(problem, _on("p1", 0)) == {}


def test_curtois_style_objective() -> None:
    needs = (Need(1, under_weight=100, over_weight=30),)
    requests = (
        Request("p1", 0, "D", on=True, weight=3),  # met
        Request("p1", 1, "D", on=True, weight=2),  # unmet
        Request("p2", 0, "D", on=False, weight=4),  # unmet
        Request("p2", 1, None, on=False, weight=1),  # met
    )
    problem = Problem(
        name="curtois",
        start_date="2026-01-05",
        days=2,
        people=(_person("p1"), _person("p2")),
        shift_types=(DAY_TYPE,),
        shifts=(_shift("s0", 0, needs=needs), _shift("s1", 1, needs=needs)),
        requests=requests,
    )

    result = validate(problem, [("p1", "s0"), ("p2", "s0")])

    assert result.feasible
    assert _scores(problem, [("p1", "s0"), ("p2", "s0")]) == {
        "coverage_under": (1, 100),  # s1 empty
        "coverage_over": (1, 30),  # s0 has two
        "shift_on_request": (1, 2),
        "shift_off_request": (1, 4),
    }
    assert result.objective == 136


# --------------------------------------------------------------------------- report


def test_format_report() -> None:
    needs = (Need(1, under_weight=100),)
    problem = _problem([_person("p1", Limits(max_shifts=1))], _daily(3, needs=needs))

    report = format_report(validate(problem, _on("p1", 0, 1)))

    lines = report.splitlines()
    assert lines[0] == "hard rules: 1 violation"
    assert lines[1] == "  max_shifts  person p1 works 2 shifts, limit 1"
    assert lines[2].split() == ["soft", "rule", "count", "penalty"]
    assert lines[3].split() == ["coverage_under", "1", "100"]
    assert len(lines) == 3 + len(SOFT_RULES) + 1
    assert lines[-1] == "objective 100"


def test_format_report_feasible() -> None:
    report = format_report(validate(_problem([_person("p1")], _daily(1)), []))

    assert report.splitlines()[0] == "hard rules: OK"
    assert report.endswith("\nobjective 0")


# --------------------------------------------------------------------------- properties


def _random_problem() -> Problem:
    """A small fixed problem exercising many rules at once."""
    people = [
        _person(
            f"p{i}",
            Limits(
                max_shifts=4,
                min_shifts=1,
                max_consecutive_days=2,
                min_consecutive_days=2,
                min_consecutive_days_off=2,
                min_rest_minutes=600,
                max_weekends=1,
                max_shifts_per_day=2,
            ),
            fair_share=i,
            history=History(consecutive_days_worked=i % 2, last_shift_type="N"),
        )
        for i in range(3)
    ]
    shifts = [
        _shift(f"s{d}{t}", d, 20 if t == "N" else 8, 30 if t == "N" else 16, type=t)
        for d in range(5)
        for t in "DN"
    ]
    previous = PreviousPlan(frozenset({"s0D", "s1N"}), frozenset({("p0", "s0D")}))
    return _problem(people, shifts, days=5, start_weekday=5, previous=previous, pins=(Pin("p1", "s2D"),))


PROBLEM = _random_problem()
PAIR = st.tuples(
    st.sampled_from([*(p.id for p in PROBLEM.people), "ghost"]),
    st.sampled_from([*(s.id for s in PROBLEM.shifts), "nowhere"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(PAIR, max_size=20), st.randoms(use_true_random=False))
def test_validate_never_raises_and_ignores_order(pairs: list[tuple[str, str]], rnd: random.Random) -> None:
    result = validate(PROBLEM, pairs)
    shuffled = validate(PROBLEM, rnd.sample(pairs, len(pairs)))

    assert {v.rule for v in result.violations} <= set(HARD_RULES)
    assert result.feasible == (result.violations == ())
    assert result.objective == sum(penalty for _, penalty in result.scores.values())
    assert sorted(shuffled.violations, key=repr) == sorted(result.violations, key=repr)
    assert (shuffled.scores, shuffled.objective) == (result.scores, result.objective)


def _year_problem() -> tuple[Problem, list[tuple[str, str]]]:
    """364 days, 150 people, 32 shifts a day (11,648 shifts), two people per shift."""
    limits = Limits(
        max_shifts=400,
        max_shifts_per_week=14,
        max_minutes_per_week=6000,
        min_minutes_per_week=0,
        max_consecutive_days=7,
        min_consecutive_days=1,
        min_consecutive_days_off=1,
        max_weekends=52,
        min_rest_minutes=0,
        max_consecutive_by_type={"N": 7},
        max_shifts_per_day=4,
    )
    people = [_person(f"p{i}", limits, fair_share=1000, days_off=frozenset({i % 7})) for i in range(150)]
    shifts = [
        _shift(f"s{d}_{k}", d, k % 16, k % 16 + 8, type="N" if k >= 24 else "D", needs=(Need(2),))
        for d in range(364)
        for k in range(32)
    ]
    assignments = [(f"p{(7 * i + j) % 150}", s.id) for i, s in enumerate(shifts) for j in range(2)]
    requests = tuple(Request(f"p{i % 150}", i % 364, None, on=i % 2 == 0, weight=1) for i in range(2000))
    previous = PreviousPlan(frozenset(s.id for s in shifts[::3]), frozenset(assignments[::5]))
    problem = _problem(
        people, shifts, days=364, requests=requests, previous=previous, holidays=frozenset({0, 1})
    )
    return problem, assignments


@pytest.mark.slow
def test_year_sized_problem_is_checked_in_seconds() -> None:
    problem, assignments = _year_problem()

    started = time.perf_counter()
    result = validate(problem, assignments)
    elapsed = time.perf_counter() - started

    assert isinstance(result, Validation)
    assert result.scores["coverage_under"] == (0, 0)
    assert elapsed < 10


def test_availability_detail() -> None:
    leave = Unavailability(16 * HOUR, MINUTES_PER_DAY + 9 * HOUR, "leave")
    problem = _problem([_person("p1", unavailable=(leave,))], [_shift("s0", 0, 20, 26)], days=3)

    (violation,) = validate(problem, [("p1", "s0")]).violations

    assert violation.detail == (
        "person p1 on shift s0 (day 0 20:00-day 1 02:00) overlaps leave day 0 16:00-day 1 09:00"
    )


def test_spread_counts_history_even_when_no_shift_in_horizon_counts() -> None:
    people = [_person("p1", fair_share=1, history=History(holidays_worked=2)), _person("p2", fair_share=1)]
    problem = _problem(people, _daily(2), days=2, weights=Weights(fairness_per_hour=0))

    # no holidays in the horizon, yet c = {p1: 2, p2: 0}: the spread is a constant of the problem
    assert _scores(problem, _on("p1", 0)) == {"holiday_fairness": (2, 40)}


def test_max_consecutive_by_type_ignores_history() -> None:
    history = History(consecutive_days_worked=3, last_shift_type="N")
    shifts = [_shift(f"n{d}", d, 20, 32, type="N") for d in range(3)]
    problem = _problem(
        [_person("p1", Limits(max_consecutive_by_type={"N": 2}), history=history)], shifts, days=3
    )

    assert _found(problem, [("p1", "n0"), ("p1", "n1")]) == []
