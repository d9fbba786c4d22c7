"""No double booking, minimum rest, forbidden successions."""

from dataclasses import replace

from solver.instance import History, ShiftType
from tests.solver.factories import conflict_rules, day_shift, on, person, pinned, problem, run


def test_no_double_booking_overlapping_shifts_across_stations() -> None:
    a = day_shift(0, "A", station="s1")
    b = day_shift(0, "B", start=600, station="s2")  # 10:00, overlaps A (08:00-16:00)
    assert len(run(problem([person("p", max_shifts_per_day=2)], [a, b], days=1)).assignments) == 1
    pr = pinned(problem([person("p", max_shifts_per_day=2)], [a, b], days=1), ("p", "A0"), ("p", "B0"))
    assert conflict_rules(run(pr)) == {"no_double_booking", "pins"}


def test_no_double_booking_allows_back_to_back_when_two_per_day() -> None:
    morning = day_shift(0, "M", length=240)
    afternoon = day_shift(0, "A", start=720, length=240)
    result = run(problem([person("p", max_shifts_per_day=2)], [morning, afternoon], days=1))
    assert sorted(on(result, "p")) == ["A0", "M0"]


def test_no_double_booking_max_shifts_per_day() -> None:
    morning = day_shift(0, "M", length=240)
    afternoon = day_shift(0, "A", start=720, length=240)
    assert len(run(problem([person("p")], [morning, afternoon], days=1)).assignments) == 1


def test_min_rest_between_late_and_early() -> None:
    late = day_shift(0, "L", start=14 * 60)  # 14:00-22:00
    early = day_shift(1, "E", start=6 * 60)  # 06:00 next day: 8 h rest
    assert len(run(problem([person("p", min_rest_minutes=11 * 60)], [late, early], days=2)).assignments) == 1
    assert len(run(problem([person("p", min_rest_minutes=8 * 60)], [late, early], days=2)).assignments) == 2


def test_min_rest_counts_history_last_shift_end() -> None:
    tired = replace(person("p", min_rest_minutes=11 * 60), history=History(last_shift_end=-60))
    assert run(problem([tired], [day_shift(0, start=480)], days=1)).assignments == ()
    rested = replace(person("p", min_rest_minutes=8 * 60), history=History(last_shift_end=-60))
    assert run(problem([rested], [day_shift(0, start=480)], days=1)).assignments == (("p", "D0"),)


def test_forbidden_succession_night_then_day() -> None:
    types = (ShiftType("N", "Night", forbidden_next=frozenset({"D"})), ShiftType("D", "Day"))
    shifts = [day_shift(0, "N", start=1200), day_shift(1, "D")]
    assert len(run(problem([person("p")], shifts, days=2, shift_types=types)).assignments) == 1
    pr = pinned(problem([person("p")], shifts, days=2, shift_types=types), ("p", "N0"), ("p", "D1"))
    assert conflict_rules(run(pr)) == {"forbidden_succession", "pins"}


def test_forbidden_succession_other_order_allowed() -> None:
    types = (ShiftType("N", "Night", forbidden_next=frozenset({"D"})), ShiftType("D", "Day"))
    shifts = [day_shift(0, "D"), day_shift(1, "N", start=1200)]
    assert len(run(problem([person("p")], shifts, days=2, shift_types=types)).assignments) == 2


def test_forbidden_succession_from_history() -> None:
    types = (ShiftType("N", "Night", forbidden_next=frozenset({"D"})), ShiftType("D", "Day"))
    after_night = replace(person("p"), history=History(last_shift_type="N", consecutive_days_worked=1))
    assert run(problem([after_night], [day_shift(0, "D")], days=1, shift_types=types)).assignments == ()
