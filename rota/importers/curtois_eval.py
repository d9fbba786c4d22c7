"""Independent evaluator for Curtois rosters: re-checks the hard rules and recomputes the objective.

It reads the instance *text* with its own small reader and shares no code with the importer or
the solver, so a bug in either cannot hide here.  Rules and objective follow FORMAT.md §2 and §3.

    python -m rota.importers.curtois_eval INSTANCE.txt ROSTER.txt

prints one ``VIOLATION ...`` line per breach, ``penalty <family> N`` per soft family and
``objective N``; exit code 0 = feasible, 1 = hard violation(s), 2 = unreadable input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

OFF = frozenset({"-", ".", "OFF"})
PENALTY_FAMILIES = ("shift_on_requests", "shift_off_requests", "cover_under", "cover_over")


class UnreadableInput(Exception):
    """The instance or the roster cannot be read (exit code 2)."""


@dataclass(frozen=True)
class Contract:
    """One employee's line of SECTION_STAFF."""

    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    """The instance as plain lookups, read straight from the text."""

    horizon: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    forbidden_next: dict[str, set[str]] = field(default_factory=dict)
    staff: dict[str, Contract] = field(default_factory=dict)
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    """One breach of a hard rule."""

    rule: str
    employee: str
    message: str

    def __str__(self) -> str:
        return f"VIOLATION {self.rule} {self.employee}: {self.message}"


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one roster: hard violations and the penalty of each soft family."""

    violations: tuple[Violation, ...]
    penalties: dict[str, int]

    @property
    def objective(self) -> int:
        """The Curtois objective: the sum of the soft penalties."""
        return sum(self.penalties.values())

    @property
    def feasible(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations


# A roster: employee -> day -> shift IDs worked that day (a list, so double shifts stay visible).
Roster = dict[str, list[list[str]]]


# --------------------------------------------------------------------------- reading the instance


def read_instance(text: str) -> Instance:
    """Read an instance's text (FORMAT.md §1)."""
    instance = Instance()
    sections = _sections(text)
    for name in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF"):
        if not sections.get(name):
            raise UnreadableInput(f"instance: {name} missing or empty")
    for name, readers in _READERS.items():
        for number, fields in sections.get(name, []):
            try:
                readers(instance, fields)
            except (ValueError, IndexError, KeyError) as exc:
                raise UnreadableInput(f"instance line {number} ({name}): {exc!r}") from exc
    return instance


def _sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Data lines (number, fields) grouped under their SECTION_ header."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line.rstrip(",")
            sections.setdefault(current, [])
        elif not current:
            raise UnreadableInput(f"instance line {number}: data before any section")
        else:
            sections[current].append((number, [f.strip() for f in line.split(",")]))
    return sections


def _read_horizon(instance: Instance, fields: list[str]) -> None:
    """SECTION_HORIZON: the number of days."""
    instance.horizon = int(fields[0])


def _read_shift(instance: Instance, fields: list[str]) -> None:
    """SECTION_SHIFTS: id, length, forbidden successors."""
    instance.lengths[fields[0]] = int(fields[1])
    rest = fields[2] if len(fields) > 2 else ""
    instance.forbidden_next[fields[0]] = {s.strip() for s in rest.split("|") if s.strip()}


def _read_staff(instance: Instance, fields: list[str]) -> None:
    """SECTION_STAFF: id, per-type maxima and six contract numbers."""
    limits = {}
    for entry in filter(None, fields[1].split("|")):
        shift, limit = entry.split("=")
        limits[shift.strip()] = int(limit)
    numbers = [int(v) for v in fields[2:8]]
    if len(numbers) != 6:
        raise ValueError("staff line needs 8 fields")
    instance.staff[fields[0]] = Contract(limits, *numbers)


def _read_days_off(instance: Instance, fields: list[str]) -> None:
    """SECTION_DAYS_OFF: employee then day indexes."""
    days = {int(d) for d in fields[1:] if d}
    if not all(0 <= d < instance.horizon for d in days):
        raise ValueError("day off outside the horizon")
    instance.days_off.setdefault(fields[0], set()).update(days)


def _read_on(instance: Instance, fields: list[str]) -> None:
    """SECTION_SHIFT_ON_REQUESTS: employee, day, shift, weight."""
    instance.on_requests.append((fields[0], int(fields[1]), fields[2], int(fields[3])))


def _read_off(instance: Instance, fields: list[str]) -> None:
    """SECTION_SHIFT_OFF_REQUESTS: employee, day, shift, weight."""
    instance.off_requests.append((fields[0], int(fields[1]), fields[2], int(fields[3])))


def _read_cover(instance: Instance, fields: list[str]) -> None:
    """SECTION_COVER: day, shift, requirement, under weight, over weight."""
    instance.cover.append((int(fields[0]), fields[1], int(fields[2]), int(fields[3]), int(fields[4])))


_READERS = {
    "SECTION_HORIZON": _read_horizon,
    "SECTION_SHIFTS": _read_shift,
    "SECTION_STAFF": _read_staff,
    "SECTION_DAYS_OFF": _read_days_off,
    "SECTION_SHIFT_ON_REQUESTS": _read_on,
    "SECTION_SHIFT_OFF_REQUESTS": _read_off,
    "SECTION_COVER": _read_cover,
}


# --------------------------------------------------------------------------- reading the roster


def read_roster(text: str, instance: Instance) -> Roster:
    """Read a roster in the grid or the long layout (FORMAT.md §5); unlisted employees are off."""
    rows = [re.split(r"[\s,]+", line.strip()) for line in text.splitlines()]
    rows = [row for row in rows if row[0] and not row[0].startswith("#")]
    roster: Roster = {e: [[] for _ in range(instance.horizon)] for e in instance.staff}
    if rows and all(len(row) == instance.horizon + 1 for row in rows):
        _fill_grid(rows, instance, roster)
    elif all(len(row) == 3 and row[1].isdigit() for row in rows):
        _fill_long(rows, instance, roster)
    else:
        raise UnreadableInput(f"roster: lines are neither {instance.horizon + 1} tokens (grid) nor 3 (long)")
    return roster


def _fill_grid(rows: list[list[str]], instance: Instance, roster: Roster) -> None:
    """Grid layout: `EmployeeID tok_0 ... tok_{H-1}`."""
    seen: set[str] = set()
    for employee, *tokens in rows:
        if employee in seen:
            raise UnreadableInput(f"roster: employee {employee} has two lines")
        seen.add(employee)
        for day, token in enumerate(tokens):
            _put(roster, instance, employee, day, token)


def _fill_long(rows: list[list[str]], instance: Instance, roster: Roster) -> None:
    """Long layout: `EmployeeID day ShiftID` per worked day."""
    for employee, day, token in rows:
        if int(day) >= instance.horizon:
            raise UnreadableInput(f"roster: day {day} outside the horizon")
        _put(roster, instance, employee, int(day), token)


def _put(roster: Roster, instance: Instance, employee: str, day: int, token: str) -> None:
    """Record one token, rejecting unknown employees and shifts."""
    if employee not in roster:
        raise UnreadableInput(f"roster: unknown employee {employee}")
    if token in OFF:
        return
    if token not in instance.lengths:
        raise UnreadableInput(f"roster: unknown shift {token} for {employee} on day {day}")
    roster[employee][day].append(token)


# --------------------------------------------------------------------------- hard rules (FORMAT.md §2)


def _blocks(flags: Sequence[bool]) -> Iterator[tuple[int, int, bool]]:
    """Maximal runs of equal flags as (first day, length, flag)."""
    start = 0
    for day in range(1, len(flags) + 1):
        if day == len(flags) or flags[day] != flags[start]:
            yield start, day - start, flags[start]
            start = day


def check_one_shift_per_day(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rule 1: at most one shift per day."""
    return [
        Violation("one_shift_per_day", e, f"day {d}: {'+'.join(s)}") for d, s in enumerate(days) if len(s) > 1
    ]


def check_days_off(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rule 2: nothing on a fixed day off."""
    off = sorted(instance.days_off.get(e, set()))
    return [Violation("days_off", e, f"works {days[d]} on fixed day off {d}") for d in off if days[d]]


def check_rotation(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rule 3: no forbidden shift on the day after a shift (inside the horizon only)."""
    return [
        Violation("shift_rotation", e, f"{s} on day {d} followed by {t} on day {d + 1}")
        for d in range(len(days) - 1)
        for s in days[d]
        for t in days[d + 1]
        if t in instance.forbidden_next[s]
    ]


def check_max_shifts(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rule 4: per-type maxima."""
    limits = instance.staff[e].max_shifts
    counts = {s: sum(day.count(s) for day in days) for s in limits}
    return [
        Violation("max_shifts", e, f"{n} x {s}, limit {limits[s]}")
        for s, n in counts.items()
        if n > limits[s]
    ]


def check_total_minutes(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rules 5 and 6: total minutes within [MinTotalMinutes, MaxTotalMinutes]."""
    contract = instance.staff[e]
    total = sum(instance.lengths[s] for day in days for s in day)
    if total > contract.max_minutes:
        return [Violation("max_total_minutes", e, f"{total} min, limit {contract.max_minutes}")]
    if total < contract.min_minutes:
        return [Violation("min_total_minutes", e, f"{total} min, minimum {contract.min_minutes}")]
    return []


def check_consecutive(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rules 7-9: maximum and minimum working runs and minimum rest runs (edge runs exempt from minima)."""
    contract, last = instance.staff[e], len(days) - 1
    found = []
    for start, length, working in _blocks([bool(day) for day in days]):
        inside = start > 0 and start + length - 1 < last
        where = f"days {start}-{start + length - 1}"
        if working and length > contract.max_consecutive:
            found.append(
                Violation("max_consecutive_shifts", e, f"{where}: {length} > {contract.max_consecutive}")
            )
        if working and inside and length < contract.min_consecutive:
            found.append(
                Violation("min_consecutive_shifts", e, f"{where}: {length} < {contract.min_consecutive}")
            )
        if not working and inside and length < contract.min_days_off:
            found.append(
                Violation("min_consecutive_days_off", e, f"{where}: {length} < {contract.min_days_off}")
            )
    return found


def check_weekends(instance: Instance, e: str, days: list[list[str]]) -> list[Violation]:
    """Rule 10: worked weekends (Saturday 7k+5 or Sunday 7k+6) at most MaxWeekends."""
    weekends = [(7 * k + 5, 7 * k + 6) for k in range(len(days) // 7 + 1)]
    worked = sum(1 for weekend in weekends if any(d < len(days) and days[d] for d in weekend))
    limit = instance.staff[e].max_weekends
    return (
        [Violation("max_weekends", e, f"{worked} weekends worked, limit {limit}")] if worked > limit else []
    )


HARD_CHECKS = (
    check_one_shift_per_day,
    check_days_off,
    check_rotation,
    check_max_shifts,
    check_total_minutes,
    check_consecutive,
    check_weekends,
)


# --------------------------------------------------------------------------- objective (FORMAT.md §3)


def penalties(instance: Instance, roster: Roster) -> dict[str, int]:
    """The weighted penalty of each soft family."""
    works = {(e, d, s) for e, days in roster.items() for d, day in enumerate(days) for s in day}
    count = {(d, s): 0 for d, s, *_ in instance.cover}
    for _, d, s in works:
        count[d, s] = count.get((d, s), 0) + 1
    return {
        "shift_on_requests": sum(w for e, d, s, w in instance.on_requests if (e, d, s) not in works),
        "shift_off_requests": sum(w for e, d, s, w in instance.off_requests if (e, d, s) in works),
        "cover_under": sum(wu * max(0, r - count[d, s]) for d, s, r, wu, _ in instance.cover),
        "cover_over": sum(wo * max(0, count[d, s] - r) for d, s, r, _, wo in instance.cover),
    }


def evaluate(instance_text: str, roster_text: str) -> Evaluation:
    """Check a roster against an instance; raises UnreadableInput for input it cannot read."""
    instance = read_instance(instance_text)
    roster = read_roster(roster_text, instance)
    violations = [v for e, days in roster.items() for check in HARD_CHECKS for v in check(instance, e, days)]
    return Evaluation(tuple(violations), penalties(instance, roster))


def evaluate_files(instance_path: str | Path, roster_path: str | Path) -> Evaluation:
    """Evaluate a roster file against an instance file."""
    try:
        instance_text = Path(instance_path).read_text(encoding="utf-8")
        roster_text = Path(roster_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInput(str(exc)) from exc
    return evaluate(instance_text, roster_text)


def report_lines(evaluation: Evaluation) -> list[str]:
    """The printed report: violations, penalties per family, then the objective."""
    lines = [str(v) for v in evaluation.violations]
    lines += [f"penalty {name} {evaluation.penalties[name]}" for name in PENALTY_FAMILIES]
    return [*lines, f"objective {evaluation.objective}"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the report, return 0 (feasible), 1 (violations) or 2 (unreadable)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m rota.importers.curtois_eval INSTANCE ROSTER", file=sys.stderr)
        return 2
    try:
        evaluation = evaluate_files(args[0], args[1])
    except UnreadableInput as exc:
        print(f"unreadable input: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report_lines(evaluation)))
    return 0 if evaluation.feasible else 1


if __name__ == "__main__":
    sys.exit(main())
