"""The problem file and the solution file: conversion, round trips and validation with JSON paths."""

from __future__ import annotations

import copy
import json
import operator
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from rota.errors import FieldError, InvalidInput
from rota.problem_file import (
    Solution,
    dump_problem,
    dump_solution,
    load_problem,
    load_solution,
    problem_schema,
    read_problem,
    read_solution,
    solution_schema,
)
from solver.instance import (
    Compound,
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
    Visit,
    Weights,
)
from solver.result import Conflict, Hole, Load, Message, RuleScore, SolveResult, VisitOutcome

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]

Doc = dict[str, Any]
FIXTURE_TEXT = (DATA / "station_week.json").read_text(encoding="utf-8")


@pytest.fixture
def doc() -> Doc:
    """A fresh copy of the fixture station week, as parsed JSON."""
    loaded: Doc = json.loads(FIXTURE_TEXT)
    return loaded


def _errors(data: object) -> list[FieldError]:
    """The field errors load_problem reports for ``data``."""
    with pytest.raises(InvalidInput) as caught:
        load_problem(data)
    assert caught.value.message == "problem file is invalid"
    return caught.value.errors


def _berlin(start: str, days: int = 3) -> Doc:
    """An almost empty problem in Europe/Berlin, where the clocks change."""
    return {
        "format": 1,
        "name": "dst",
        "horizon": {"start": start, "days": days, "timezone": "Europe/Berlin"},
        "shift_types": [{"id": "night", "name": "Night"}],
        "shifts": [],
    }


# --- reading ----------------------------------------------------------------------------------------


def test_read_problem_converts_dates_and_times_to_days_and_minutes() -> None:
    problem = read_problem(DATA / "station_week.json")

    assert (problem.start_date, problem.days, problem.start_weekday) == ("2026-11-30", 7, 0)
    assert problem.holidays == frozenset({5})
    assert problem.shifts[1] == Shift(
        id="mon-night",
        type="night",
        day=0,
        start=22 * 60,
        end=30 * 60,
        station="hepingli",
        minutes=420,
        needs=(Need(count=1, skill="first_aid"),),
    )
    wang = problem.people[0]
    assert wang.skills == (SkillGrant("first_aid"), SkillGrant("dementia_care", -333, 3))
    assert wang.unavailable == (Unavailability(1440 + 13 * 60, 1440 + 17 * 60 + 30, "leave"),)
    assert wang.days_off == frozenset({6})
    assert wang.history == History(consecutive_days_worked=2, last_shift_type="night", last_shift_end=-120)
    assert wang.limits == Limits(
        max_shifts=5, min_shifts=1, max_shifts_per_type={"night": 2}, min_rest_minutes=660
    )


def test_read_problem_fills_defaults_for_absent_fields() -> None:
    problem = read_problem(DATA / "station_week.json")

    li = problem.people[1]
    assert (li.skills, li.limits, li.history, li.days_off) == ((), Limits(), None, frozenset())
    assert problem.weights == Weights(fairness_per_hour=3, stability_per_change=80, visit_language=25)
    assert problem.pins == (Pin("wang", "mon-day", True), Pin("li", "mon-night", False))
    assert problem.requests[0] == Request("li", 2, None, False, 30)
    assert problem.previous == PreviousPlan(
        frozenset({"mon-day", "mon-night"}), frozenset({("wang", "mon-day")})
    )


def test_read_problem_converts_compounds_travel_and_visits() -> None:
    problem = read_problem(DATA / "station_week.json")

    assert problem.compounds == (
        Compound("garden", "和平里花园", "hepingli"),
        Compound("village", "和平里新村"),
    )
    assert problem.travel == {("garden", "village"): 12, ("garden", "garden"): 3}
    assert problem.visits[0] == Visit(
        id="bath-1",
        service="bathing",
        skill="personal_care",
        compound="garden",
        duration=60,
        windows=((1440 + 9 * 60, 1440 + 11 * 60 + 30), (2 * 1440 + 14 * 60, 2 * 1440 + 17 * 60)),
        station="hepingli",
        urgency=1,
        language="yue",
        previous_butlers=("wang", "zhou"),
        unserved_weight=8000,
        person="wang",
        start=1440 + 9 * 60 + 30,
    )
    assert problem.visits[1] == Visit(
        "pills-1", "medication", "first_aid", "village", 30, ((3 * 1440 + 8 * 60, 3 * 1440 + 12 * 60),)
    )


def test_load_problem_converts_utc_offsets_to_the_zone(doc: Doc) -> None:
    problem = load_problem(doc)

    sunday_night = problem.shifts_by_id["sun-night"]
    assert (sunday_night.day, sunday_night.start, sunday_night.end) == (
        6,
        6 * 1440 + 22 * 60,
        7 * 1440 + 6 * 60,
    )


def test_load_problem_takes_a_shifts_day_from_its_start_when_it_has_no_date(doc: Doc) -> None:
    doc["shifts"][0] |= {"start": "2026-12-02T08:00", "end": "2026-12-02T12:00"}

    assert load_problem(doc).shifts[0].day == 2


def test_load_problem_counts_elapsed_minutes_across_a_clock_change() -> None:
    data = _berlin("2026-03-28")
    data["shifts"] = [{"id": "n", "type": "night", "start": "2026-03-28T22:00", "end": "2026-03-29T06:00"}]

    shift = load_problem(data).shifts[0]

    assert (shift.day, shift.start, shift.end, shift.duration) == (0, 22 * 60, 22 * 60 + 7 * 60, 7 * 60)


def test_dump_problem_writes_an_offset_only_for_a_repeated_local_time() -> None:
    data = _berlin("2026-10-24")
    data["shifts"] = [
        {"id": "first", "type": "night", "start": "2026-10-25T02:30", "end": "2026-10-25T04:00"},
        {"id": "second", "type": "night", "start": "2026-10-25T02:30+01:00", "end": "2026-10-25T04:00"},
    ]
    problem = load_problem(data)

    shifts = dump_problem(problem)["shifts"]

    assert [s["start"] for s in shifts] == ["2026-10-25T02:30", "2026-10-25T02:30+01:00"]
    assert problem.shifts[1].start - problem.shifts[0].start == 60
    assert load_problem(dump_problem(problem)) == problem


def test_load_problem_rejects_a_local_time_the_clocks_skip() -> None:
    data = _berlin("2026-03-28")
    data["shifts"] = [{"id": "n", "type": "night", "start": "2026-03-29T02:30", "end": "2026-03-29T06:00"}]

    errors = _errors(data)

    assert [e.where for e in errors] == ["$.shifts[0].start"]
    assert "does not exist in Europe/Berlin" in errors[0].message


# --- writing and round trips ------------------------------------------------------------------------


def test_dump_problem_round_trips_the_fixture(doc: Doc) -> None:
    problem = load_problem(doc)

    dumped = dump_problem(problem)

    assert load_problem(json.loads(json.dumps(dumped))) == problem
    assert dump_problem(load_problem(dumped)) == dumped


def test_dump_problem_leaves_out_defaults_and_writes_skills_without_validity_as_strings(doc: Doc) -> None:
    dumped = dump_problem(load_problem(doc))

    assert dumped["people"][1] == {
        "id": "li",
        "name": "李强",
        "org": "clinic",
        "stations": ["hepingli"],
        "fair_share": 500,
    }
    assert dumped["people"][0]["skills"][0] == "first_aid"
    assert dumped["shifts"][0]["date"] == "2026-11-30"


def test_dump_problem_rejects_a_weekday_that_disagrees_with_the_start_date() -> None:
    problem = Problem(name="p", start_date="2026-12-01", days=7, start_weekday=0)

    with pytest.raises(ValueError, match="start_weekday 0 disagrees with start_date 2026-12-01"):
        dump_problem(problem)


NAMES = st.text(max_size=6)
IDS = st.text(alphabet="ab-_ 王1", min_size=1, max_size=3)
ZONES = ("Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
# Days before the 2026 clock changes of those zones (Lord Howe's shift by half an hour).
CLOCK_CHANGE_EVES = [date(2026, m, d) for m, d in ((3, 7), (3, 28), (4, 4), (10, 3), (10, 24), (10, 31))]


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` or None."""
    return st.none() | strategy


@st.composite
def _limits(draw: st.DrawFn, types: list[str]) -> Limits:
    """Limits whose minimums do not exceed their maximums."""
    counts = st.integers(0, 20)
    low, high = sorted(draw(st.tuples(counts, counts)))
    per_type = st.dictionaries(st.sampled_from(types), counts, max_size=2)
    return Limits(
        max_shifts=high,
        min_shifts=draw(st.sampled_from([None, low])),
        max_shifts_per_type=draw(per_type),
        max_shifts_per_day=draw(st.integers(0, 3)),
        max_minutes_per_week=draw(_optional(counts)),
        max_consecutive_days=draw(_optional(counts)),
        max_consecutive_by_type=draw(per_type),
        min_rest_minutes=draw(_optional(st.integers(0, 900))),
    )


@st.composite
def _history(draw: st.DrawFn, types: list[str]) -> History:
    """A history with at most one open run."""
    run = draw(st.integers(0, 5))
    worked = draw(st.booleans())
    return History(
        consecutive_days_worked=run if worked else 0,
        consecutive_days_off=0 if worked else run,
        last_shift_type=draw(_optional(st.sampled_from(types))),
        last_shift_end=draw(_optional(st.integers(-3000, 0))),
        weekends_worked=draw(st.integers(0, 9)),
    )


@st.composite
def _person(draw: st.DrawFn, ident: str, orgs: list[str], types: list[str], days: int) -> Person:
    """A person with every kind of field, all of it consistent."""
    day = st.integers(-400, 400)
    grants = st.builds(SkillGrant, IDS, _optional(day), _optional(day)).filter(
        lambda g: g.valid_from is None or g.valid_until is None or g.valid_from <= g.valid_until
    )
    start = draw(st.integers(-1440, days * 1440))
    return Person(
        id=ident,
        name=draw(NAMES),
        org=draw(st.sampled_from(orgs)),
        skills=tuple(draw(st.lists(grants, max_size=3))),
        languages=tuple(draw(st.lists(NAMES, max_size=2))),
        stations=tuple(draw(st.lists(NAMES, max_size=2))),
        limits=draw(_limits(types)),
        unavailable=(
            Unavailability(
                start, start + draw(st.integers(1, 3000)), draw(st.sampled_from(["leave", "unavailable"]))
            ),
        ),
        days_off=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=2))),
        fair_share=draw(st.integers(0, 1000)),
        history=draw(_optional(_history(types))),
    )


@st.composite
def _shift(draw: st.DrawFn, ident: str, types: list[str], days: int) -> Shift:
    """A shift on a day of the horizon, starting around that day."""
    day = draw(st.integers(0, days - 1))
    start = day * 1440 + draw(st.integers(-300, 1439))
    need = st.builds(
        Need, st.integers(0, 3), _optional(IDS), _optional(IDS), st.integers(0, 2000), st.integers(0, 50)
    )
    return Shift(
        id=ident,
        type=draw(st.sampled_from(types)),
        day=day,
        start=start,
        end=start + draw(st.integers(1, 1440)),
        station=draw(NAMES),
        minutes=draw(_optional(st.integers(0, 900))),
        required_skills=tuple(draw(st.lists(IDS, max_size=2))),
        needs=tuple(draw(st.lists(need, max_size=2))),
    )


@st.composite
def _problems(draw: st.DrawFn) -> Problem:
    """Small, valid random problems in time zones with and without clock changes."""
    start = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)) | st.sampled_from(CLOCK_CHANGE_EVES))
    days = draw(st.integers(1, 9))
    org_ids, type_ids, person_ids, shift_ids, compound_ids, visit_ids = (
        draw(st.lists(IDS, min_size=1, max_size=3, unique=True)) for _ in range(6)
    )
    types, people, shifts = st.sampled_from(type_ids), st.sampled_from(person_ids), st.sampled_from(shift_ids)
    pairs = st.frozensets(st.tuples(people, shifts), max_size=3)
    compounds = st.sampled_from(compound_ids)
    request = st.builds(
        Request, people, st.integers(0, days - 1), _optional(types), st.booleans(), st.integers(0, 99)
    )
    return Problem(
        name=draw(NAMES),
        start_date=start.isoformat(),
        days=days,
        timezone=draw(st.sampled_from(ZONES)),
        start_weekday=start.weekday(),
        holidays=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=2))),
        organisations=tuple(draw(_organisation(ident)) for ident in org_ids),
        people=tuple(draw(_person(ident, org_ids, type_ids, days)) for ident in person_ids),
        shift_types=tuple(
            ShiftType(t, draw(NAMES), draw(st.frozensets(types)), draw(st.booleans())) for t in type_ids
        ),
        shifts=tuple(draw(_shift(ident, type_ids, days)) for ident in shift_ids),
        requests=tuple(draw(st.lists(request, max_size=3))),
        pins=tuple(Pin(person, shift, draw(st.booleans())) for person, shift in draw(pairs)),
        previous=draw(_optional(st.builds(PreviousPlan, st.frozensets(shifts), pairs))),
        weights=draw(st.builds(Weights, **{f.name: st.integers(0, 100) for f in fields(Weights)})),
        compounds=tuple(Compound(ident, draw(NAMES), draw(NAMES)) for ident in compound_ids),
        travel=draw(st.dictionaries(st.tuples(compounds, compounds), st.integers(0, 90), max_size=3)),
        visits=tuple(draw(_visit(ident, compound_ids, person_ids, days)) for ident in visit_ids),
    )


@st.composite
def _visit(draw: st.DrawFn, ident: str, compounds: list[str], people: list[str], days: int) -> Visit:
    """A home visit with windows around the horizon, sometimes pinned to a person and start."""
    starts = st.integers(-600, days * 1440)
    windows = st.lists(
        starts.flatmap(lambda s: st.tuples(st.just(s), st.integers(s + 1, s + 600))), max_size=2
    )
    person = draw(_optional(st.sampled_from(people)))
    return Visit(
        id=ident,
        service=draw(NAMES),
        skill=draw(NAMES),
        compound=draw(st.sampled_from(compounds)),
        duration=draw(st.integers(0, 240)),
        windows=tuple(draw(windows)),
        station=draw(NAMES),
        urgency=draw(st.integers(0, 2)),
        language=draw(_optional(NAMES)),
        previous_butlers=tuple(draw(st.lists(IDS, max_size=2))),
        unserved_weight=draw(st.integers(0, 9000)),
        person=person,
        start=None if person is None else draw(_optional(starts)),
    )


def _organisation(ident: str) -> st.SearchStrategy[Organisation]:
    """An organisation with the given id."""
    kinds = st.sampled_from(["cadre", "clinic"])
    return st.builds(Organisation, st.just(ident), NAMES, kinds, st.integers(0, 1000), st.integers(-600, 600))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(_problems())
def test_dump_problem_round_trips_random_problems(problem: Problem) -> None:
    text = json.dumps(dump_problem(problem), ensure_ascii=False)

    assert load_problem(json.loads(text)) == problem


# --- validation -------------------------------------------------------------------------------------


def _at(doc: Doc, path: str) -> tuple[Any, str | int]:
    """The container of the value at a dotted path (list indexes as numbers) and its key in it."""
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    container: Any = doc
    for key in parents:
        container = container[key]
    return container, last


def _set(path: str, value: object) -> Callable[[Doc], None]:
    """A mutation that sets the value at a dotted path."""
    return lambda doc: operator.setitem(*_at(doc, path), value)


def _delete(path: str) -> Callable[[Doc], None]:
    """A mutation that removes the value at a dotted path."""
    return lambda doc: operator.delitem(*_at(doc, path))


def _append(path: str, value: object) -> Callable[[Doc], None]:
    """A mutation that appends a value to the list at a dotted path."""
    return lambda doc: operator.getitem(*_at(doc, path)).append(value)


PER_TYPE_LIMIT = '$.people[0].limits.max_shifts_per_type["n-2"]'
LAST_SHIFT_END = "$.people[0].history.last_shift_end"
DAYS_OFF_RUN = "$.people[0].history.consecutive_days_off"
ORG_COPY = {"id": "office", "name": "Office", "kind": "cadre"}
TRAVEL_AGAIN = {"from": "garden", "to": "village", "minutes": 15}
CONTRADICTING_PIN = {"person": "wang", "shift": "mon-day", "assigned": False}

INVALID = [
    (_set("colour", "red"), "$.colour", "unknown field"),
    (_set("people.1.nickname", "Xiao Li"), "$.people[1].nickname", "unknown field"),
    (_set("people.0.limits.max_shift", 3), "$.people[0].limits.max_shift", "unknown field"),
    (_delete("format"), "$.format", "is required"),
    (_set("format", 2), "$.format", "must be 1, not 2"),
    (_delete("shifts.0.end"), "$.shifts[0].end", "is required"),
    (_set("shifts.0.station", 7), "$.shifts[0].station", "expected string, got integer"),
    (_set("people.0.fair_share", 5.0), "$.people[0].fair_share", "expected integer, got number"),
    (_set("horizon.days", True), "$.horizon.days", "expected integer, got boolean"),
    (_set("people.0.skills.0", 3), "$.people[0].skills[0]", "expected string or object"),
    (_append("people", {"id": "wang", "name": "", "org": "office"}), "$.people[2].id", "duplicate person id"),
    (_set("shifts.2.id", "mon-day"), "$.shifts[2].id", "duplicate shift id"),
    (_append("shift_types", {"id": "day", "name": ""}), "$.shift_types[2].id", "duplicate shift type id"),
    (
        _append("organisations", ORG_COPY),
        "$.organisations[2].id",
        "duplicate organisation id 'office' (first at $.organisations[0])",
    ),
    (_set("people.1.org", "police"), "$.people[1].org", "unknown organisation 'police'"),
    (_set("shifts.0.type", "evening"), "$.shifts[0].type", "unknown shift type 'evening'"),
    (
        _set("shift_types.1.forbidden_next.0", "late"),
        "$.shift_types[1].forbidden_next[0]",
        "unknown shift type",
    ),
    (_set("requests.0.person", "zhao"), "$.requests[0].person", "unknown person 'zhao'"),
    (_set("requests.1.shift_type", "late"), "$.requests[1].shift_type", "unknown shift type 'late'"),
    (_set("pins.0.shift", "tue-day"), "$.pins[0].shift", "unknown shift 'tue-day'"),
    (_set("previous.shifts.1", "x"), "$.previous.shifts[1]", "unknown shift 'x'"),
    (_set("previous.assignments.0.person", "x"), "$.previous.assignments[0].person", "unknown person 'x'"),
    (_set("people.0.limits.max_shifts_per_type", {"n-2": 1}), PER_TYPE_LIMIT, "unknown shift type 'n-2'"),
    (
        _set("people.0.history.last_shift_type", "late"),
        "$.people[0].history.last_shift_type",
        "unknown shift",
    ),
    (_set("shifts.0.end", "2026-11-30T07:00"), "$.shifts[0].end", "must be after start (2026-11-30T08:00)"),
    (
        _set("people.0.unavailable.0.end", "2026-12-01T13:00"),
        "$.people[0].unavailable[0].end",
        "must be after",
    ),
    (
        _set("people.0.days_off.0", "2026-12-07"),
        "$.people[0].days_off[0]",
        "2026-12-07 is outside the horizon",
    ),
    (_set("holidays.0", "2026-11-29"), "$.holidays[0]", "outside the horizon 2026-11-30..2026-12-06"),
    (_set("requests.0.date", "2027-01-01"), "$.requests[0].date", "outside the horizon"),
    (_set("shifts.1.date", "2026-12-07"), "$.shifts[1].date", "outside the horizon"),
    (_set("shifts.0.start", "2026-11-29T08:00"), "$.shifts[0].start", "(local date 2026-11-29) is outside"),
    (_set("horizon.timezone", "Beijing"), "$.horizon.timezone", "unknown time zone 'Beijing'"),
    (_set("horizon.timezone", "localtime"), "$.horizon.timezone", "unknown time zone 'localtime'"),
    (_set("shifts.0.start", "2026-11-30 08:00"), "$.shifts[0].start", "is not a date-time"),
    (_set("shifts.0.end", "2026-11-31T08:00"), "$.shifts[0].end", "is not a valid date-time"),
    (_set("shifts.0.end", "2026-11-30T12:00:30"), "$.shifts[0].end", "whole minutes"),
    (_set("holidays.0", "2026/12/05"), "$.holidays[0]", "'2026/12/05' is not a date (YYYY-MM-DD)"),
    (_set("horizon.start", "2026-02-30"), "$.horizon.start", "'2026-02-30' is not a valid date"),
    (_set("weights.night_spread", -1), "$.weights.night_spread", "-1 is less than the minimum of 0"),
    (_set("requests.0.weight", -5), "$.requests[0].weight", "-5 is less than the minimum of 0"),
    (_set("shifts.0.needs.0.under_weight", -1), "$.shifts[0].needs[0].under_weight", "minimum of 0"),
    (_set("organisations.0.quota_permille", 1001), "$.organisations[0].quota_permille", "maximum of 1000"),
    (
        _set("people.0.limits.min_shifts", 6),
        "$.people[0].limits.min_shifts",
        "min_shifts (6) is greater than",
    ),
    (_set("people.0.skills.1.valid_until", "2025-12-31"), "$.people[0].skills[1].valid_until", "before"),
    (
        _set("people.0.history.last_shift_end", "2026-11-30T00:01"),
        LAST_SHIFT_END,
        "must not be after the start",
    ),
    (_set("people.0.history.consecutive_days_off", 1), DAYS_OFF_RUN, "cannot both be above 0"),
    (_set("pins.1", CONTRADICTING_PIN), "$.pins[1].assigned", "contradicts the pin at $.pins[0]"),
    (_append("compounds", {"id": "garden", "name": ""}), "$.compounds[2].id", "duplicate compound id"),
    (_set("visits.1.id", "bath-1"), "$.visits[1].id", "duplicate visit id 'bath-1'"),
    (_set("travel.1.to", "tower"), "$.travel[1].to", "unknown compound 'tower'"),
    (_append("travel", TRAVEL_AGAIN), "$.travel[2]", "repeats the travel time at $.travel[0]"),
    (_set("visits.1.compound", "tower"), "$.visits[1].compound", "unknown compound 'tower'"),
    (_set("visits.0.person", "zhou"), "$.visits[0].person", "unknown person 'zhou'"),
    (_set("visits.0.windows.1.end", "2026-12-02T13:00"), "$.visits[0].windows[1].end", "must be after start"),
    (_set("visits.1.start", "2026-12-03T09:00"), "$.visits[1].start", "a pinned start needs a pinned person"),
    (_set("visits.0.urgency", 3), "$.visits[0].urgency", "is not one of [0, 1, 2]"),
    (_delete("visits.0.windows"), "$.visits[0].windows", "is required"),
    (
        _append("people.0.days_off", "2026-12-06"),
        "$.people[0].days_off[1]",
        "repeats $.people[0].days_off[0]",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), INVALID, ids=[f"{w} {m}" for _, w, m in INVALID])
def test_load_problem_reports_the_path_of_an_invalid_field(
    doc: Doc, mutate: Callable[[Doc], None], where: str, message: str
) -> None:
    mutate(doc)

    errors = _errors(doc)

    assert [e.where for e in errors] == [where]
    assert message in errors[0].message


def test_load_problem_reports_every_error_at_once(doc: Doc) -> None:
    doc["colour"] = "red"
    doc["people"][1]["org"] = "police"
    doc["shifts"][0]["end"] = "2026-11-30T07:00"
    doc["weights"]["night_spread"] = -1
    del doc["shifts"][2]["type"]

    errors = _errors(doc)

    assert sorted(e.where for e in errors) == [
        "$.colour",
        "$.people[1].org",
        "$.shifts[0].end",
        "$.shifts[2].type",
        "$.weights.night_spread",
    ]


def test_load_problem_reports_a_value_the_schema_rejects_once(doc: Doc) -> None:
    doc["people"][0]["unavailable"][0]["start"] = "tomorrow"

    errors = _errors(doc)

    assert errors == [
        FieldError(
            "$.people[0].unavailable[0].start",
            "'tomorrow' is not a date-time (YYYY-MM-DDTHH:MM, optionally :SS and a UTC offset)",
        )
    ]


def test_load_problem_still_checks_references_when_the_horizon_is_broken(doc: Doc) -> None:
    doc["horizon"]["timezone"] = "Mars/Olympus"
    doc["pins"][0]["person"] = "zhao"

    errors = _errors(doc)

    assert [e.where for e in errors] == ["$.horizon.timezone", "$.pins[0].person"]


@pytest.mark.parametrize(
    ("data", "got"), [([], "array"), ("problem", "string"), (None, "null"), (1.5, "number")]
)
def test_load_problem_rejects_a_document_that_is_no_object(data: object, got: str) -> None:
    assert _errors(data) == [FieldError("$", f"expected object, got {got}")]


def test_load_problem_rejects_a_horizon_beyond_the_calendar(doc: Doc) -> None:
    doc["horizon"] |= {"start": "9999-12-30", "days": 7}

    errors = _errors(doc)

    assert errors == [FieldError("$.horizon.days", "the horizon ends beyond the calendar's range")]


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.floats(allow_nan=False)
    | st.sampled_from(
        ["", "wang", "night", "mon-day", "2026-12-01", "2026-12-01T08:00", "9999-12-31T23:59+14:00", "UTC"]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["id", "start", "x"]), inner),
    max_leaves=4,
)


def _locations(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The path of every value inside a parsed JSON document, the document itself included."""
    inner: list[tuple[str | int, ...]] = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        inner += _locations(item, (*path, key))
    return inner


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_load_problem_fails_only_with_invalid_input_whatever_the_damage(data: st.DataObject) -> None:
    doc = json.loads(FIXTURE_TEXT)
    *parents, last = data.draw(st.sampled_from(_locations(doc)[1:]))
    reduce(operator.getitem, parents, doc)[last] = data.draw(JSON)

    errors: list[FieldError] = []
    try:
        load_problem(doc)
    except InvalidInput as exc:
        errors = exc.errors or [FieldError("", "InvalidInput without field errors")]

    assert all(error.where.startswith("$") for error in errors)


def test_read_problem_names_line_and_column_of_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text('{\n  "format": 1,\n  "name": "x",,\n}\n', encoding="utf-8")

    with pytest.raises(InvalidInput) as caught:
        read_problem(path)

    assert caught.value.errors == [
        FieldError(f"{path}: line 3, column 15", "Expecting property name enclosed in double quotes")
    ]


def test_read_problem_reports_a_missing_file_as_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the problem file"):
        read_problem(tmp_path / "missing.json")


def test_read_problem_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "station_week.json").read_bytes())

    assert read_problem(path) == read_problem(DATA / "station_week.json")


# --- the schemas ------------------------------------------------------------------------------------


def test_docs_schema_is_the_problem_schema() -> None:
    docs = json.loads((ROOT / "docs" / "problem.schema.json").read_text(encoding="utf-8"))

    assert docs == problem_schema()


SCHEMA_DEFINITIONS = {
    "organisation": Organisation,
    "skill": SkillGrant,
    "limits": Limits,
    "unavailability": Unavailability,
    "history": History,
    "person": Person,
    "shift_type": ShiftType,
    "need": Need,
    "shift": Shift,
    "request": Request,
    "pin": Pin,
    "previous": PreviousPlan,
    "compound": Compound,
    "visit": Visit,
    "weights": Weights,
}
RENAMED = {"day": "date"}  # a day index is written as its date
HORIZON = {
    "start_date",
    "days",
    "timezone",
    "start_weekday",
}  # "horizon" holds these (and implies the weekday)


@pytest.mark.parametrize(("definition", "kind"), SCHEMA_DEFINITIONS.items(), ids=list(SCHEMA_DEFINITIONS))
def test_problem_schema_has_a_field_for_every_field_of_the_instance(definition: str, kind: type) -> None:
    properties = problem_schema()["$defs"][definition]["properties"]

    assert set(properties) == {RENAMED.get(f.name, f.name) for f in fields(kind)}


def test_problem_schema_top_level_covers_the_whole_problem() -> None:
    properties = problem_schema()["properties"]

    assert set(properties) == {f.name for f in fields(Problem)} - HORIZON | {"format", "horizon"}


@pytest.mark.parametrize("schema", [problem_schema(), solution_schema()], ids=["problem", "solution"])
def test_schema_is_valid_draft_2020_12(schema: Doc) -> None:
    Draft202012Validator.check_schema(schema)


def test_problem_schema_accepts_the_fixture_and_closes_every_object() -> None:
    schema = problem_schema()

    open_objects = [
        name
        for name, sub in schema["$defs"].items()
        if "object" in sub.get("type", ())
        and sub.get("additionalProperties") is not False
        and "properties" in sub
    ]

    assert open_objects == []
    assert (
        list(
            Draft202012Validator(schema).iter_errors(
                json.loads((DATA / "station_week.json").read_text(encoding="utf-8"))
            )
        )
        == []
    )


# --- the solution file ------------------------------------------------------------------------------


def _result() -> SolveResult:
    """A feasible result for the fixture, with one of everything in its explanation."""
    reason = Message("no_qualified_person", "没有合格人员", "nobody qualified", (("skill", "first_aid"),))
    return SolveResult(
        status="feasible",
        objective=1300,
        bound=1000,
        wall_time=2.5,
        assignments=(("li", "sun-night"), ("wang", "mon-day")),
        breakdown=(RuleScore("coverage_under", "人手不足", "understaffed", 1, 1000),),
        holes=(Hole("mon-night", 0, 1, reason),),
        conflicts=(Conflict("min_rest", "wang", Message("rest", "休息不足", "too little rest")),),
        person_load=(Load("wang", 1, 240, 300), Load("li", 1, 480)),
        org_load=(Load("office", 1, 240, 288),),
        visits=(
            VisitOutcome("bath-1", "wang", 1440 + 9 * 60 + 30),
            VisitOutcome("pills-1", None, None, Message("no_time", "没有空闲时间", "nobody is free")),
        ),
    )


def test_dump_solution_writes_the_documented_shape() -> None:
    problem = read_problem(DATA / "station_week.json")

    dumped = dump_solution(_result(), problem)

    assert {
        k: dumped[k] for k in ("format", "problem", "status", "objective", "bound", "gap", "wall_time")
    } == {
        "format": 1,
        "problem": "Hepingli station, week 2026-W49",
        "status": "feasible",
        "objective": 1300,
        "bound": 1000,
        "gap": 300 / 1300,
        "wall_time": 2.5,
    }
    assert dumped["horizon"] == {"start": "2026-11-30", "days": 7, "timezone": "Asia/Shanghai"}
    assert dumped["visits"] == [
        {"visit": "bath-1", "person": "wang", "start": "2026-12-01T09:30", "reason": None},
        {
            "visit": "pills-1",
            "person": None,
            "start": None,
            "reason": {"code": "no_time", "zh": "没有空闲时间", "en": "nobody is free", "params": {}},
        },
    ]
    assert dumped["explanation"]["holes"] == [
        {
            "shift": "mon-night",
            "need": 0,
            "missing": 1,
            "reason": {
                "code": "no_qualified_person",
                "zh": "没有合格人员",
                "en": "nobody qualified",
                "params": {"skill": "first_aid"},
            },
        }
    ]
    assert dumped["explanation"]["breakdown"][0]["label"] == {"zh": "人手不足", "en": "understaffed"}


def test_load_solution_round_trips_a_dumped_solution(tmp_path: Path) -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(_result(), problem)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(dumped, ensure_ascii=False), encoding="utf-8")

    solution = read_solution(path, problem)

    assert solution == Solution(
        problem=problem.name,
        status="feasible",
        objective=1300,
        bound=1000,
        wall_time=2.5,
        assignments=(("li", "sun-night"), ("wang", "mon-day")),
        explanation=dumped["explanation"],
        visits=(("bath-1", "wang", 1440 + 9 * 60 + 30), ("pills-1", None, None)),
    )


def test_load_solution_reports_ids_the_problem_does_not_know() -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(_result(), problem)
    dumped["assignments"][1] = {"person": "zhao", "shift": "tue-day"}
    dumped["explanation"]["holes"][0]["need"] = 1
    dumped["explanation"]["org_load"][0]["id"] = "police"
    dumped["visits"][1] |= {"visit": "pills-9", "person": "zhou"}

    with pytest.raises(InvalidInput) as caught:
        load_solution(dumped, problem)

    assert caught.value.errors == [
        FieldError("$.assignments[1].person", "unknown person 'zhao'"),
        FieldError("$.assignments[1].shift", "unknown shift 'tue-day'"),
        FieldError("$.visits[1].visit", "unknown visit 'pills-9'"),
        FieldError("$.visits[1].person", "unknown person 'zhou'"),
        FieldError("$.explanation.holes[0].need", "shift 'mon-night' has 1 need(s)"),
        FieldError("$.explanation.org_load[0].id", "unknown organisation 'police'"),
    ]


def test_load_solution_without_a_problem_skips_the_id_checks() -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(_result(), problem)
    dumped["assignments"][0]["person"] = "zhao"

    assert load_solution(dumped).assignments[0] == ("zhao", "sun-night")


def test_load_solution_rejects_a_solution_of_another_problem() -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(_result(), problem) | {"problem": "another week"}

    with pytest.raises(InvalidInput) as caught:
        load_solution(dumped, problem)

    assert [e.where for e in caught.value.errors] == ["$.problem"]


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"status": "infeasible"}, "$.objective", "expected null, got integer"),
        ({"objective": None}, "$.objective", "expected integer, got null"),
        ({"status": "solved"}, "$.status", "is not one of"),
        ({"format": 0}, "$.format", "must be 1, not 0"),
        ({"wall_time": -1}, "$.wall_time", "minimum"),
        ({"extra": 1}, "$.extra", "unknown field"),
        ({"horizon": None}, "$.horizon", "expected object, got null"),
        (
            {"horizon": {"start": "2026-12-07", "days": 7, "timezone": "Asia/Shanghai"}},
            "$.horizon",
            "differs",
        ),
        (
            {"visits": [{"visit": "bath-1", "person": None, "start": "2026-12-01T09:30"}]},
            "$.visits[0].start",
            "no start",
        ),
        (
            {"visits": [{"visit": "bath-1", "person": "wang", "start": "09:30"}]},
            "$.visits[0].start",
            "not a date-time",
        ),
        (
            {"visits": [{"visit": "bath-1", "person": None, "start": None}] * 2},
            "$.visits[1].visit",
            "repeats",
        ),
    ],
)
def test_load_solution_reports_the_path_of_an_invalid_field(changes: Doc, where: str, message: str) -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(SolveResult("feasible", 5, 5, 1.0), problem) | changes

    with pytest.raises(InvalidInput) as caught:
        load_solution(dumped, problem)

    assert [e.where for e in caught.value.errors] == [where]
    assert message in caught.value.errors[0].message


def test_load_solution_reads_visit_starts_by_the_problems_horizon_when_the_file_has_none() -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(_result(), problem)
    del dumped["horizon"]

    assert load_solution(dumped, problem).visits[0] == ("bath-1", "wang", 1440 + 9 * 60 + 30)
    with pytest.raises(InvalidInput) as caught:
        load_solution(dumped)
    assert caught.value.errors == [
        FieldError("$.visits[0].start", "cannot be read without the horizon or the problem")
    ]


def test_load_solution_accepts_a_hand_written_minimal_file() -> None:
    problem = read_problem(DATA / "station_week.json")
    pair = {"person": "wang", "shift": "mon-day"}
    data = {
        "format": 1,
        "problem": problem.name,
        "status": "feasible",
        "objective": 0,
        "bound": 0,
        "assignments": [pair],
    }

    solution = load_solution(data, problem)

    assert (solution.assignments, solution.visits, solution.wall_time, solution.explanation) == (
        (("wang", "mon-day"),),
        (),
        0.0,
        {},
    )


def test_load_solution_accepts_an_infeasible_outcome() -> None:
    problem = read_problem(DATA / "station_week.json")
    dumped = dump_solution(
        SolveResult("infeasible", None, None, 0.25, conflicts=_result().conflicts), problem
    )

    solution = load_solution(copy.deepcopy(dumped), problem)

    assert (solution.status, solution.objective, solution.assignments) == ("infeasible", None, ())
    assert solution.explanation["conflicts"][0]["person"] == "wang"
