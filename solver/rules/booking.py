"""Rules between two duties of one person: no overlap, rest between them, forbidden successions."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.instance import Person, Shift, ShiftType
from solver.variables import Penalty, RotaModel


def add_no_double_booking(m: RotaModel) -> list[Penalty]:
    """Hard: a person's shifts never overlap in time, and at most ``max_shifts_per_day`` fall on one day."""
    for person in m.problem.people:
        guard = m.guard("no_double_booking", person.id)
        limit = person.limits.max_shifts_per_day
        for clique in _overlap_cliques(m.shifts_of(person.id)):
            if limit == 1 and len({s.day for s, _ in clique}) == 1:
                continue  # implied by the day's at-most-one below
            m.cp.add_at_most_one([v for _, v in clique]).only_enforce_if(guard)
        for day in range(m.problem.days):
            todays = [v for _, v in m.shifts_on_day(person.id, day)]
            if len(todays) > limit:
                if limit == 1:
                    m.cp.add_at_most_one(todays).only_enforce_if(guard)
                else:
                    m.cp.add(cp_model.LinearExpr.sum(todays) <= limit).only_enforce_if(guard)
    return []


def _overlap_cliques(
    options: list[tuple[Shift, cp_model.IntVar]],
) -> list[list[tuple[Shift, cp_model.IntVar]]]:
    """Maximal sets of shifts running at one common instant (a sweep over shift starts)."""
    cliques: list[list[tuple[Shift, cp_model.IntVar]]] = []
    active: list[tuple[Shift, cp_model.IntVar]] = []
    for shift, var in sorted(options, key=lambda sv: sv[0].start):
        still = [(s, v) for s, v in active if s.end > shift.start]
        if len(still) == len(active) > 1:
            cliques.pop()  # the previous clique grows into this one
        active = [*still, (shift, var)]
        if len(active) > 1:
            cliques.append(active)
    return cliques


def add_min_rest(m: RotaModel) -> list[Penalty]:
    """Hard: between the end of one duty and the start of the next, at least ``min_rest_minutes``."""
    for person in m.problem.people:
        rest = person.limits.min_rest_minutes
        if not rest:
            continue
        guard = m.guard("min_rest", person.id)
        ordered = sorted(m.shifts_of(person.id), key=lambda sv: sv[0].start)
        last_end = person.history.last_shift_end if person.history else None
        for i, (first, var) in enumerate(ordered):
            if last_end is not None and first.start - last_end < rest:
                m.cp.add(var == 0).only_enforce_if(guard)
            for _, other in _too_soon_after(ordered, i, rest):
                m.cp.add_bool_or([var.Not(), other.Not()]).only_enforce_if(guard)
    return []


def _too_soon_after(
    ordered: list[tuple[Shift, cp_model.IntVar]], i: int, rest: int
) -> list[tuple[Shift, cp_model.IntVar]]:
    """Shifts starting after shift ``i`` ends but less than ``rest`` minutes later."""
    first = ordered[i][0]
    found = []
    for shift, var in ordered[i + 1 :]:
        if shift.start >= first.end + rest:
            break
        if shift.start >= first.end:
            found.append((shift, var))
    return found


def add_forbidden_succession(m: RotaModel) -> list[Penalty]:
    """Hard: a shift of type t on day d is never followed on day d+1 by a type in t's forbidden_next."""
    blocked_by = _blocked_by(m.problem.shift_types)
    for person in m.problem.people:
        guard = m.guard("forbidden_succession", person.id)
        _forbid_after_history(m, person, guard)
        for day in range(m.problem.days - 1):
            today = m.shifts_on_day(person.id, day)
            tomorrow = m.shifts_on_day(person.id, day + 1) if today else []
            if not tomorrow:
                continue
            if person.limits.max_shifts_per_day == 1:
                _forbid_groups(m, today, tomorrow, blocked_by, guard)
            else:
                _forbid_pairwise(m, today, tomorrow, guard)
    return []


def _blocked_by(types: tuple[ShiftType, ...]) -> dict[str, list[frozenset[str]]]:
    """For each type u, the groups of types that all forbid u next (types with one forbidden_next)."""
    groups: dict[frozenset[str], set[str]] = {}
    for t in types:
        if t.forbidden_next:
            groups.setdefault(t.forbidden_next, set()).add(t.id)
    blocked: dict[str, list[frozenset[str]]] = {}
    for forbidden, members in groups.items():
        for u in forbidden:
            blocked.setdefault(u, []).append(frozenset(members))
    return blocked


def _forbid_groups(
    m: RotaModel,
    today: list[tuple[Shift, cp_model.IntVar]],
    tomorrow: list[tuple[Shift, cp_model.IntVar]],
    blocked_by: dict[str, list[frozenset[str]]],
    guard: list[cp_model.IntVar],
) -> None:
    """One at-most-one per group: any of its types today, or any type it forbids tomorrow.

    With one shift a day at most, that row says exactly "no forbidden pair" for the whole
    group (a biclique of the succession graph), and its LP relaxation is the tightest.
    """
    then: dict[frozenset[str], list[cp_model.IntVar]] = {}
    for shift, var in tomorrow:
        for group in blocked_by.get(shift.type, ()):
            then.setdefault(group, []).append(var)
    for group, later in then.items():
        first = [v for s, v in today if s.type in group]
        if first:
            m.cp.add_at_most_one(first + later).only_enforce_if(guard)


def _forbid_pairwise(
    m: RotaModel,
    today: list[tuple[Shift, cp_model.IntVar]],
    tomorrow: list[tuple[Shift, cp_model.IntVar]],
    guard: list[cp_model.IntVar],
) -> None:
    """One clause per forbidden pair (when a person may work several shifts a day)."""
    types = m.problem.shift_types_by_id
    for shift, var in today:
        for later, other in tomorrow:
            if later.type in types[shift.type].forbidden_next:
                m.cp.add_bool_or([var.Not(), other.Not()]).only_enforce_if(guard)


def _forbid_after_history(m: RotaModel, person: Person, guard: list[cp_model.IntVar]) -> None:
    """On day 0, the type worked on day -1 (from history) forbids its successors too."""
    last = person.history.last_shift_type if person.history else None
    if last is None or last not in m.problem.shift_types_by_id:
        return
    forbidden = m.problem.shift_types_by_id[last].forbidden_next
    for shift, var in m.shifts_on_day(person.id, 0):
        if shift.type in forbidden:
            m.cp.add(var == 0).only_enforce_if(guard)
