"""Qualification/certificates and availability/leave."""

from dataclasses import replace

from solver.instance import SkillGrant, Unavailability
from tests.solver.factories import conflict_rules, day_shift, on, person, pinned, problem, run


def test_qualification_keeps_unqualified_person_off() -> None:
    shift = day_shift(0, required_skills=("first_aid",))
    medic = replace(person("m"), skills=(SkillGrant("first_aid"),))
    result = run(problem([person("a"), medic], [shift], days=1))
    assert result.assignments == (("m", "D0"),)


def test_qualification_expired_certificate_does_not_count() -> None:
    shifts = [day_shift(d, required_skills=("first_aid",)) for d in range(3)]
    medic = replace(person("m"), skills=(SkillGrant("first_aid", valid_until=1),))
    result = run(problem([medic], shifts, days=3))
    assert on(result, "m") == ["D0", "D1"]


def test_qualification_pin_against_missing_skill_is_named() -> None:
    pr = pinned(problem([person("a")], [day_shift(0, required_skills=("first_aid",))], days=1), ("a", "D0"))
    assert conflict_rules(run(pr)) == {"qualification", "pins"}


def test_qualification_station_outside_persons_stations() -> None:
    shift = day_shift(0, station="s2")
    result = run(problem([replace(person("a"), stations=("s1",)), person("b")], [shift], days=1))
    assert result.assignments == (("b", "D0"),)


def test_availability_leave_blocks_overlapping_shift() -> None:
    away = replace(person("a"), unavailable=(Unavailability(0, 1440, "leave"),))
    result = run(problem([away, person("b")], [day_shift(0), day_shift(1, count=2)], days=2))
    assert on(result, "a") == ["D1"]


def test_availability_fixed_day_off_and_pin_conflict() -> None:
    off = replace(person("a"), days_off=frozenset({0}))
    assert run(problem([off], [day_shift(0)], days=1)).assignments == ()
    assert conflict_rules(run(pinned(problem([off], [day_shift(0)], days=1), ("a", "D0")))) == {
        "availability",
        "pins",
    }


def test_availability_unavailability_not_touching_shift_allows_it() -> None:
    evening = replace(person("a"), unavailable=(Unavailability(960, 1440),))  # 16:00-24:00, shift ends 16:00
    assert run(problem([evening], [day_shift(0)], days=1)).assignments == (("a", "D0"),)
