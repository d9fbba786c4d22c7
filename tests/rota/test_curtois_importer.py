"""The Curtois importer: parsing (and its error messages), conversion to a Problem, roster export."""

from __future__ import annotations

import re

import pytest

from rota.errors import InvalidInput
from rota.importers.curtois import (
    NO_EXTRA_WEIGHTS,
    parse_file,
    parse_instance,
    roster_lines,
    shift_id,
    to_problem,
)
from solver.instance import Limits, Need, Request
from tests.rota.test_curtois_data import TINY, instance_path

MALFORMED = [
    # (old text, new text, where, message fragment)
    ("14\n", "fourteen\n", "SECTION_HORIZON, line 2", "number of days must be a whole number"),
    ("14\n", "14\n15\n", "SECTION_HORIZON, line 3", "exactly one data line"),
    ("14\n", "0\n", "SECTION_HORIZON, line 2", "must be >= 1"),
    ("SECTION_HORIZON\n", "14\nSECTION_HORIZON\n", "line 1", "data before the first SECTION_ header"),
    ("SECTION_DAYS_OFF", "SECTION_HOLIDAYS", "SECTION_HOLIDAYS, line 12", "unknown section"),
    ("SECTION_COVER\n", "SECTION_DAYS_OFF\n", "SECTION_DAYS_OFF, line 21", "appears a second time"),
    ("D,480,\n", "D,eight hours,\n", "SECTION_SHIFTS, line 5", "LengthInMinutes must be a whole number"),
    ("D,480,\n", "D,2000,\n", "SECTION_SHIFTS, line 5", "LengthInMinutes must be >= 1 and <= 1440"),
    ("N,600,D\n", "N,600,D|X\n", "SECTION_SHIFTS, line 6", "ForbiddenNext names unknown shift(s): X"),
    ("N,600,D\n", "D,600,\n", "SECTION_SHIFTS, line 6", "shift 'D' is defined twice"),
    ("N,600,D\n", "-,600,D\n", "SECTION_SHIFTS, line 6", "ShiftID '-' is not a valid ID"),
    ("N,600,D\n", "N,600,D,9\n", "SECTION_SHIFTS, line 6", "expected 2 to 3 comma-separated fields, found 4"),
    (
        "1920,960,3,2,2,1",
        "1920,960,3,2,2",
        "SECTION_STAFF, line 9",
        "expected 8 comma-separated fields, found 7",
    ),
    ("A,D=14|N=2", "A,D=14|X=2", "SECTION_STAFF, line 9", "MaxShifts names unknown shift 'X'"),
    ("A,D=14|N=2", "A,D=14|N2", "SECTION_STAFF, line 9", "not of the form ShiftID=limit"),
    ("A,D=14|N=2", "A,D=14|D=2", "SECTION_STAFF, line 9", "MaxShifts lists shift 'D' twice"),
    (
        "1920,960,3,2,2,1",
        "1920,-960,3,2,2,1",
        "SECTION_STAFF, line 9",
        "MinTotalMinutes must be >= 0, got -960",
    ),
    ("B,D=14|N=14", "A,D=14|N=14", "SECTION_STAFF, line 10", "employee 'A' is defined twice"),
    ("A,2\n", "Z,2\n", "SECTION_DAYS_OFF, line 13", "unknown employee 'Z'"),
    ("A,2\n", "A,14\n", "SECTION_DAYS_OFF, line 13", "day must be >= 0 and <= 13, got 14"),
    ("A,0,D,2\n", "A,0,D,high\n", "SECTION_SHIFT_ON_REQUESTS, line 16", "Weight must be a whole number"),
    ("A,1,N,3\n", "A,1,X,3\n", "SECTION_SHIFT_OFF_REQUESTS, line 19", "unknown shift 'X'"),
    ("0,D,1,100,1\n", "0,D,1,100\n", "SECTION_COVER, line 22", "expected 5 comma-separated fields, found 4"),
    ("1,N,1,100,1\n", "-1,N,1,100,1\n", "SECTION_COVER, line 23", "day must be >= 0"),
]


@pytest.mark.parametrize(("old", "new", "where", "message"), MALFORMED)
def test_parse_instance_malformed_names_section_and_line(
    old: str, new: str, where: str, message: str
) -> None:
    text = TINY.replace(old, new, 1)
    assert text != TINY

    with pytest.raises(InvalidInput) as caught:
        parse_instance(text)

    assert [e.where for e in caught.value.errors] == [where]
    assert message in caught.value.errors[0].message


@pytest.mark.parametrize("section", ["SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF"])
def test_parse_instance_missing_required_section(section: str) -> None:
    text = re.sub(section + r"\n.*?\n\n", "", TINY, count=1, flags=re.DOTALL)

    with pytest.raises(InvalidInput) as caught:
        parse_instance(text)

    assert (caught.value.errors[0].where, caught.value.errors[0].message) == (
        section,
        "required section is missing",
    )


def test_parse_instance_reports_every_bad_line() -> None:
    text = TINY.replace("A,0,D,2\n", "A,0,D,x\nZ,0,D,1\n")

    with pytest.raises(InvalidInput) as caught:
        parse_instance(text)

    wheres = [e.where for e in caught.value.errors]
    assert wheres == ["SECTION_SHIFT_ON_REQUESTS, line 16", "SECTION_SHIFT_ON_REQUESTS, line 17"]


def test_parse_instance_tiny_reads_every_field() -> None:
    instance = parse_instance(TINY.replace("\n", "\r\n"), name="tiny")

    assert (instance.name, instance.days) == ("tiny", 14)
    assert [(s.id, s.minutes, s.forbidden_next) for s in instance.shift_types] == [
        ("D", 480, ()),
        ("N", 600, ("D",)),
    ]
    a = instance.staff[0]
    assert (a.id, dict(a.max_shifts), a.max_minutes, a.min_minutes) == ("A", {"D": 14, "N": 2}, 1920, 960)
    assert (
        a.max_consecutive_shifts,
        a.min_consecutive_shifts,
        a.min_consecutive_days_off,
        a.max_weekends,
    ) == (
        3,
        2,
        2,
        1,
    )
    assert instance.days_off == {"A": frozenset({2})}
    assert [(r.employee, r.day, r.shift, r.weight) for r in instance.on_requests] == [("A", 0, "D", 2)]
    assert [(r.employee, r.day, r.shift, r.weight) for r in instance.off_requests] == [("A", 1, "N", 3)]
    assert [(c.day, c.shift, c.requirement, c.under_weight, c.over_weight) for c in instance.covers] == [
        (0, "D", 1, 100, 1),
        (1, "N", 1, 100, 1),
    ]


def test_to_problem_maps_contract_to_general_limits() -> None:
    problem = to_problem(parse_instance(TINY))

    a = problem.people_by_id["A"]
    assert a.limits == Limits(
        max_shifts_per_type={"D": 14, "N": 2},
        max_shifts_per_day=1,
        max_minutes=1920,
        min_minutes=960,
        max_consecutive_days=3,
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        max_weekends=1,
    )
    assert (a.days_off, a.history, a.fair_share, a.unavailable) == (frozenset({2}), None, 0, ())


def test_to_problem_starts_on_a_monday_without_extra_soft_rules() -> None:
    problem = to_problem(parse_instance(TINY))

    assert (problem.start_date, problem.start_weekday, problem.days) == ("2024-01-01", 0, 14)
    assert problem.weights == NO_EXTRA_WEIGHTS
    assert [o.quota_permille for o in problem.organisations] == [0]
    assert (problem.previous, problem.pins, problem.holidays) == (None, (), frozenset())


def test_to_problem_one_shift_per_day_and_type_with_its_cover() -> None:
    problem = to_problem(parse_instance(TINY))

    assert len(problem.shifts) == 14 * 2
    night = problem.shifts_by_id[shift_id(1, "N")]
    assert (night.type, night.day, night.duration) == ("N", 1, 600)
    assert night.needs == (Need(count=1, under_weight=100, over_weight=1),)
    assert problem.shifts_by_id[shift_id(2, "N")].needs == ()
    assert problem.shift_types_by_id["N"].forbidden_next == frozenset({"D"})


def test_to_problem_shifts_of_consecutive_days_never_overlap() -> None:
    problem = to_problem(parse_instance(TINY.replace("N,600,D", "N,1440,D")))

    by_day = sorted(problem.shifts, key=lambda s: s.start)
    latest_end = {d: max(s.end for s in by_day if s.day == d) for d in range(problem.days)}
    earliest_start = {d: min(s.start for s in by_day if s.day == d) for d in range(problem.days)}
    assert all(latest_end[d] <= earliest_start[d + 1] for d in range(problem.days - 1))


def test_to_problem_requests_keep_weight_and_direction() -> None:
    problem = to_problem(parse_instance(TINY))

    assert problem.requests == (
        Request("A", 0, "D", on=True, weight=2),
        Request("A", 1, "N", on=False, weight=3),
    )


def test_roster_lines_one_token_per_day() -> None:
    problem = to_problem(parse_instance(TINY))

    lines = roster_lines(
        problem, [("A", shift_id(0, "D")), ("A", shift_id(13, "N")), ("B", shift_id(1, "N"))]
    )

    assert lines == ["A D" + " -" * 12 + " N", "B - N" + " -" * 12]


def test_roster_lines_two_shifts_on_one_day_is_refused() -> None:
    problem = to_problem(parse_instance(TINY))

    with pytest.raises(InvalidInput, match="one shift per day"):
        roster_lines(problem, [("A", shift_id(0, "D")), ("A", shift_id(0, "N"))])


EXPECTED_COUNTS = {
    # instance: (staff, shift types, on-requests, off-requests, cover rows, days)
    1: (8, 1, 21, 5, 14, 14),
    2: (14, 2, 50, 12, 28, 14),
    3: (20, 3, 39, 25, 42, 14),
}


def _count_section_lines(text: str, section: str) -> int:
    """Data lines of one section, counted straight from the text."""
    body = text.split(section, 1)[1]
    body = re.split(r"\nSECTION_", body, maxsplit=1)[0]
    return sum(1 for line in body.splitlines() if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("number", sorted(EXPECTED_COUNTS))
def test_import_round_trip_counts_match_the_file(number: int) -> None:
    path = instance_path(number)
    text = path.read_text(encoding="utf-8")
    staff, types, on, off, covers, days = EXPECTED_COUNTS[number]

    problem = to_problem(parse_file(path))

    assert (len(problem.people), len(problem.shift_types), problem.days) == (staff, types, days)
    assert len(problem.shifts) == days * types
    assert (
        sum(r.on for r in problem.requests) == on == _count_section_lines(text, "SECTION_SHIFT_ON_REQUESTS")
    )
    assert (
        sum(not r.on for r in problem.requests)
        == off
        == _count_section_lines(text, "SECTION_SHIFT_OFF_REQUESTS")
    )
    assert sum(len(s.needs) for s in problem.shifts) == covers == _count_section_lines(text, "SECTION_COVER")
    assert sum(len(p.days_off) for p in problem.people) == _count_section_lines(text, "SECTION_DAYS_OFF")
