"""Small hand-built problems for the solver tests."""

from __future__ import annotations

from dataclasses import replace

from solver.instance import Limits, Need, Organisation, Person, Problem, Shift, ShiftType, Weights

NO_FAIRNESS = Weights(
    fairness_per_hour=0, org_share_per_hour=0, weekend_spread=0, night_spread=0, holiday_spread=0,
    stability_per_change=0,
)


def person(pid: str, org: str = "o1", **limits: object) -> Person:
    """A person with the given limits and no other restriction."""
    return Person(id=pid, name=pid.upper(), org=org, limits=Limits(**limits))  # type: ignore[arg-type]


def day_shift(day: int, type_id: str = "D", count: int = 1, start: int = 480, length: int = 480,
              under: int = 100, over: int = 0, **fields: object) -> Shift:
    """A shift of ``type_id`` on ``day`` needing ``count`` people."""
    base = Shift(id=f"{type_id}{day}", type=type_id, day=day, start=day * 1440 + start,
                 end=day * 1440 + start + length, needs=(Need(count, under_weight=under, over_weight=over),))
    return replace(base, **fields)  # type: ignore[arg-type]


def problem(people: list[Person], shifts: list[Shift], days: int = 7, **fields: object) -> Problem:
    """A problem over ``days`` days starting on a Monday, fairness off unless weights are given."""
    types = sorted({s.type for s in shifts})
    fields.setdefault("weights", NO_FAIRNESS)
    fields.setdefault("shift_types", tuple(ShiftType(t, t) for t in types))
    return Problem(name="t", start_date="2026-11-30", days=days, organisations=(Organisation("o1", "Org", "cadre"),),
                   people=tuple(people), shifts=tuple(shifts), **fields)  # type: ignore[arg-type]
