"""The problem file and the solution file: JSON documents that map one to one onto the solver's data.

A problem file is written for people (coordinators attach them to bug reports): dates and local times
in the problem's time zone rather than day and minute numbers.  Loading checks the document against
its JSON Schema (``problem_schema()``, also in ``docs/problem.schema.json``) and then checks what a
schema cannot say (unique ids, references, dates inside the horizon, ...).  Every problem found is
reported at once as ``InvalidInput`` with the JSON path of each, never as a bare exception.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator, validators

from rota.errors import FieldError, InvalidInput
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
from solver.result import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    STATUSES,
    UNKNOWN,
    Message,
    SolveResult,
    VisitOutcome,
)

__all__ = [
    "FORMAT",
    "Solution",
    "dump_problem",
    "dump_solution",
    "load_problem",
    "load_solution",
    "problem_schema",
    "read_problem",
    "read_solution",
    "solution_schema",
]

FORMAT = 1  # the only version of both file formats this module reads and writes

JsonObject = dict[str, Any]
T = TypeVar("T")

# (list in the file, kind of thing named in messages) for every list of things with ids.
_COLLECTIONS = (
    ("organisations", "organisation"),
    ("people", "person"),
    ("shift_types", "shift type"),
    ("shifts", "shift"),
    ("compounds", "compound"),
    ("visits", "visit"),
)
# (minimum, maximum) limit pairs that must not cross.
_MIN_MAX = (
    ("min_shifts", "max_shifts"),
    ("min_minutes", "max_minutes"),
    ("min_minutes_per_week", "max_minutes_per_week"),
    ("min_consecutive_days", "max_consecutive_days"),
)
# Zone keys that exist on a machine but name no place, so a file using them means nothing elsewhere.
_LOCAL_ZONE_KEYS = frozenset({"localtime", "posixrules", "Factory"})
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"))


# --- public API -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Solution:
    """A solution file as read back: the outcome of a solve, with its explanation as written."""

    problem: str
    status: str
    objective: int | None
    bound: int | None
    wall_time: float
    assignments: tuple[tuple[str, str], ...]  # (person, shift), in file order
    explanation: Mapping[str, Any] = field(default_factory=dict)
    visits: tuple[tuple[str, str | None, int | None], ...] = ()  # (visit, person, start minute)


def problem_schema() -> JsonObject:
    """The JSON Schema of the problem file (a fresh copy the caller may change)."""
    text = resources.files("rota").joinpath("problem_schema.json").read_text(encoding="utf-8")
    schema: JsonObject = json.loads(text)
    return schema


def read_problem(path: str | os.PathLike[str]) -> Problem:
    """Reads and validates a problem file."""
    return load_problem(_read_json(path, "problem file"))


def load_problem(data: object) -> Problem:
    """Validates parsed JSON as a problem file and converts it to a ``Problem``."""
    document = _validated(data, problem_schema(), _problem_errors, "problem file")
    return _problem(document, _Clock.of_horizon(document["horizon"]))


def dump_problem(problem: Problem) -> JsonObject:
    """The problem file of a problem, ready for ``json.dump``; fields at their defaults are left out."""
    clock = _Clock.of_problem(problem)
    _check_weekday(problem, clock)
    return {
        "format": FORMAT,
        "name": problem.name,
        "horizon": _dump_horizon(problem),
        "holidays": [clock.date_text(day) for day in sorted(problem.holidays)],
        "organisations": [_dump_organisation(org) for org in problem.organisations],
        "people": [_dump_person(person, clock) for person in problem.people],
        "shift_types": [_dump_shift_type(kind) for kind in problem.shift_types],
        "shifts": [_dump_shift(shift, clock) for shift in problem.shifts],
        "requests": [_dump_request(request, clock) for request in problem.requests],
        "pins": [{"person": pin.person, "shift": pin.shift} | _compact(pin) for pin in problem.pins],
        "previous": _dump_previous(problem.previous),
        "weights": asdict(problem.weights),
        "compounds": [{"id": c.id, "name": c.name} | _compact(c) for c in problem.compounds],
        "travel": [
            {"from": a, "to": b, "minutes": minutes} for (a, b), minutes in sorted(problem.travel.items())
        ],
        "visits": [_dump_visit(visit, clock) for visit in problem.visits],
    }


def solution_schema() -> JsonObject:
    """The JSON Schema of the solution file (a fresh copy the caller may change)."""
    pair = _object({"person": _id_schema(), "shift": _id_schema()})
    shared = problem_schema()["$defs"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:eldercare-rota:solution-file:1",
        "title": "eldercare-rota solution file, format 1",
        "description": "The outcome of one solve of a problem file, with its explanation. "
        "objective and bound are null only when there is no solution.",
        **_object(
            {
                "format": {"const": FORMAT},
                "problem": {"type": "string", "description": "Name of the problem solved."},
                "status": {"enum": list(STATUSES)},
                "objective": {"type": ["integer", "null"]},
                "bound": {"type": ["integer", "null"]},
                "gap": {"type": ["number", "null"], "minimum": 0},
                "wall_time": {"type": "number", "minimum": 0, "description": "Seconds."},
                "horizon": {
                    "$ref": "#/$defs/horizon",
                    "description": "The problem's horizon, by which the date-times here are read; "
                    "when absent, the problem's is used.",
                },
                "assignments": {"type": "array", "items": pair, "uniqueItems": True},
                "visits": {"type": "array", "items": _visit_outcome_schema(shared["datetime"])},
                "explanation": _explanation_schema(),
            },
            required=("format", "problem", "status", "objective", "bound", "assignments"),
        ),
        "$defs": {name: shared[name] for name in ("horizon", "date")},
        "allOf": [
            _when_status(
                [OPTIMAL, FEASIBLE], {"objective": {"type": "integer"}, "bound": {"type": "integer"}}
            ),
            _when_status(
                [INFEASIBLE, UNKNOWN], {"objective": {"type": "null"}, "assignments": {"maxItems": 0}}
            ),
        ],
    }


def read_solution(path: str | os.PathLike[str], problem: Problem | None = None) -> Solution:
    """Reads and validates a solution file, against ``problem`` when given."""
    return load_solution(_read_json(path, "solution file"), problem)


def load_solution(data: object, problem: Problem | None = None) -> Solution:
    """Validates parsed JSON as a solution file (ids against ``problem`` unless None) and converts it."""
    document = _validated(
        data, solution_schema(), lambda doc: _solution_errors(doc, problem), "solution file"
    )
    clock = _solution_clock(document, problem)
    return Solution(
        problem=document["problem"],
        status=document["status"],
        objective=document["objective"],
        bound=document["bound"],
        wall_time=float(document.get("wall_time", 0.0)),
        assignments=tuple((pair["person"], pair["shift"]) for pair in document["assignments"]),
        explanation=dict(document.get("explanation", {})),
        visits=tuple(_visit_choice(outcome, clock) for outcome in document.get("visits", ())),
    )


def dump_solution(result: SolveResult, problem: Problem) -> JsonObject:
    """The solution file of a solve of ``problem``, ready for ``json.dump``."""
    clock = _Clock.of_problem(problem)
    return {
        "format": FORMAT,
        "problem": problem.name,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "wall_time": result.wall_time,
        "horizon": _dump_horizon(problem),
        "assignments": [{"person": person, "shift": shift} for person, shift in result.assignments],
        "visits": [_dump_visit_outcome(outcome, clock) for outcome in result.visits],
        "explanation": _dump_explanation(result),
    }


# --- reading and validating -------------------------------------------------------------------------


def _read_json(path: str | os.PathLike[str], what: str) -> object:
    """The parsed JSON of a file; an unreadable file or bad JSON becomes InvalidInput."""
    try:
        # utf-8-sig: editors on Windows often start UTF-8 files with a byte-order mark.
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the {what}", [FieldError(os.fspath(path), str(exc))]) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{os.fspath(path)}: line {exc.lineno}, column {exc.colno}"
        raise InvalidInput(f"the {what} is not valid JSON", [FieldError(where, exc.msg)]) from exc


def _validated(
    data: object, schema: JsonObject, semantic: Callable[[JsonObject], list[FieldError]], what: str
) -> JsonObject:
    """``data`` once it passed the schema and the semantic checks, else InvalidInput listing all errors."""
    errors = _schema_errors(schema, data)
    if isinstance(data, dict):
        # A value the schema already rejected would only be reported twice in other words.
        reported = {error.where for error in errors}
        errors += [error for error in semantic(data) if error.where not in reported]
    if errors or not isinstance(data, dict):
        raise InvalidInput(f"{what} is invalid", errors)
    return data


def _is_int(value: object) -> TypeGuard[int]:
    """True for a JSON integer (not a boolean, not 5.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_integer(checker: object, instance: object) -> bool:
    """JSON Schema "integer" without its leniency towards 5.0: the solver's numbers are exact ints."""
    return _is_int(instance)


def _schema_errors(schema: JsonObject, data: object) -> list[FieldError]:
    """The schema violations of ``data`` in document order, one per offending field."""
    type_checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    validator = validators.extend(Draft202012Validator, type_checker=type_checker)(schema)
    found: list[FieldError] = []
    # Paths only differ where the same container is indexed, so ints never meet strs in the sort.
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        found += [item for item in _field_errors(error) if item not in found]
    return found


def _field_errors(error: Any) -> list[FieldError]:
    """One schema violation as field errors, pointing at the missing, unknown or repeated item itself."""
    path = list(error.absolute_path)
    return _pointed_errors(error, path) or [FieldError(_path(path), _message(error))]


def _pointed_errors(error: Any, path: list[str | int]) -> list[FieldError]:
    """Errors on the items inside the value at ``path`` that a violation is about, if it names items."""
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [FieldError(_path([*path, name]), "is required") for name in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        unknown = [name for name in error.instance if name not in known]
        return [FieldError(_path([*path, name]), "unknown field") for name in unknown]
    if error.validator == "uniqueItems":
        repeats = _repeats(error.instance)
        return [
            FieldError(_path([*path, again]), f"repeats {_path([*path, first])}") for first, again in repeats
        ]
    return []


def _repeats(items: list[Any]) -> list[tuple[int, int]]:
    """(index of the first occurrence, index of the repeat) for every repeated item of a JSON array."""
    first: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        key = json.dumps(item, sort_keys=True)
        if first.setdefault(key, index) != index:
            repeats.append((first[key], index))
    return repeats


def _message(error: Any) -> str:
    """A short message for a schema violation that does not repeat a whole (maybe large) value."""
    if error.validator == "type":
        expected = error.validator_value
        names = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {names}, got {_json_type(error.instance)}"
    if error.validator == "pattern" and "title" in error.schema:
        return f"{error.instance!r} is not a {error.schema['title']}"
    if error.validator == "const":
        return f"must be {json.dumps(error.validator_value)}, not {json.dumps(error.instance)}"
    return str(error.message)


def _json_type(value: object) -> str:
    """The JSON type name of a parsed value."""
    if value is None:
        return "null"
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "object")


def _path(parts: Iterable[str | int]) -> str:
    """A JSON path such as ``$.shifts[12].end`` from its keys and indexes."""
    return reduce(_child, parts, "$")


def _child(where: str, key: str | int) -> str:
    """The JSON path of ``key`` inside the value at ``where``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    if key.isidentifier():
        return f"{where}.{key}"
    return f"{where}[{json.dumps(key, ensure_ascii=False)}]"


def _elements(parent: object, key: str, where: str) -> list[tuple[str, object]]:
    """The items of the list ``parent[key]`` with their paths; a malformed list is the schema's to report."""
    items = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(items, list):
        return []
    base = _child(where, key)
    return [(_child(base, index), item) for index, item in enumerate(items)]


def _objects(parent: object, key: str, where: str) -> list[tuple[str, JsonObject]]:
    """The objects in the list ``parent[key]`` with their paths, skipping anything that is no object."""
    return [(at, item) for at, item in _elements(parent, key, where) if isinstance(item, dict)]


# --- dates and times --------------------------------------------------------------------------------


def _zone(key: str) -> ZoneInfo:
    """The IANA time zone named ``key``."""
    try:
        if key not in _LOCAL_ZONE_KEYS:
            return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise ValueError(f"unknown time zone {key!r}; use an IANA name such as Asia/Shanghai")


def _date(text: str) -> date:
    """An ISO date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (YYYY-MM-DD)") from None


def _datetime(text: str) -> datetime:
    """An ISO date-time in whole minutes, naive (local) or with a UTC offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date-time (YYYY-MM-DDTHH:MM)") from None
    if moment.second or moment.microsecond:
        raise ValueError(f"{text!r} has seconds; times are in whole minutes")
    return moment


@dataclass(frozen=True)
class _Clock:
    """Converts the file's local dates and times to the solver's day and minute numbers, and back."""

    start: date
    days: int
    zone: ZoneInfo

    @classmethod
    def of_horizon(cls, horizon: JsonObject) -> _Clock:
        """The clock of a file's (valid) horizon."""
        clock = cls(_date(horizon["start"]), horizon["days"], _zone(horizon["timezone"]))
        # Both raise OverflowError for a horizon beyond the calendar's range.
        clock._epoch()
        clock.date_text(clock.days)
        return clock

    @classmethod
    def of_problem(cls, problem: Problem) -> _Clock:
        """The clock of a problem."""
        return cls(_date(problem.start_date), problem.days, _zone(problem.timezone))

    def _epoch(self) -> datetime:
        """Local midnight of day 0, in UTC."""
        return datetime.combine(self.start, time(), tzinfo=self.zone).astimezone(UTC)

    def day(self, text: str) -> int:
        """The day index of an ISO date, which may lie outside the horizon."""
        return (_date(text) - self.start).days

    def horizon_day(self, text: str) -> int:
        """The day index of an ISO date that must lie inside the horizon."""
        return self._inside(self.day(text), text)

    def start_day(self, text: str) -> int:
        """The day index of a date-time's local date, which must lie inside the horizon."""
        moment = _datetime(text)
        local = moment if moment.tzinfo is None else moment.astimezone(self.zone)
        return self._inside((local.date() - self.start).days, f"{text} (local date {local.date()})")

    def _inside(self, day: int, label: str) -> int:
        """``day`` if it lies inside the horizon."""
        if not 0 <= day < self.days:
            last = self.start + timedelta(days=self.days - 1)
            raise ValueError(f"{label} is outside the horizon {self.start}..{last}")
        return day

    def date_text(self, day: int) -> str:
        """The ISO date of a day index."""
        return (self.start + timedelta(days=day)).isoformat()

    def minute(self, text: str) -> int:
        """Minutes from local midnight of day 0 to a date-time, local or with a UTC offset."""
        moment = _datetime(text)
        if moment.tzinfo is None:
            moment = self._localise(moment)
        # Elapsed time, not wall-clock difference, so durations stay right across clock changes.
        minutes, rest = divmod(moment.astimezone(UTC) - self._epoch(), timedelta(minutes=1))
        if rest:
            raise ValueError(f"{text!r} is not a whole number of minutes after the start")
        return minutes

    def _localise(self, local: datetime) -> datetime:
        """A local wall-clock time in the zone (the first one where the clocks go back)."""
        aware = local.replace(tzinfo=self.zone)
        if aware.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != local:
            when = local.isoformat(timespec="minutes")
            raise ValueError(f"{when} does not exist in {self.zone.key}: the clocks skip it")
        return aware

    def datetime_text(self, minute: int) -> str:
        """The local date-time of a minute number, with a UTC offset only where the clocks repeat it."""
        moment = (self._epoch() + timedelta(minutes=minute)).astimezone(self.zone)
        text = moment.replace(tzinfo=None).isoformat(timespec="minutes")
        return text if self.minute(text) == minute else moment.isoformat(timespec="minutes")


# --- semantic checks of a problem file --------------------------------------------------------------


@dataclass
class _Checker:
    """Collects the problems a schema cannot see, each with its JSON path."""

    ids: dict[str, set[str]]  # kind of thing -> its ids
    clock: _Clock | None = None  # None when the horizon itself is broken: dates are then not checked
    errors: list[FieldError] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Records one problem."""
        self.errors.append(FieldError(where, message))

    def ref(self, value: object, kind: str, where: str) -> None:
        """Checks that an id names an existing thing of ``kind``."""
        if isinstance(value, str) and value not in self.ids[kind]:
            self.add(where, f"unknown {kind} {value!r}")

    def convert(self, method: Callable[[_Clock, str], T], value: object, where: str) -> T | None:
        """Applies a clock conversion to a string, recording its error; None if that failed."""
        clock = self.clock
        if clock is None:
            return None
        return self.attempt(lambda text: method(clock, text), value, where)

    def attempt(self, convert: Callable[[str], T], value: object, where: str) -> T | None:
        """``convert(value)`` for a string, recording its error; None if that failed."""
        if not isinstance(value, str):
            return None
        try:
            return convert(value)
        except ValueError as exc:
            self.add(where, str(exc))
        except OverflowError:
            self.add(where, f"{value!r} is out of the calendar's range")
        return None

    def span(self, item: JsonObject, where: str) -> None:
        """Checks the start and end of a time span, and that it ends after it starts."""
        start = self.convert(_Clock.minute, item.get("start"), f"{where}.start")
        end = self.convert(_Clock.minute, item.get("end"), f"{where}.end")
        if start is not None and end is not None and end <= start:
            self.add(f"{where}.end", f"must be after start ({item['start']})")


def _problem_errors(data: JsonObject) -> list[FieldError]:
    """Everything wrong with a problem file that its schema cannot express."""
    check = _Checker(ids=_ids(data))
    check.clock = _check_horizon(data.get("horizon"), check)
    _check_unique_ids(data, check)
    for where, value in _elements(data, "holidays", "$"):
        check.convert(_Clock.horizon_day, value, where)
    for where, person in _objects(data, "people", "$"):
        _check_person(person, where, check)
    for where, kind in _objects(data, "shift_types", "$"):
        for at, other in _elements(kind, "forbidden_next", where):
            check.ref(other, "shift type", at)
    for where, shift in _objects(data, "shifts", "$"):
        _check_shift(shift, where, check)
    for where, request in _objects(data, "requests", "$"):
        _check_request(request, where, check)
    _check_pins(data, check)
    _check_previous(data.get("previous"), check)
    _check_travel(data, check)
    for where, visit in _objects(data, "visits", "$"):
        _check_visit(visit, where, check)
    return check.errors


def _ids(data: JsonObject) -> dict[str, set[str]]:
    """The ids of every kind of thing in a problem file."""
    return {
        kind: {item["id"] for _, item in _objects(data, key, "$") if isinstance(item.get("id"), str)}
        for key, kind in _COLLECTIONS
    }


def _check_horizon(horizon: object, check: _Checker) -> _Clock | None:
    """Checks the time zone and start date; the horizon's clock if they (and the day count) are sound."""
    if not isinstance(horizon, dict):
        return None
    zone = check.attempt(_zone, horizon.get("timezone"), "$.horizon.timezone")
    start = check.attempt(_date, horizon.get("start"), "$.horizon.start")
    days = horizon.get("days")
    if zone is None or start is None or not _is_int(days) or days < 1:
        return None
    try:
        return _Clock.of_horizon(horizon)
    except OverflowError:
        check.add("$.horizon.days", "the horizon ends beyond the calendar's range")
        return None


def _check_unique_ids(data: JsonObject, check: _Checker) -> None:
    """Checks that no two things of one kind share an id."""
    for key, kind in _COLLECTIONS:
        first: dict[str, str] = {}
        for where, item in _objects(data, key, "$"):
            ident = item.get("id")
            if isinstance(ident, str) and first.setdefault(ident, where) != where:
                check.add(f"{where}.id", f"duplicate {kind} id {ident!r} (first at {first[ident]})")


def _check_person(person: JsonObject, where: str, check: _Checker) -> None:
    """Checks one person's references, dates, times and limits."""
    check.ref(person.get("org"), "organisation", f"{where}.org")
    for at, grant in _objects(person, "skills", where):
        start = check.convert(_Clock.day, grant.get("valid_from"), f"{at}.valid_from")
        end = check.convert(_Clock.day, grant.get("valid_until"), f"{at}.valid_until")
        if start is not None and end is not None and end < start:
            check.add(f"{at}.valid_until", f"is before valid_from ({grant['valid_from']})")
    for at, span in _objects(person, "unavailable", where):
        check.span(span, at)
    for at, value in _elements(person, "days_off", where):
        check.convert(_Clock.horizon_day, value, at)
    _check_limits(person.get("limits"), f"{where}.limits", check)
    _check_history(person.get("history"), f"{where}.history", check)


def _check_limits(limits: object, where: str, check: _Checker) -> None:
    """Checks that minimum limits do not exceed maximum ones and that per-type limits name types."""
    if not isinstance(limits, dict):
        return
    for low, high in _MIN_MAX:
        least, most = limits.get(low), limits.get(high)
        if _is_int(least) and _is_int(most) and least > most:
            check.add(f"{where}.{low}", f"{low} ({least}) is greater than {high} ({most})")
    for key in ("max_shifts_per_type", "max_consecutive_by_type"):
        by_type = limits.get(key)
        for kind in by_type if isinstance(by_type, dict) else ():
            check.ref(kind, "shift type", _child(f"{where}.{key}", kind))


def _check_history(history: object, where: str, check: _Checker) -> None:
    """Checks a person's history: its last shift type, a last duty before the start, one open run."""
    if not isinstance(history, dict):
        return
    check.ref(history.get("last_shift_type"), "shift type", f"{where}.last_shift_type")
    end = check.convert(_Clock.minute, history.get("last_shift_end"), f"{where}.last_shift_end")
    if end is not None and end > 0:
        check.add(f"{where}.last_shift_end", "must not be after the start of the horizon")
    worked, off = history.get("consecutive_days_worked"), history.get("consecutive_days_off")
    if _is_int(worked) and _is_int(off) and worked > 0 and off > 0:
        message = "consecutive_days_worked and consecutive_days_off cannot both be above 0"
        check.add(f"{where}.consecutive_days_off", message)


def _check_shift(shift: JsonObject, where: str, check: _Checker) -> None:
    """Checks one shift's type, its times and that its day lies inside the horizon."""
    check.ref(shift.get("type"), "shift type", f"{where}.type")
    check.span(shift, where)
    if "date" in shift:
        check.convert(_Clock.horizon_day, shift["date"], f"{where}.date")
    else:
        check.convert(_Clock.start_day, shift.get("start"), f"{where}.start")


def _check_request(request: JsonObject, where: str, check: _Checker) -> None:
    """Checks one request's person, shift type and date."""
    check.ref(request.get("person"), "person", f"{where}.person")
    check.ref(request.get("shift_type"), "shift type", f"{where}.shift_type")
    check.convert(_Clock.horizon_day, request.get("date"), f"{where}.date")


def _check_pins(data: JsonObject, check: _Checker) -> None:
    """Checks that pins name people and shifts, and that no two pins contradict each other."""
    first: dict[tuple[str, str], tuple[object, str]] = {}
    for where, pin in _objects(data, "pins", "$"):
        person, shift = pin.get("person"), pin.get("shift")
        check.ref(person, "person", f"{where}.person")
        check.ref(shift, "shift", f"{where}.shift")
        if isinstance(person, str) and isinstance(shift, str):
            assigned, at = first.setdefault((person, shift), (pin.get("assigned", True), where))
            if assigned != pin.get("assigned", True):
                check.add(f"{where}.assigned", f"contradicts the pin at {at}")


def _check_previous(previous: object, check: _Checker) -> None:
    """Checks that the previous plan names existing shifts and people."""
    for where, shift in _elements(previous, "shifts", "$.previous"):
        check.ref(shift, "shift", where)
    for where, pair in _objects(previous, "assignments", "$.previous"):
        check.ref(pair.get("person"), "person", f"{where}.person")
        check.ref(pair.get("shift"), "shift", f"{where}.shift")


def _check_travel(data: JsonObject, check: _Checker) -> None:
    """Checks that travel times name compounds, at most once per direction."""
    first: dict[tuple[object, object], str] = {}
    for where, leg in _objects(data, "travel", "$"):
        pair = leg.get("from"), leg.get("to")
        check.ref(pair[0], "compound", f"{where}.from")
        check.ref(pair[1], "compound", f"{where}.to")
        if all(isinstance(end, str) for end in pair) and first.setdefault(pair, where) != where:
            check.add(where, f"repeats the travel time at {first[pair]}")


def _check_visit(visit: JsonObject, where: str, check: _Checker) -> None:
    """Checks one visit's compound, pinned person and start, and its time windows."""
    check.ref(visit.get("compound"), "compound", f"{where}.compound")
    check.ref(visit.get("person"), "person", f"{where}.person")
    for at, window in _objects(visit, "windows", where):
        check.span(window, at)
    check.convert(_Clock.minute, visit.get("start"), f"{where}.start")
    if "start" in visit and visit.get("person") is None:
        check.add(f"{where}.start", "a pinned start needs a pinned person")
    check.convert(_Clock.minute, visit.get("published_start"), f"{where}.published_start")
    if "published_start" in visit and visit.get("published_person") is None:
        check.add(f"{where}.published_start", "a published start needs a published person")


# --- building a Problem from a valid file -----------------------------------------------------------


def _problem(data: JsonObject, clock: _Clock) -> Problem:
    """The Problem of a file that passed every check."""
    horizon = data["horizon"]
    return Problem(
        name=data["name"],
        start_date=horizon["start"],
        days=horizon["days"],
        timezone=horizon["timezone"],
        start_weekday=clock.start.weekday(),
        holidays=frozenset(clock.day(text) for text in data.get("holidays", ())),
        organisations=tuple(_organisation(item) for item in data.get("organisations", ())),
        people=tuple(_person(item, clock) for item in data.get("people", ())),
        shift_types=tuple(_shift_type(item) for item in data.get("shift_types", ())),
        shifts=tuple(_shift(item, clock) for item in data.get("shifts", ())),
        requests=tuple(_request(item, clock) for item in data.get("requests", ())),
        pins=tuple(
            Pin(pin["person"], pin["shift"], pin.get("assigned", True)) for pin in data.get("pins", ())
        ),
        previous=_previous(data.get("previous")),
        weights=Weights(**data.get("weights", {})),
        compounds=tuple(Compound(**item) for item in data.get("compounds", ())),
        travel={(leg["from"], leg["to"]): leg["minutes"] for leg in data.get("travel", ())},
        visits=tuple(_visit(item, clock) for item in data.get("visits", ())),
    )


def _organisation(item: JsonObject) -> Organisation:
    """An organisation from its (valid) file object."""
    return Organisation(
        id=item["id"],
        name=item["name"],
        kind=item["kind"],
        quota_permille=item.get("quota_permille", 0),
        carried_minutes=item.get("carried_minutes", 0),
    )


def _person(item: JsonObject, clock: _Clock) -> Person:
    """A person from their (valid) file object."""
    history = item.get("history")
    return Person(
        id=item["id"],
        name=item["name"],
        org=item["org"],
        skills=tuple(_grant(grant, clock) for grant in item.get("skills", ())),
        languages=tuple(item.get("languages", ())),
        stations=tuple(item.get("stations", ())),
        limits=_limits(item.get("limits", {})),
        unavailable=tuple(_unavailability(span, clock) for span in item.get("unavailable", ())),
        days_off=frozenset(clock.day(text) for text in item.get("days_off", ())),
        fair_share=item.get("fair_share", 0),
        history=None if history is None else _history(history, clock),
    )


def _grant(item: str | JsonObject, clock: _Clock) -> SkillGrant:
    """A skill grant from a skill id or a {skill, valid_from, valid_until} object."""
    if isinstance(item, str):
        return SkillGrant(item)
    since, until = item.get("valid_from"), item.get("valid_until")
    return SkillGrant(
        skill=item["skill"],
        valid_from=None if since is None else clock.day(since),
        valid_until=None if until is None else clock.day(until),
    )


def _limits(item: JsonObject) -> Limits:
    """Contract limits; the per-type maps are copied so the Problem shares nothing with the input."""
    values: JsonObject = {
        key: dict(value) if isinstance(value, dict) else value for key, value in item.items()
    }
    return Limits(**values)


def _unavailability(item: JsonObject, clock: _Clock) -> Unavailability:
    """An unavailability span from its (valid) file object."""
    return Unavailability(
        clock.minute(item["start"]), clock.minute(item["end"]), item.get("kind", "unavailable")
    )


def _history(item: JsonObject, clock: _Clock) -> History:
    """A person's history from its (valid) file object."""
    end = item.get("last_shift_end")
    return History(**{**item, "last_shift_end": None if end is None else clock.minute(end)})


def _shift_type(item: JsonObject) -> ShiftType:
    """A shift type from its (valid) file object."""
    return ShiftType(
        id=item["id"],
        name=item["name"],
        forbidden_next=frozenset(item.get("forbidden_next", ())),
        night=item.get("night", False),
    )


def _shift(item: JsonObject, clock: _Clock) -> Shift:
    """A shift from its (valid) file object; its day is its date, or else its start's local date."""
    return Shift(
        id=item["id"],
        type=item["type"],
        day=clock.day(item["date"]) if "date" in item else clock.start_day(item["start"]),
        start=clock.minute(item["start"]),
        end=clock.minute(item["end"]),
        station=item.get("station", ""),
        minutes=item.get("minutes"),
        required_skills=tuple(item.get("required_skills", ())),
        needs=tuple(Need(**need) for need in item.get("needs", ())),
    )


def _request(item: JsonObject, clock: _Clock) -> Request:
    """A request from its (valid) file object."""
    return Request(
        item["person"], clock.day(item["date"]), item.get("shift_type"), item["on"], item["weight"]
    )


def _visit(item: JsonObject, clock: _Clock) -> Visit:
    """A home visit from its (valid) file object."""
    start = item.get("start")
    return Visit(
        id=item["id"],
        service=item["service"],
        skill=item["skill"],
        compound=item["compound"],
        duration=item["duration"],
        windows=tuple((clock.minute(w["start"]), clock.minute(w["end"])) for w in item["windows"]),
        station=item.get("station", ""),
        urgency=item.get("urgency", 0),
        language=item.get("language"),
        previous_butlers=tuple(item.get("previous_butlers", ())),
        unserved_weight=item.get("unserved_weight", 5000),
        person=item.get("person"),
        start=None if start is None else clock.minute(start),
        published_person=item.get("published_person"),
        published_start=None
        if item.get("published_start") is None
        else clock.minute(item["published_start"]),
    )


def _previous(item: JsonObject | None) -> PreviousPlan | None:
    """The previous plan, if the file has one."""
    if item is None:
        return None
    pairs = frozenset((pair["person"], pair["shift"]) for pair in item["assignments"])
    return PreviousPlan(shifts=frozenset(item["shifts"]), assignments=pairs)


# --- writing a problem file -------------------------------------------------------------------------


def _dump_horizon(problem: Problem) -> JsonObject:
    """A problem's horizon object."""
    return {"start": problem.start_date, "days": problem.days, "timezone": problem.timezone}


def _check_weekday(problem: Problem, clock: _Clock) -> None:
    """Refuses a problem whose weekday disagrees with its start date: the file could not keep it."""
    if problem.start_weekday != clock.start.weekday():
        raise ValueError(
            f"start_weekday {problem.start_weekday} disagrees with start_date {problem.start_date}, "
            f"a {clock.start:%A}: the file format derives the weekday from the date"
        )


def _compact(value: Any, convert: Mapping[str, Callable[[Any], Any]] | None = None) -> JsonObject:
    """A dataclass's optional fields that differ from their defaults, each through its converter if any."""
    out: JsonObject = {}
    for item in fields(value):
        if item.default is not MISSING:
            default = item.default
        elif callable(item.default_factory):
            default = item.default_factory()
        else:
            continue  # a required field: the caller writes it, in the order a reader expects
        current = getattr(value, item.name)
        if current != default:
            out[item.name] = (convert or {}).get(item.name, _same)(current)
    return out


def _same(value: T) -> T:
    """The value itself (the converter of fields written as they are)."""
    return value


def _dump_organisation(org: Organisation) -> JsonObject:
    """An organisation's file object."""
    return {"id": org.id, "name": org.name, "kind": org.kind} | _compact(org)


def _dump_person(person: Person, clock: _Clock) -> JsonObject:
    """A person's file object."""
    convert: dict[str, Callable[[Any], Any]] = {
        "skills": lambda grants: [_dump_grant(grant, clock) for grant in grants],
        "languages": list,
        "stations": list,
        "limits": lambda limits: _compact(
            limits, {"max_shifts_per_type": dict, "max_consecutive_by_type": dict}
        ),
        "unavailable": lambda spans: [_dump_unavailability(span, clock) for span in spans],
        "days_off": lambda days: [clock.date_text(day) for day in sorted(days)],
        "history": lambda history: _compact(history, {"last_shift_end": clock.datetime_text}),
    }
    return {"id": person.id, "name": person.name, "org": person.org} | _compact(person, convert)


def _dump_grant(grant: SkillGrant, clock: _Clock) -> str | JsonObject:
    """A skill grant: just the skill id when it is valid for ever."""
    if grant.valid_from is None and grant.valid_until is None:
        return grant.skill
    return {"skill": grant.skill} | _compact(
        grant, {"valid_from": clock.date_text, "valid_until": clock.date_text}
    )


def _dump_unavailability(span: Unavailability, clock: _Clock) -> JsonObject:
    """An unavailability span's file object."""
    return {"start": clock.datetime_text(span.start), "end": clock.datetime_text(span.end)} | _compact(span)


def _dump_shift_type(kind: ShiftType) -> JsonObject:
    """A shift type's file object."""
    return {"id": kind.id, "name": kind.name} | _compact(kind, {"forbidden_next": sorted})


def _dump_shift(shift: Shift, clock: _Clock) -> JsonObject:
    """A shift's file object, always with its date (the day it belongs to)."""
    head = {
        "id": shift.id,
        "type": shift.type,
        "date": clock.date_text(shift.day),
        "start": clock.datetime_text(shift.start),
        "end": clock.datetime_text(shift.end),
    }
    return head | _compact(shift, {"required_skills": list, "needs": _dump_needs})


def _dump_needs(needs: Iterable[Need]) -> list[JsonObject]:
    """A shift's coverage targets' file objects."""
    return [{"count": need.count} | _compact(need) for need in needs]


def _dump_request(request: Request, clock: _Clock) -> JsonObject:
    """A request's file object."""
    return {
        "person": request.person,
        "date": clock.date_text(request.day),
        "shift_type": request.shift_type,
        "on": request.on,
        "weight": request.weight,
    }


def _dump_visit(visit: Visit, clock: _Clock) -> JsonObject:
    """A home visit's file object."""
    windows = [{"start": clock.datetime_text(a), "end": clock.datetime_text(b)} for a, b in visit.windows]
    head = {
        "id": visit.id,
        "service": visit.service,
        "skill": visit.skill,
        "compound": visit.compound,
        "duration": visit.duration,
        "windows": windows,
    }
    convert: dict[str, Callable[[Any], Any]] = {
        "previous_butlers": list,
        "start": clock.datetime_text,
        "published_start": clock.datetime_text,
    }
    return head | _compact(visit, convert)


def _dump_previous(previous: PreviousPlan | None) -> JsonObject | None:
    """The previous plan's file object, sorted so that files compare well."""
    if previous is None:
        return None
    pairs = [{"person": person, "shift": shift} for person, shift in sorted(previous.assignments)]
    return {"shifts": sorted(previous.shifts), "assignments": pairs}


# --- the solution file ------------------------------------------------------------------------------


def _object(properties: JsonObject, required: Iterable[str] | None = None) -> JsonObject:
    """A closed object schema; all properties are required unless ``required`` says otherwise."""
    names = list(properties) if required is None else list(required)
    return {"type": "object", "additionalProperties": False, "required": names, "properties": properties}


def _id_schema() -> JsonObject:
    """The schema of an id."""
    return {"type": "string", "minLength": 1}


def _when_status(statuses: list[str], properties: JsonObject) -> JsonObject:
    """A schema that applies ``properties`` to solutions whose status is one of ``statuses``."""
    return {
        "if": {"required": ["status"], "properties": {"status": {"enum": statuses}}},
        "then": {"properties": properties},
    }


def _visit_outcome_schema(datetime_schema: JsonObject) -> JsonObject:
    """The schema of who serves a visit and when (both null, with a reason, when nobody does)."""
    nullable_id = {"type": ["string", "null"], "minLength": 1}
    start = datetime_schema | {"type": ["string", "null"]}
    return _object(
        {
            "visit": _id_schema(),
            "person": nullable_id,
            "start": start,
            "reason": _message_schema() | {"type": ["object", "null"]},
        },
        required=("visit", "person", "start"),
    )


def _message_schema() -> JsonObject:
    """The schema of a bilingual message."""
    text = {"type": "string"}
    return _object(
        {"code": text, "zh": text, "en": text, "params": {"type": "object", "additionalProperties": text}},
        required=("code", "zh", "en"),
    )


def _explanation_schema() -> JsonObject:
    """The schema of a solution's explanation."""
    text, ident, message = {"type": "string"}, _id_schema(), _message_schema()
    count = {"type": "integer"}
    load = _object(
        {"id": ident, "shifts": count, "minutes": count, "target_minutes": {"type": ["integer", "null"]}}
    )
    return _object(
        {
            "breakdown": {
                "type": "array",
                "items": _object(
                    {
                        "rule": ident,
                        "label": _object({"zh": text, "en": text}),
                        "count": count,
                        "penalty": count,
                    }
                ),
            },
            "holes": {
                "type": "array",
                "items": _object(
                    {
                        "shift": ident,
                        "need": {"type": "integer", "minimum": 0},
                        "missing": count,
                        "reason": message,
                    }
                ),
            },
            "conflicts": {
                "type": "array",
                "items": _object({"rule": ident, "person": {"type": ["string", "null"]}, "message": message}),
            },
            "person_load": {"type": "array", "items": load},
            "org_load": {"type": "array", "items": load},
        },
        required=(),
    )


def _dump_message(message: Message) -> JsonObject:
    """A bilingual message's file object."""
    return {"code": message.code, "zh": message.zh, "en": message.en, "params": dict(message.params)}


def _dump_visit_outcome(outcome: VisitOutcome, clock: _Clock) -> JsonObject:
    """Who serves a visit and when, or why nobody does."""
    return {
        "visit": outcome.visit,
        "person": outcome.person,
        "start": None if outcome.start is None else clock.datetime_text(outcome.start),
        "reason": None if outcome.reason is None else _dump_message(outcome.reason),
    }


def _solution_clock(data: JsonObject, problem: Problem | None) -> _Clock | None:
    """The clock of a (valid) solution's horizon, else of its problem's; None if it has neither."""
    if "horizon" in data:
        return _Clock.of_horizon(data["horizon"])
    return None if problem is None else _Clock.of_problem(problem)


def _visit_choice(outcome: JsonObject, clock: _Clock | None) -> tuple[str, str | None, int | None]:
    """(visit, person, start minute) from a (valid) visit outcome; a start implies a clock."""
    start = outcome["start"]
    return (
        outcome["visit"],
        outcome["person"],
        None if start is None or clock is None else clock.minute(start),
    )


def _dump_explanation(result: SolveResult) -> JsonObject:
    """The explanation part of a solution file."""
    return {
        "breakdown": [
            {
                "rule": s.rule,
                "label": {"zh": s.label_zh, "en": s.label_en},
                "count": s.count,
                "penalty": s.penalty,
            }
            for s in result.breakdown
        ],
        "holes": [
            {"shift": h.shift, "need": h.need, "missing": h.missing, "reason": _dump_message(h.reason)}
            for h in result.holes
        ],
        "conflicts": [
            {"rule": c.rule, "person": c.person, "message": _dump_message(c.message)}
            for c in result.conflicts
        ],
        "person_load": [asdict(load) for load in result.person_load],
        "org_load": [asdict(load) for load in result.org_load],
    }


def _solution_errors(data: JsonObject, problem: Problem | None) -> list[FieldError]:
    """Everything wrong with a solution file that its schema cannot say, and what does not fit ``problem``."""
    check = _Checker(ids={})
    if "horizon" in data:
        check.clock = _check_horizon(data["horizon"], check)
    elif problem is not None:
        check.clock = _Clock.of_problem(problem)
    first: dict[str, str] = {}
    for where, outcome in _objects(data, "visits", "$"):
        visit = outcome.get("visit")
        if isinstance(visit, str) and first.setdefault(visit, where) != where:
            check.add(f"{where}.visit", f"repeats the outcome at {first[visit]}")
        check.convert(_Clock.minute, outcome.get("start"), f"{where}.start")
        if "horizon" not in data and problem is None and isinstance(outcome.get("start"), str):
            check.add(f"{where}.start", "cannot be read without the horizon or the problem")
        if outcome.get("start") is not None and outcome.get("person") is None:
            check.add(f"{where}.start", "a visit without a person has no start")
    if problem is not None:
        _check_fits_problem(data, problem, check)
    return check.errors


def _check_fits_problem(data: JsonObject, problem: Problem, check: _Checker) -> None:
    """Checks that a solution is for ``problem``: its name, horizon and every id it mentions."""
    check.ids.update(
        person=set(problem.people_by_id),
        shift=set(problem.shifts_by_id),
        organisation=set(problem.organisations_by_id),
        visit={visit.id for visit in problem.visits},
    )
    if isinstance(data.get("problem"), str) and data["problem"] != problem.name:
        check.add("$.problem", f"the solution is for problem {data['problem']!r}, not {problem.name!r}")
    horizon = _dump_horizon(problem)
    if isinstance(data.get("horizon"), dict) and data["horizon"] != horizon:
        check.add("$.horizon", f"differs from the problem's horizon {json.dumps(horizon)}")
    for where, pair in _objects(data, "assignments", "$"):
        check.ref(pair.get("person"), "person", f"{where}.person")
        check.ref(pair.get("shift"), "shift", f"{where}.shift")
    for where, outcome in _objects(data, "visits", "$"):
        check.ref(outcome.get("visit"), "visit", f"{where}.visit")
        check.ref(outcome.get("person"), "person", f"{where}.person")
    _check_explanation(data.get("explanation"), problem, check)


def _check_explanation(explanation: object, problem: Problem, check: _Checker) -> None:
    """Checks that an explanation names the problem's shifts, needs, people and organisations."""
    for where, hole in _objects(explanation, "holes", "$.explanation"):
        check.ref(hole.get("shift"), "shift", f"{where}.shift")
        ident, need = hole.get("shift"), hole.get("need")
        shift = problem.shifts_by_id.get(ident) if isinstance(ident, str) else None
        if shift is not None and _is_int(need) and need >= len(shift.needs):
            check.add(f"{where}.need", f"shift {shift.id!r} has {len(shift.needs)} need(s)")
    for where, conflict in _objects(explanation, "conflicts", "$.explanation"):
        check.ref(conflict.get("person"), "person", f"{where}.person")
    for where, load in _objects(explanation, "person_load", "$.explanation"):
        check.ref(load.get("id"), "person", f"{where}.id")
    for where, load in _objects(explanation, "org_load", "$.explanation"):
        check.ref(load.get("id"), "organisation", f"{where}.id")
