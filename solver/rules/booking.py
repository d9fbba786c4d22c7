"""Rules between two duties of one person: no overlap, rest between them, forbidden successions."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.instance import Person, Shift
from solver.variables import Penalty, RotaModel


def add_no_double_booking(m: RotaModel) -> list[Penalty]:
    """Hard: a person's shifts never overlap in time, and at most ``max_shifts_per_day`` fall on one day."""
    for person in m.problem.people:
        guard = m.guard("no_double_booking", person.id)
        for clique in _overlap_cliques(m.shifts_of(person.id)):
            m.cp.add_at_most_one(clique).only_enforce_if(guard)
        for day in range(m.problem.days):
            todays = [v for _, v in m.shifts_on_day(person.id, day)]
            if len(todays) > person.limits.max_shifts_per_day:
                m.cp.add(sum(todays) <= person.limits.max_shifts_per_day).only_enforce_if(guard)
    return []


def _overlap_cliques(options: list[tuple[Shift, cp_model.IntVar]]) -> list[list[cp_model.IntVar]]:
    """Maximal sets of shifts running at one common instant (a sweep over shift starts)."""
    cliques: list[list[cp_model.IntVar]] = []
    active: list[tuple[Shift, cp_model.IntVar]] = []
    for shift, var in sorted(options, key=lambda sv: sv[0].start):
        still = [(s, v) for s, v in active if s.end > shift.start]
        if len(still) == len(active) > 1:
            cliques.pop()  # the previous clique grows into this one
        active = [*still, (shift, var)]
        if len(active) > 1:
            cliques.append([v for _, v in active])
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
    types = m.problem.shift_types_by_id
    for person in m.problem.people:
        guard = m.guard("forbidden_succession", person.id)
        _forbid_after_history(m, person, guard)
        for day in range(m.problem.days - 1):
            tomorrow = m.shifts_on_day(person.id, day + 1)
            for shift, var in m.shifts_on_day(person.id, day):
                banned = [v for s, v in tomorrow if s.type in types[shift.type].forbidden_next]
                if banned:
                    _forbid_pairs(m, person, var, banned, guard)
    return []


def _forbid_after_history(m: RotaModel, person: Person, guard: list[cp_model.IntVar]) -> None:
    """On day 0, the type worked on day -1 (from history) forbids its successors too."""
    last = person.history.last_shift_type if person.history else None
    if last is None or last not in m.problem.shift_types_by_id:
        return
    forbidden = m.problem.shift_types_by_id[last].forbidden_next
    for shift, var in m.shifts_on_day(person.id, 0):
        if shift.type in forbidden:
            m.cp.add(var == 0).only_enforce_if(guard)


def _forbid_pairs(
    m: RotaModel,
    person: Person,
    var: cp_model.IntVar,
    banned: list[cp_model.IntVar],
    guard: list[cp_model.IntVar],
) -> None:
    """var excludes every banned successor; one linear row when a day holds one shift at most."""
    if person.limits.max_shifts_per_day == 1:
        m.cp.add(var + sum(banned) <= 1).only_enforce_if(guard)
    else:
        for other in banned:
            m.cp.add_bool_or([var.Not(), other.Not()]).only_enforce_if(guard)
