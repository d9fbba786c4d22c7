"""Independent re-check of a rota against docs/rules.md: the executable specification.

``validate`` takes a problem and a list of ``(person, shift)`` pairs and reports every hard
rule the assignment breaks and every soft rule's penalty, recomputing the objective.  It is
written straight from the rule catalogue in plain Python and deliberately shares no code with
the CP-SAT model (no ortools, nothing from ``solver.rules`` or ``solver.model``), so that the two
can check each other.

Conventions that docs/rules.md leaves open, chosen here (and to be matched by the model):

* ``A`` is the set of assignments that name a known person and a known shift, each pair once;
  unknown ids and repeated pairs are reported (``unknown_reference``/``duplicate_assignment``)
  and otherwise ignored.
* Day-based rules look only at days ``0..days-1``; history enters only where the rule says so.
  A run of working days (or days off) that lies wholly before day 0 is not checked.
* A soft rule's count is the number of penalty units that carry a positive weight: a weight of
  0 (or below, which the problem file forbids) switches the term off, so it neither costs nor
  counts.
* History enters ``max_consecutive_by_type`` nowhere (the rule does not say how long the
  person's run of that type before day 0 was).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from solver.instance import MINUTES_PER_DAY, History, Need, Person, Problem, Shift
from solver.validate_visits import VisitChoice, check_visits

HARD_RULES = (
    "unknown_reference",
    "duplicate_assignment",
    "qualification",
    "availability",
    "no_double_booking",
    "min_rest",
    "forbidden_succession",
    "max_shifts",
    "min_shifts",
    "max_shifts_per_type",
    "max_shifts_per_week",
    "max_minutes",
    "min_minutes",
    "max_minutes_per_week",
    "min_minutes_per_week",
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "max_consecutive_by_type",
    "max_weekends",
    "pins",
)
SOFT_RULES = (
    "coverage_under",
    "coverage_over",
    "shift_on_request",
    "shift_off_request",
    "fairness",
    "org_share",
    "weekend_fairness",
    "night_fairness",
    "holiday_fairness",
    "stability",
    "visit_unserved",
    "visit_continuity",
    "visit_language",
    "visit_lateness",
    "visit_stability",
)
NO_HISTORY = History()

Pair = tuple[str, str]
Score = tuple[int, int]  # (count in the rule's penalty unit, weighted penalty)


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, located as precisely as the rule allows."""

    rule: str
    person: str | None
    shift: str | None
    day: int | None
    detail: str


@dataclass(frozen=True)
class Validation:
    """Everything ``validate`` found: hard-rule violations, soft-rule scores and the objective."""

    violations: tuple[Violation, ...]
    scores: dict[str, Score]
    objective: int

    @property
    def feasible(self) -> bool:
        """True if no hard rule is broken."""
        return not self.violations


# --------------------------------------------------------------------------- the indexed plan


@dataclass(frozen=True)
class Plan:
    """The valid assignment ``A``, indexed by person, person-day and shift (built once)."""

    problem: Problem
    pairs: frozenset[Pair]
    shifts_of: Mapping[str, tuple[Shift, ...]]  # every person, shifts by (start, end, id)
    shifts_on: Mapping[tuple[str, int], tuple[Shift, ...]]  # (person, day) -> shifts
    assignees: Mapping[str, tuple[Person, ...]]  # every shift, people in problem order

    @classmethod
    def build(cls, problem: Problem, pairs: Iterable[Pair]) -> Plan:
        """Index the pairs that name a known person and shift, each pair once."""
        people, shifts = problem.people_by_id, problem.shifts_by_id
        valid = frozenset(pair for pair in pairs if pair[0] in people and pair[1] in shifts)
        by_person: dict[str, list[Shift]] = {p.id: [] for p in problem.people}
        by_shift: dict[str, list[Person]] = {s.id: [] for s in problem.shifts}
        for person_id, shift_id in valid:
            by_person[person_id].append(shifts[shift_id])
        on_day: dict[tuple[str, int], list[Shift]] = defaultdict(list)
        for person in problem.people:  # problem order, sorted shifts: deterministic listings
            by_person[person.id].sort(key=lambda s: (s.start, s.end, s.id))
            for shift in by_person[person.id]:
                on_day[person.id, shift.day].append(shift)
                by_shift[shift.id].append(person)
        return cls(
            problem=problem,
            pairs=valid,
            shifts_of={p: tuple(ss) for p, ss in by_person.items()},
            shifts_on={key: tuple(ss) for key, ss in on_day.items()},
            assignees={s: tuple(ps) for s, ps in by_shift.items()},
        )

    def on(self, person: str, day: int) -> tuple[Shift, ...]:
        """The person's shifts on a day."""
        return self.shifts_on.get((person, day), ())

    def works(self, person: str, day: int) -> bool:
        """``work(p, d)``: the person has at least one shift on the day."""
        return (person, day) in self.shifts_on

    def working_days(self, person: str) -> list[bool]:
        """``work(p, d)`` for every day of the horizon."""
        return [self.works(person, d) for d in range(self.problem.days)]

    def minutes(self, person: str) -> int:
        """``minutes(p)``: the summed duration of the person's shifts."""
        return sum(s.duration for s in self.shifts_of[person])


# --------------------------------------------------------------------------- small helpers


def _clock(minute: int) -> str:
    """A minute offset as "day D HH:MM" (negative minutes fall on negative days)."""
    return f"day {minute // MINUTES_PER_DAY} {_hhmm(minute)}"


def _hhmm(minute: int) -> str:
    """The time of day of a minute offset, "HH:MM"."""
    rest = minute % MINUTES_PER_DAY
    return f"{rest // 60:02d}:{rest % 60:02d}"


def _span(shift: Shift) -> str:
    """A shift's id and time span, for details: "s1 (day 0 08:00-16:00)"."""
    same_day = shift.start // MINUTES_PER_DAY == shift.end // MINUTES_PER_DAY
    return f"{shift.id} ({_clock(shift.start)}-{_hhmm(shift.end) if same_day else _clock(shift.end)})"


def _days(first: int, last: int) -> str:
    """A day range for details: "day 3" or "days 3-7"."""
    return f"day {first}" if first == last else f"days {first}-{last}"


def _ceil_div(a: int, b: int) -> int:
    """Ceiling of the non-negative fraction a/b, in integers."""
    return -(-a // b)


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The (first, last) index of every maximal run of True values."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def _history(person: Person) -> History:
    """The person's history, zeros when unknown."""
    return person.history or NO_HISTORY


def _weeks(problem: Problem) -> dict[int, range]:
    """Every week touching the horizon, with the horizon days it holds."""
    weeks: dict[int, range] = {}
    for week in sorted({problem.week(d) for d in range(problem.days)}):
        first = 7 * week - problem.start_weekday
        weeks[week] = range(max(0, first), min(problem.days, first + 7))
    return weeks


def _week(week: int, weeks: Mapping[int, range]) -> str:
    """A week for details: "week 2 (days 7-13)"."""
    return f"week {week} ({_days(weeks[week][0], weeks[week][-1])})"


def _per_week(problem: Problem, plan: Plan, person: str, value: Callable[[Shift], int]) -> dict[int, int]:
    """Sum of ``value`` over the person's shifts, per week (weeks without shifts are absent)."""
    totals: dict[int, int] = defaultdict(int)
    for shift in plan.shifts_of[person]:
        totals[problem.week(shift.day)] += value(shift)
    return totals


# --------------------------------------------------------------------------- references


def check_unknown_reference(problem: Problem, pairs: Sequence[Pair]) -> list[Violation]:
    """Every assignment names a person and a shift of the problem."""
    found: list[Violation] = []
    for person, shift in pairs:
        unknown = [
            f"unknown {kind} {ident}"
            for kind, ident, known in (
                ("person", person, problem.people_by_id),
                ("shift", shift, problem.shifts_by_id),
            )
            if ident not in known
        ]
        if unknown:
            day = problem.shifts_by_id[shift].day if shift in problem.shifts_by_id else None
            detail = f"assignment ({person}, {shift}) names {' and '.join(unknown)}"
            found.append(Violation("unknown_reference", person, shift, day, detail))
    return found


def check_duplicate_assignment(problem: Problem, pairs: Sequence[Pair]) -> list[Violation]:
    """No (person, shift) pair is listed twice."""
    found: list[Violation] = []
    for (person, shift), times in Counter(pairs).items():
        if times > 1:
            day = problem.shifts_by_id[shift].day if shift in problem.shifts_by_id else None
            detail = f"assignment ({person}, {shift}) is listed {times} times"
            found.append(Violation("duplicate_assignment", person, shift, day, detail))
    return found


# --------------------------------------------------------------------------- hard rules


def check_qualification(problem: Problem, plan: Plan) -> list[Violation]:
    """Assignees hold every required skill on the shift's day and may work at its station."""
    found: list[Violation] = []
    for person in problem.people:
        for shift in plan.shifts_of[person.id]:
            missing = [k for k in shift.required_skills if not person.qualified(k, shift.day)]
            if missing:
                detail = (
                    f"person {person.id} on shift {shift.id} (day {shift.day}) lacks a valid "
                    f"{', '.join(missing)}"
                )
                found.append(Violation("qualification", person.id, shift.id, shift.day, detail))
            if person.stations and shift.station not in person.stations:
                detail = (
                    f"person {person.id} on shift {shift.id} works at station {shift.station!r}, "
                    f"allowed only {', '.join(person.stations)}"
                )
                found.append(Violation("qualification", person.id, shift.id, shift.day, detail))
    return found


def check_availability(problem: Problem, plan: Plan) -> list[Violation]:
    """No shift overlaps the person's unavailability or falls on a fixed day off."""
    found: list[Violation] = []
    for person in problem.people:
        for shift in plan.shifts_of[person.id]:
            for gap in person.unavailable:
                if shift.start < gap.end and gap.start < shift.end:
                    detail = (
                        f"person {person.id} on shift {_span(shift)} overlaps {gap.kind} "
                        f"{_clock(gap.start)}-{_clock(gap.end)}"
                    )
                    found.append(Violation("availability", person.id, shift.id, shift.day, detail))
            if shift.day in person.days_off:
                detail = f"person {person.id} on shift {shift.id} on day {shift.day}, a fixed day off"
                found.append(Violation("availability", person.id, shift.id, shift.day, detail))
    return found


def check_no_double_booking(problem: Problem, plan: Plan) -> list[Violation]:
    """No two shifts of a person overlap, and at most max_shifts_per_day shifts a day."""
    found: list[Violation] = []
    for person in problem.people:
        earlier: list[Shift] = []  # started no later than the current shift, still running
        for shift in plan.shifts_of[person.id]:  # sorted by start
            earlier = [a for a in earlier if a.end > shift.start]
            for a in earlier:
                if a.start < shift.end and shift.start < a.end:
                    detail = f"person {person.id} has overlapping shifts {_span(a)} and {_span(shift)}"
                    found.append(Violation("no_double_booking", person.id, shift.id, shift.day, detail))
            earlier.append(shift)
        limit = person.limits.max_shifts_per_day
        for day in range(problem.days):
            on_day = plan.on(person.id, day)
            if len(on_day) > limit:
                ids = ", ".join(s.id for s in on_day)
                detail = f"person {person.id} has {len(on_day)} shifts on day {day} ({ids}), limit {limit}"
                found.append(Violation("no_double_booking", person.id, None, day, detail))
    return found


def check_min_rest(problem: Problem, plan: Plan) -> list[Violation]:
    """Between the end of one shift and the start of a later one the person rests min_rest_minutes."""
    found: list[Violation] = []
    for person in problem.people:
        rest = person.limits.min_rest_minutes
        if rest is None:
            continue
        by_end = sorted(plan.shifts_of[person.id], key=lambda s: (s.end, s.start, s.id))
        ends = [s.end for s in by_end]
        last_end = _history(person).last_shift_end
        for b in plan.shifts_of[person.id]:
            if last_end is not None and b.start - last_end < rest:
                detail = (
                    f"person {person.id} rests {b.start - last_end} minutes between the last shift "
                    f"before day 0 (ends {_clock(last_end)}) and shift {b.id} (starts {_clock(b.start)}), "
                    f"minimum {rest}"
                )
                found.append(Violation("min_rest", person.id, b.id, b.day, detail))
            # the shifts a with a.end <= b.start and b.start - a.end < rest
            for a in by_end[bisect_left(ends, b.start - rest + 1) : bisect_right(ends, b.start)]:
                if a is not b:
                    detail = (
                        f"person {person.id} rests {b.start - a.end} minutes between shift {a.id} "
                        f"(ends {_clock(a.end)}) and shift {b.id} (starts {_clock(b.start)}), "
                        f"minimum {rest}"
                    )
                    found.append(Violation("min_rest", person.id, b.id, b.day, detail))
    return found


def check_forbidden_succession(problem: Problem, plan: Plan) -> list[Violation]:
    """A shift of type t on day d is not followed on day d+1 by a type in t.forbidden_next."""
    types = problem.shift_types_by_id
    found: list[Violation] = []
    for person in problem.people:
        last_type = _history(person).last_shift_type
        for day in range(problem.days):
            if day == 0:
                previous_types = [] if last_type is None else [last_type]
            else:
                previous_types = sorted({s.type for s in plan.on(person.id, day - 1)})
            for t in previous_types:
                forbidden = types[t].forbidden_next if t in types else frozenset()
                for shift in plan.on(person.id, day):
                    if shift.type in forbidden:
                        detail = (
                            f"person {person.id} works type {shift.type} (shift {shift.id}) on day {day} "
                            f"after type {t} on day {day - 1}, a forbidden succession"
                        )
                        found.append(Violation("forbidden_succession", person.id, shift.id, day, detail))
    return found


def check_max_shifts(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at most max_shifts shifts over the horizon."""
    found: list[Violation] = []
    for person in problem.people:
        limit, worked = person.limits.max_shifts, len(plan.shifts_of[person.id])
        if limit is not None and worked > limit:
            detail = f"person {person.id} works {worked} shifts, limit {limit}"
            found.append(Violation("max_shifts", person.id, None, None, detail))
    return found


def check_min_shifts(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at least min_shifts shifts over the horizon."""
    found: list[Violation] = []
    for person in problem.people:
        limit, worked = person.limits.min_shifts, len(plan.shifts_of[person.id])
        if limit is not None and worked < limit:
            detail = f"person {person.id} works {worked} shifts, minimum {limit}"
            found.append(Violation("min_shifts", person.id, None, None, detail))
    return found


def check_max_shifts_per_type(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at most the mapped number of shifts of each limited type."""
    found: list[Violation] = []
    for person in problem.people:
        worked = Counter(s.type for s in plan.shifts_of[person.id])
        for shift_type, limit in sorted(person.limits.max_shifts_per_type.items()):
            if worked[shift_type] > limit:
                detail = (
                    f"person {person.id} works {worked[shift_type]} shifts of type {shift_type}, "
                    f"limit {limit}"
                )
                found.append(Violation("max_shifts_per_type", person.id, None, None, detail))
    return found


def check_max_shifts_per_week(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at most max_shifts_per_week shifts on the days of any one week."""
    found: list[Violation] = []
    weeks = _weeks(problem)
    for person in problem.people:
        limit = person.limits.max_shifts_per_week
        if limit is None:
            continue
        for week, worked in sorted(_per_week(problem, plan, person.id, lambda s: 1).items()):
            if worked > limit and week in weeks:
                detail = f"person {person.id} works {worked} shifts in {_week(week, weeks)}, limit {limit}"
                found.append(Violation("max_shifts_per_week", person.id, None, weeks[week][0], detail))
    return found


def check_max_minutes(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at most max_minutes over the horizon."""
    found: list[Violation] = []
    for person in problem.people:
        limit, worked = person.limits.max_minutes, plan.minutes(person.id)
        if limit is not None and worked > limit:
            detail = f"person {person.id} works {worked} minutes, limit {limit}"
            found.append(Violation("max_minutes", person.id, None, None, detail))
    return found


def check_min_minutes(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at least min_minutes over the horizon."""
    found: list[Violation] = []
    for person in problem.people:
        limit, worked = person.limits.min_minutes, plan.minutes(person.id)
        if limit is not None and worked < limit:
            detail = f"person {person.id} works {worked} minutes, minimum {limit}"
            found.append(Violation("min_minutes", person.id, None, None, detail))
    return found


def check_max_minutes_per_week(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at most max_minutes_per_week on the days of any one week."""
    found: list[Violation] = []
    weeks = _weeks(problem)
    for person in problem.people:
        limit = person.limits.max_minutes_per_week
        if limit is None:
            continue
        for week, worked in sorted(_per_week(problem, plan, person.id, lambda s: s.duration).items()):
            if worked > limit and week in weeks:
                detail = f"person {person.id} works {worked} minutes in {_week(week, weeks)}, limit {limit}"
                found.append(Violation("max_minutes_per_week", person.id, None, weeks[week][0], detail))
    return found


def check_min_minutes_per_week(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works at least min_minutes_per_week in every week lying wholly inside the horizon."""
    found: list[Violation] = []
    whole_weeks = {w: days for w, days in _weeks(problem).items() if len(days) == 7}
    for person in problem.people:
        limit = person.limits.min_minutes_per_week
        if limit is None:
            continue
        worked = _per_week(problem, plan, person.id, lambda s: s.duration)
        for week, days in whole_weeks.items():
            if worked.get(week, 0) < limit:
                detail = (
                    f"person {person.id} works {worked.get(week, 0)} minutes in {_week(week, whole_weeks)}, "
                    f"minimum {limit}"
                )
                found.append(Violation("min_minutes_per_week", person.id, None, days[0], detail))
    return found


def check_max_consecutive_days(problem: Problem, plan: Plan) -> list[Violation]:
    """Every run of working days, extended before day 0 by history, is at most max_consecutive_days."""
    found: list[Violation] = []
    for person in problem.people:
        limit = person.limits.max_consecutive_days
        if limit is None:
            continue
        for first, last in _runs(plan.working_days(person.id)):
            before = _history(person).consecutive_days_worked if first == 0 else 0
            length = last - first + 1 + before
            if length > limit:
                extra = f" plus {before} before day 0" if before else ""
                detail = (
                    f"person {person.id} works {length} consecutive days ({_days(first, last)}{extra}), "
                    f"limit {limit}"
                )
                found.append(Violation("max_consecutive_days", person.id, None, first, detail))
    return found


def _enclosed_run_lengths(
    problem: Problem, flags: Sequence[bool], same_before: int, other_before: int
) -> list[tuple[int, int, int, int]]:
    """(first, last, length, days before day 0) of every run the minimum-run rules constrain.

    A run ending on the last day is exempt; a run starting on day 0 is exempt unless history
    says what came before: a run of the same kind (``same_before`` > 0) extends it, a run of
    the other kind (``other_before`` > 0) encloses it as it is.
    """
    constrained: list[tuple[int, int, int, int]] = []
    for first, last in _runs(flags):
        if last == problem.days - 1:
            continue
        before = 0
        if first == 0:
            if same_before > 0:
                before = same_before
            elif other_before <= 0:
                continue
        constrained.append((first, last, last - first + 1 + before, before))
    return constrained


def check_min_consecutive_days(problem: Problem, plan: Plan) -> list[Violation]:
    """Every run of working days with a day off on both sides is at least min_consecutive_days."""
    return _check_min_runs(problem, plan, working=True)


def check_min_consecutive_days_off(problem: Problem, plan: Plan) -> list[Violation]:
    """Every run of days off with a working day on both sides is at least min_consecutive_days_off."""
    return _check_min_runs(problem, plan, working=False)


def _check_min_runs(problem: Problem, plan: Plan, *, working: bool) -> list[Violation]:
    """The minimum-run rule of working days (``working``) or of days off, for every person."""
    rule = "min_consecutive_days" if working else "min_consecutive_days_off"
    found: list[Violation] = []
    for person in problem.people:
        limit, history = getattr(person.limits, rule), _history(person)
        if limit is None:
            continue
        worked, off = history.consecutive_days_worked, history.consecutive_days_off
        flags = [w == working for w in plan.working_days(person.id)]
        same, other = (worked, off) if working else (off, worked)
        for first, last, length, before in _enclosed_run_lengths(problem, flags, same, other):
            if length < limit:
                extra = f" plus {before} before day 0" if before else ""
                what = (
                    f"works only {length} consecutive days"
                    if working
                    else (f"has only {length} consecutive days off")
                )
                detail = f"person {person.id} {what} ({_days(first, last)}{extra}), minimum {limit}"
                found.append(Violation(rule, person.id, None, first, detail))
    return found


def check_max_consecutive_by_type(problem: Problem, plan: Plan) -> list[Violation]:
    """Every run of days with a shift of a limited type is at most the mapped length."""
    found: list[Violation] = []
    for person in problem.people:
        for shift_type, limit in sorted(person.limits.max_consecutive_by_type.items()):
            flags = [any(s.type == shift_type for s in plan.on(person.id, d)) for d in range(problem.days)]
            for first, last in _runs(flags):
                if last - first + 1 > limit:
                    detail = (
                        f"person {person.id} works type {shift_type} on {last - first + 1} consecutive days "
                        f"({_days(first, last)}), limit {limit}"
                    )
                    found.append(Violation("max_consecutive_by_type", person.id, None, first, detail))
    return found


def check_max_weekends(problem: Problem, plan: Plan) -> list[Violation]:
    """A person works on at most max_weekends weekends (a weekend may be one day at the edges)."""
    found: list[Violation] = []
    for person in problem.people:
        limit = person.limits.max_weekends
        if limit is None:
            continue
        days = [d for d in range(problem.days) if problem.is_weekend(d) and plan.works(person.id, d)]
        weekends = {problem.week(d) for d in days}
        if len(weekends) > limit:
            detail = (
                f"person {person.id} works {len(weekends)} weekends (days {', '.join(map(str, days))}), "
                f"limit {limit}"
            )
            found.append(Violation("max_weekends", person.id, None, None, detail))
    return found


def check_pins(problem: Problem, plan: Plan) -> list[Violation]:
    """Pinned pairs are assigned, pinned-out pairs are not."""
    found: list[Violation] = []
    for pin in problem.pins:
        assigned = (pin.person, pin.shift) in plan.pairs
        if assigned != pin.assigned:
            shift = problem.shifts_by_id.get(pin.shift)
            wanted = "pinned to" if pin.assigned else "pinned off"
            actual = "is not assigned" if pin.assigned else "is assigned"
            detail = f"person {pin.person} is {wanted} shift {pin.shift} but {actual}"
            found.append(Violation("pins", pin.person, pin.shift, shift.day if shift else None, detail))
    return found


# --------------------------------------------------------------------------- soft rules


def _matches(problem: Problem, person: Person, need: Need, day: int) -> bool:
    """True if the person counts towards the need on the day."""
    if need.skill is not None and not person.qualified(need.skill, day):
        return False
    if need.org_kind is None:
        return True
    org = problem.organisations_by_id.get(person.org)
    return org is not None and org.kind == need.org_kind


def _need_gaps(problem: Problem, plan: Plan) -> list[tuple[Need, int]]:
    """For every need of every shift: (need, matching assignees minus count)."""
    return [
        (need, sum(_matches(problem, p, need, shift.day) for p in plan.assignees[shift.id]) - need.count)
        for shift in problem.shifts
        for need in shift.needs
    ]


def _weighted(units: Iterable[tuple[int, int]]) -> Score:
    """Sum (count, weight * count) over (count, weight) terms whose weight is positive."""
    terms = [(count, weight) for count, weight in units if weight > 0]
    return sum(c for c, _ in terms), sum(c * w for c, w in terms)


def score_coverage_under(problem: Problem, plan: Plan) -> Score:
    """One missing person per need, weighted by its under_weight."""
    return _weighted((max(0, -gap), need.under_weight) for need, gap in _need_gaps(problem, plan))


def score_coverage_over(problem: Problem, plan: Plan) -> Score:
    """One surplus person per need, weighted by its over_weight."""
    return _weighted((max(0, gap), need.over_weight) for need, gap in _need_gaps(problem, plan))


def _request_met(plan: Plan, person: str, day: int, shift_type: str | None) -> bool:
    """True if the person works a shift of the type (any shift for None) on the day."""
    return any(shift_type is None or s.type == shift_type for s in plan.on(person, day))


def score_shift_on_request(problem: Problem, plan: Plan) -> Score:
    """One unmet wish to work, weighted by the request's weight."""
    return _weighted(
        (int(not _request_met(plan, r.person, r.day, r.shift_type)), r.weight)
        for r in problem.requests
        if r.on
    )


def score_shift_off_request(problem: Problem, plan: Plan) -> Score:
    """One unmet wish to be off, weighted by the request's weight."""
    return _weighted(
        (int(_request_met(plan, r.person, r.day, r.shift_type)), r.weight)
        for r in problem.requests
        if not r.on
    )


def _compared(problem: Problem) -> list[Person]:
    """People with a fair share, or none when fewer than two have one."""
    people = [p for p in problem.people if p.fair_share > 0]
    return people if len(people) >= 2 else []


def score_fairness(problem: Problem, plan: Plan) -> Score:
    """Hours each compared person works away from their fair share of all compared minutes."""
    people = _compared(problem)
    total_share = sum(p.fair_share for p in people)
    total_minutes = sum(plan.minutes(p.id) for p in people)
    hours = [
        _ceil_div(abs(plan.minutes(p.id) * total_share - p.fair_share * total_minutes), 60 * total_share)
        for p in people
    ]
    return _weighted([(sum(hours), problem.weights.fairness_per_hour)])


def score_org_share(problem: Problem, plan: Plan) -> Score:
    """Whole hours (rounded down) each organisation with a quota is away from its share of the total."""
    orgs = [o for o in problem.organisations if o.quota_permille > 0]
    duty = {o.id: o.carried_minutes for o in orgs}
    for person in problem.people:
        if person.org in duty:
            duty[person.org] += plan.minutes(person.id)
    total = sum(duty.values())
    hours = [abs(1000 * duty[o.id] - o.quota_permille * total) // 60000 for o in orgs]
    return _weighted([(sum(hours), problem.weights.org_share_per_hour)])


def _spread(problem: Problem, burden: Callable[[Person], int], weight: int) -> Score:
    """The difference between the largest and smallest burden among compared people."""
    burdens = [burden(p) for p in _compared(problem)]
    return _weighted([(max(burdens) - min(burdens) if burdens else 0, weight)])


def score_weekend_fairness(problem: Problem, plan: Plan) -> Score:
    """Spread of weekends worked before plus weekend-day shifts now."""
    return _spread(
        problem,
        lambda p: _history(p).weekends_worked + sum(problem.is_weekend(s.day) for s in plan.shifts_of[p.id]),
        problem.weights.weekend_spread,
    )


def score_night_fairness(problem: Problem, plan: Plan) -> Score:
    """Spread of nights worked before plus night-type shifts now."""
    types = problem.shift_types_by_id

    def nights(person: Person) -> int:
        """Night shifts in history and in the plan."""
        now = sum(s.type in types and types[s.type].night for s in plan.shifts_of[person.id])
        return _history(person).nights_worked + now

    return _spread(problem, nights, problem.weights.night_spread)


def score_holiday_fairness(problem: Problem, plan: Plan) -> Score:
    """Spread of holidays worked before plus shifts on holidays now."""
    return _spread(
        problem,
        lambda p: _history(p).holidays_worked + sum(s.day in problem.holidays for s in plan.shifts_of[p.id]),
        problem.weights.holiday_spread,
    )


def score_stability(problem: Problem, plan: Plan) -> Score:
    """One changed assignment against the published plan: dropped, or added to a published shift."""
    previous = problem.previous
    if previous is None:
        return 0, 0
    dropped = len(previous.assignments - plan.pairs)
    added = sum(1 for p, s in plan.pairs if s in previous.shifts and (p, s) not in previous.assignments)
    return _weighted([(dropped + added, problem.weights.stability_per_change)])


# --------------------------------------------------------------------------- entry points

CHECKS: tuple[Callable[[Problem, Plan], list[Violation]], ...] = (
    check_qualification,
    check_availability,
    check_no_double_booking,
    check_min_rest,
    check_forbidden_succession,
    check_max_shifts,
    check_min_shifts,
    check_max_shifts_per_type,
    check_max_shifts_per_week,
    check_max_minutes,
    check_min_minutes,
    check_max_minutes_per_week,
    check_min_minutes_per_week,
    check_max_consecutive_days,
    check_min_consecutive_days,
    check_min_consecutive_days_off,
    check_max_consecutive_by_type,
    check_max_weekends,
    check_pins,
)
SCORES: dict[str, Callable[[Problem, Plan], Score]] = {
    "coverage_under": score_coverage_under,
    "coverage_over": score_coverage_over,
    "shift_on_request": score_shift_on_request,
    "shift_off_request": score_shift_off_request,
    "fairness": score_fairness,
    "org_share": score_org_share,
    "weekend_fairness": score_weekend_fairness,
    "night_fairness": score_night_fairness,
    "holiday_fairness": score_holiday_fairness,
    "stability": score_stability,
}


def validate(
    problem: Problem, assignments: Iterable[tuple[str, str]], visits: Iterable[VisitChoice] = ()
) -> Validation:
    """Re-check every hard rule and recompute every soft rule's penalty for an assignment.

    ``visits`` holds (visit, person, start) for each served visit (person/start None = unserved).
    """
    pairs = [(person, shift) for person, shift in assignments]
    violations = check_unknown_reference(problem, pairs) + check_duplicate_assignment(problem, pairs)
    plan = Plan.build(problem, pairs)
    for check in CHECKS:
        violations.extend(check(problem, plan))
    scores = {rule: score(problem, plan) for rule, score in SCORES.items()}
    visit_violations, visit_scores = check_visits(problem, sorted(plan.pairs), visits)
    violations.extend(Violation(v.rule, v.person, None, None, v.detail) for v in visit_violations)
    scores.update(visit_scores)
    return Validation(
        violations=tuple(violations),
        scores=scores,
        objective=sum(penalty for _, penalty in scores.values()),
    )


def format_report(validation: Validation) -> str:
    """A plain-text report: one line per violation, a soft-rule score table, then the objective."""
    count = len(validation.violations)
    lines = [f"hard rules: {'OK' if validation.feasible else f'{count} violation' + 's' * (count != 1)}"]
    width = max((len(v.rule) for v in validation.violations), default=0)
    lines += [f"  {v.rule:<{width}}  {v.detail}" for v in validation.violations]
    width = max(len(rule) for rule in [*validation.scores, "soft rule"])
    lines.append(f"{'soft rule':<{width}}  {'count':>8}  {'penalty':>10}")
    lines += [f"{rule:<{width}}  {c:>8}  {p:>10}" for rule, (c, p) in validation.scores.items()]
    lines.append(f"objective {validation.objective}")
    return "\n".join(lines)
