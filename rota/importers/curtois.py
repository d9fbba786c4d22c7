"""The Curtois shift-scheduling benchmark: parse an instance, convert it to a Problem, write rosters.

The format is described in ``../shared/benchmarks/curtois/FORMAT.md``.  The conversion uses only
the general rule catalogue of ``docs/rules.md``; every Curtois rule maps onto one of ours with the
same meaning, so our objective equals the benchmark's objective exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rota.errors import FieldError, InvalidInput
from solver.instance import (
    MINUTES_PER_DAY,
    Limits,
    Need,
    Organisation,
    Person,
    Problem,
    Request,
    Shift,
    ShiftType,
    Weights,
)

HORIZON = "SECTION_HORIZON"
SHIFTS = "SECTION_SHIFTS"
STAFF = "SECTION_STAFF"
DAYS_OFF = "SECTION_DAYS_OFF"
ON_REQUESTS = "SECTION_SHIFT_ON_REQUESTS"
OFF_REQUESTS = "SECTION_SHIFT_OFF_REQUESTS"
COVER = "SECTION_COVER"
SECTIONS = (HORIZON, SHIFTS, STAFF, DAYS_OFF, ON_REQUESTS, OFF_REQUESTS, COVER)
REQUIRED_SECTIONS = (HORIZON, SHIFTS, STAFF)
STAFF_FIELDS = (
    "ID",
    "MaxShifts",
    "MaxTotalMinutes",
    "MinTotalMinutes",
    "MaxConsecutiveShifts",
    "MinConsecutiveShifts",
    "MinConsecutiveDaysOff",
    "MaxWeekends",
)
OFF_TOKENS = frozenset({"-", ".", "OFF"})  # day-off tokens of a roster; never valid shift IDs
EMPLOYEE_ID = re.compile(r"[^\s,#]\S*")
SHIFT_ID = re.compile(r"[^\s,|=#]+")
MAX_ERRORS = 50

# The converted problem: a Monday start date and a station-neutral time zone.
START_DATE = "2024-01-01"
TIMEZONE = "UTC"
SHIFT_START_MINUTE = 6 * 60  # 06:00; a shift of at most 24 h then ends before the next day's shift starts
ORG = Organisation(id="curtois", name="Curtois benchmark staff", kind="other")
NO_EXTRA_WEIGHTS = Weights(
    fairness_per_hour=0,
    org_share_per_hour=0,
    weekend_spread=0,
    night_spread=0,
    holiday_spread=0,
    stability_per_change=0,
)

T = TypeVar("T")


@dataclass(frozen=True)
class CurtoisShiftType:
    """One shift type: its length and the types that may not follow it on the next day."""

    id: str
    minutes: int
    forbidden_next: tuple[str, ...] = ()


@dataclass(frozen=True)
class CurtoisEmployee:
    """One employee's contract; ``max_shifts`` maps shift type to its limit (absent = unlimited)."""

    id: str
    max_shifts: Mapping[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class CurtoisRequest:
    """A weighted wish to work (on-request) or not to work (off-request) a shift on a day."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class CurtoisCover:
    """Staffing target for one (day, shift), priced per missing and per surplus person."""

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class CurtoisInstance:
    """A parsed instance file, in the benchmark's own terms."""

    name: str
    days: int
    shift_types: tuple[CurtoisShiftType, ...]
    staff: tuple[CurtoisEmployee, ...]
    days_off: Mapping[str, frozenset[int]] = field(default_factory=dict)
    on_requests: tuple[CurtoisRequest, ...] = ()
    off_requests: tuple[CurtoisRequest, ...] = ()
    covers: tuple[CurtoisCover, ...] = ()


@dataclass(frozen=True)
class _Line:
    """One data line of a section, split into stripped comma-separated fields."""

    section: str
    number: int
    fields: tuple[str, ...]

    @property
    def where(self) -> str:
        """Location for error messages, e.g. "SECTION_STAFF, line 17"."""
        return f"{self.section}, line {self.number}"


@dataclass(frozen=True)
class _Known:
    """What later sections are checked against."""

    days: int
    shift_ids: frozenset[str]
    staff_ids: frozenset[str] = frozenset()


class _BadLine(Exception):
    """A data line that breaks the format; the message says what is wrong."""


# --------------------------------------------------------------------------- parsing


def parse_file(path: str | Path) -> CurtoisInstance:
    """Parse an instance file; the instance is named after the file (e.g. "Instance1")."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}", [FieldError(str(path), str(exc))]) from exc
    return parse_instance(text, name=path.stem)


def parse_instance(text: str, name: str = "curtois") -> CurtoisInstance:
    """Parse instance text; raises InvalidInput naming section and line of every problem found."""
    errors: list[FieldError] = []
    sections = _split_sections(text, errors)
    _check(errors)
    days = _parse_horizon(sections[HORIZON], errors)
    _check(errors)
    shift_types = _each(sections[SHIFTS], _parse_shift, errors)
    _check_unique(sections[SHIFTS], "shift", errors)
    known = _Known(days, frozenset(line.fields[0] for line in sections[SHIFTS]))
    _check_forbidden_next(sections[SHIFTS], shift_types, known, errors)
    _check(errors)  # later sections name shifts: report a broken SECTION_SHIFTS on its own
    staff = _each(sections[STAFF], lambda line: _parse_employee(line, known), errors)
    _check_unique(sections[STAFF], "employee", errors)
    _check(errors)
    known = _Known(days, known.shift_ids, frozenset(e.id for e in staff))
    instance = CurtoisInstance(
        name=name,
        days=days,
        shift_types=tuple(shift_types),
        staff=tuple(staff),
        days_off=_merge_days_off(_each(sections[DAYS_OFF], lambda ln: _parse_days_off(ln, known), errors)),
        on_requests=tuple(_each(sections[ON_REQUESTS], lambda ln: _parse_request(ln, known), errors)),
        off_requests=tuple(_each(sections[OFF_REQUESTS], lambda ln: _parse_request(ln, known), errors)),
        covers=tuple(_each(sections[COVER], lambda ln: _parse_cover(ln, known), errors)),
    )
    _check(errors)
    return instance


def _check(errors: list[FieldError]) -> None:
    """Raise InvalidInput if any error was collected."""
    if errors:
        count = len(errors)
        raise InvalidInput(f"malformed Curtois instance: {count} error(s)", errors[:MAX_ERRORS])


def _split_sections(text: str, errors: list[FieldError]) -> dict[str, list[_Line]]:
    """Group data lines by section, skipping comments and blank lines."""
    sections: dict[str, list[_Line]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("SECTION_"):
            current = _open_section(stripped, number, sections, errors)
        elif current is None:
            errors.append(FieldError(f"line {number}", "data before the first SECTION_ header"))
        elif current in sections:
            fields = tuple(f.strip() for f in stripped.split(","))
            sections[current].append(_Line(current, number, fields))
    for name in REQUIRED_SECTIONS:
        if name not in sections:
            errors.append(FieldError(name, "required section is missing"))
    return {name: sections.get(name, []) for name in SECTIONS}


def _open_section(
    header: str, number: int, sections: dict[str, list[_Line]], errors: list[FieldError]
) -> str:
    """Start a section; unknown or repeated headers are reported (their lines are then skipped)."""
    name = header.rstrip(",").strip()
    if name not in SECTIONS:
        errors.append(
            FieldError(f"{name}, line {number}", f"unknown section; expected one of {', '.join(SECTIONS)}")
        )
        return name
    if name in sections:
        errors.append(FieldError(f"{name}, line {number}", "section appears a second time"))
        return name + " (repeated)"
    sections[name] = []
    return name


def _each(lines: Sequence[_Line], parse: Callable[[_Line], T], errors: list[FieldError]) -> list[T]:
    """Parse every line, collecting one FieldError per bad line."""
    parsed: list[T] = []
    for line in lines:
        try:
            parsed.append(parse(line))
        except _BadLine as exc:
            errors.append(FieldError(line.where, str(exc)))
    return parsed


def _parse_horizon(lines: Sequence[_Line], errors: list[FieldError]) -> int:
    """The number of days: exactly one data line holding one positive integer."""
    if len(lines) != 1:
        where = lines[1].where if len(lines) > 1 else HORIZON
        errors.append(
            FieldError(where, f"expected exactly one data line (the number of days), found {len(lines)}")
        )
        return 0
    try:
        _expect_fields(lines[0], 1, 1)
        return _integer(lines[0].fields[0], "number of days", minimum=1)
    except _BadLine as exc:
        errors.append(FieldError(lines[0].where, str(exc)))
        return 0


def _parse_shift(line: _Line) -> CurtoisShiftType:
    """`ShiftID, LengthInMinutes, ForbiddenNext` (the last field may be empty or absent)."""
    _expect_fields(line, 2, 3)
    forbidden = line.fields[2] if len(line.fields) == 3 else ""
    return CurtoisShiftType(
        id=_identifier(line.fields[0], "ShiftID", SHIFT_ID),
        minutes=_integer(line.fields[1], "LengthInMinutes", minimum=1, maximum=MINUTES_PER_DAY),
        forbidden_next=tuple(
            _identifier(f.strip(), "ForbiddenNext entry", SHIFT_ID) for f in _split(forbidden)
        ),
    )


def _check_forbidden_next(
    lines: Sequence[_Line], shift_types: Sequence[CurtoisShiftType], known: _Known, errors: list[FieldError]
) -> None:
    """Every shift named in a ForbiddenNext list must be defined in SECTION_SHIFTS."""
    where = {line.fields[0]: line.where for line in lines}
    for shift in shift_types:
        unknown = [s for s in shift.forbidden_next if s not in known.shift_ids]
        if unknown:
            errors.append(
                FieldError(where[shift.id], f"ForbiddenNext names unknown shift(s): {', '.join(unknown)}")
            )


def _parse_employee(line: _Line, known: _Known) -> CurtoisEmployee:
    """One staff line: ID, MaxShifts, then the six contract numbers of STAFF_FIELDS."""
    _expect_fields(line, len(STAFF_FIELDS), len(STAFF_FIELDS))
    numbers = [_integer(value, name) for value, name in zip(line.fields[2:], STAFF_FIELDS[2:], strict=True)]
    return CurtoisEmployee(
        id=_identifier(line.fields[0], "ID", EMPLOYEE_ID),
        max_shifts=_parse_max_shifts(line.fields[1], known),
        max_minutes=numbers[0],
        min_minutes=numbers[1],
        max_consecutive_shifts=numbers[2],
        min_consecutive_shifts=numbers[3],
        min_consecutive_days_off=numbers[4],
        max_weekends=numbers[5],
    )


def _parse_max_shifts(value: str, known: _Known) -> dict[str, int]:
    """`ShiftID=limit|ShiftID=limit|...`; each shift at most once, all shifts defined."""
    limits: dict[str, int] = {}
    for entry in _split(value):
        shift, sep, limit = entry.partition("=")
        shift = shift.strip()
        if not sep:
            raise _BadLine(f"MaxShifts entry {entry!r} is not of the form ShiftID=limit")
        if shift not in known.shift_ids:
            raise _BadLine(f"MaxShifts names unknown shift {shift!r}")
        if shift in limits:
            raise _BadLine(f"MaxShifts lists shift {shift!r} twice")
        limits[shift] = _integer(limit.strip(), f"MaxShifts limit of {shift}")
    return limits


def _parse_days_off(line: _Line, known: _Known) -> tuple[str, frozenset[int]]:
    """`EmployeeID, day, day, ...` (trailing empty fields tolerated)."""
    fields = list(line.fields)
    while len(fields) > 1 and not fields[-1]:
        fields.pop()
    employee = _known_employee(fields[0], known)
    return employee, frozenset(_day(value, known) for value in fields[1:])


def _merge_days_off(entries: Iterable[tuple[str, frozenset[int]]]) -> dict[str, frozenset[int]]:
    """Union the day-off lines of each employee (an employee may have several lines)."""
    merged: dict[str, frozenset[int]] = {}
    for employee, days in entries:
        merged[employee] = merged.get(employee, frozenset()) | days
    return merged


def _parse_request(line: _Line, known: _Known) -> CurtoisRequest:
    """`EmployeeID, Day, ShiftID, Weight`."""
    _expect_fields(line, 4, 4)
    return CurtoisRequest(
        employee=_known_employee(line.fields[0], known),
        day=_day(line.fields[1], known),
        shift=_known_shift(line.fields[2], known),
        weight=_integer(line.fields[3], "Weight"),
    )


def _parse_cover(line: _Line, known: _Known) -> CurtoisCover:
    """`Day, ShiftID, Requirement, WeightForUnder, WeightForOver`."""
    _expect_fields(line, 5, 5)
    return CurtoisCover(
        day=_day(line.fields[0], known),
        shift=_known_shift(line.fields[1], known),
        requirement=_integer(line.fields[2], "Requirement"),
        under_weight=_integer(line.fields[3], "WeightForUnder"),
        over_weight=_integer(line.fields[4], "WeightForOver"),
    )


def _expect_fields(line: _Line, least: int, most: int) -> None:
    """Check the number of comma-separated fields."""
    count = len(line.fields)
    if not least <= count <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise _BadLine(f"expected {wanted} comma-separated fields, found {count}")


def _split(value: str) -> list[str]:
    """Split a `|`-separated list; an empty field is an empty list."""
    return [part.strip() for part in value.split("|")] if value.strip() else []


def _integer(value: str, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number within bounds."""
    if not re.fullmatch(r"[+-]?\d+", value):
        raise _BadLine(f"{name} must be a whole number, got {value!r}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise _BadLine(f"{name} must be >= {minimum}{upper}, got {number}")
    return number


def _identifier(value: str, name: str, pattern: re.Pattern[str]) -> str:
    """An employee or shift ID: non-empty, no blanks, not a roster's day-off token."""
    if not pattern.fullmatch(value) or value in OFF_TOKENS:
        raise _BadLine(f"{name} {value!r} is not a valid ID (empty, blanks, a separator or a day-off token)")
    return value


def _day(value: str, known: _Known) -> int:
    """A day index inside the horizon."""
    return _integer(value, "day", minimum=0, maximum=known.days - 1)


def _known_employee(value: str, known: _Known) -> str:
    """An employee ID defined in SECTION_STAFF."""
    if value not in known.staff_ids:
        raise _BadLine(f"unknown employee {value!r} (not in SECTION_STAFF)")
    return value


def _known_shift(value: str, known: _Known) -> str:
    """A shift ID defined in SECTION_SHIFTS."""
    if value not in known.shift_ids:
        raise _BadLine(f"unknown shift {value!r} (not in SECTION_SHIFTS)")
    return value


def _check_unique(lines: Sequence[_Line], what: str, errors: list[FieldError]) -> None:
    """Report an ID defined twice, at its later definition."""
    seen: set[str] = set()
    for line in lines:
        if line.fields[0] in seen:
            errors.append(FieldError(line.where, f"{what} {line.fields[0]!r} is defined twice"))
        seen.add(line.fields[0])


# --------------------------------------------------------------------------- conversion


def shift_id(day: int, shift_type: str) -> str:
    """The Problem's shift ID for one (day, shift type) slot."""
    return f"day{day}-{shift_type}"


def to_problem(instance: CurtoisInstance) -> Problem:
    """Express the instance with the general rule catalogue only (same objective, same feasibility)."""
    return Problem(
        name=instance.name,
        start_date=START_DATE,
        days=instance.days,
        timezone=TIMEZONE,
        start_weekday=0,
        organisations=(ORG,),
        people=tuple(_person(e, instance.days_off.get(e.id, frozenset())) for e in instance.staff),
        shift_types=tuple(
            ShiftType(id=t.id, name=t.id, forbidden_next=frozenset(t.forbidden_next))
            for t in instance.shift_types
        ),
        shifts=_shifts(instance),
        requests=_requests(instance),
        weights=NO_EXTRA_WEIGHTS,
    )


def _person(employee: CurtoisEmployee, days_off: frozenset[int]) -> Person:
    """One employee; no history, so edge blocks are exempt exactly as in the benchmark."""
    limits = Limits(
        max_shifts_per_type=dict(employee.max_shifts),
        max_shifts_per_day=1,
        max_minutes=employee.max_minutes,
        min_minutes=employee.min_minutes,
        max_consecutive_days=employee.max_consecutive_shifts,
        min_consecutive_days=employee.min_consecutive_shifts,
        min_consecutive_days_off=employee.min_consecutive_days_off,
        max_weekends=employee.max_weekends,
        min_rest_minutes=None,
    )
    return Person(
        id=employee.id,
        name=employee.id,
        org=ORG.id,
        limits=limits,
        days_off=days_off,
        fair_share=0,
        history=None,
    )


def _shifts(instance: CurtoisInstance) -> tuple[Shift, ...]:
    """One shift per (day, shift type), carrying that slot's cover lines as needs."""
    needs: dict[tuple[int, str], list[Need]] = {}
    for cover in instance.covers:
        need = Need(count=cover.requirement, under_weight=cover.under_weight, over_weight=cover.over_weight)
        needs.setdefault((cover.day, cover.shift), []).append(need)
    return tuple(
        Shift(
            id=shift_id(day, kind.id),
            type=kind.id,
            day=day,
            start=day * MINUTES_PER_DAY + SHIFT_START_MINUTE,
            end=day * MINUTES_PER_DAY + SHIFT_START_MINUTE + kind.minutes,
            minutes=kind.minutes,
            needs=tuple(needs.get((day, kind.id), ())),
        )
        for day in range(instance.days)
        for kind in instance.shift_types
    )


def _requests(instance: CurtoisInstance) -> tuple[Request, ...]:
    """On-requests then off-requests, in file order."""
    on = [Request(r.employee, r.day, r.shift, on=True, weight=r.weight) for r in instance.on_requests]
    off = [Request(r.employee, r.day, r.shift, on=False, weight=r.weight) for r in instance.off_requests]
    return tuple(on + off)


# --------------------------------------------------------------------------- roster export


def roster_lines(problem: Problem, assignments: Iterable[tuple[str, str]]) -> list[str]:
    """One line per person: `<EmployeeID> <day0> ... <dayH-1>`, a shift type ID or `-` per day."""
    grid = {p.id: ["-"] * problem.days for p in problem.people}
    for person, shift_ref in assignments:
        shift = problem.shifts_by_id.get(shift_ref)
        if person not in grid or shift is None:
            raise InvalidInput(
                "roster does not match the problem", [FieldError(f"{person}/{shift_ref}", "unknown")]
            )
        if grid[person][shift.day] != "-":
            where = f"{person}, day {shift.day}"
            raise InvalidInput("a Curtois roster holds one shift per day", [FieldError(where, "two shifts")])
        grid[person][shift.day] = shift.type
    return [" ".join([person, *tokens]) for person, tokens in grid.items()]


def roster_text(problem: Problem, assignments: Iterable[tuple[str, str]]) -> str:
    """The roster file's text (newline-terminated lines)."""
    return "".join(line + "\n" for line in roster_lines(problem, assignments))
