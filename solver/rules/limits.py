"""Per-person counting limits over the horizon and per week (contract limits)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.instance import Person, Shift
from solver.variables import Penalty, RotaModel


def _bound(
    m: RotaModel, rule: str, person: Person, expr: cp_model.LinearExprT, lo: int | None, hi: int | None
) -> None:
    """Keep ``expr`` within [lo, hi] (None = open), guarded by the rule's literal."""
    guard = m.guard(rule, person.id)
    if hi is not None:
        m.cp.add(expr <= hi).only_enforce_if(guard)
    if lo is not None:
        m.cp.add(expr >= lo).only_enforce_if(guard)


def add_max_shifts(m: RotaModel) -> list[Penalty]:
    """Hard: at most ``max_shifts`` shifts over the horizon."""
    for p in m.problem.people:
        if p.limits.max_shifts is not None:
            _bound(m, "max_shifts", p, _count(m.shifts_of(p.id)), None, p.limits.max_shifts)
    return []


def add_min_shifts(m: RotaModel) -> list[Penalty]:
    """Hard: at least ``min_shifts`` shifts over the horizon."""
    for p in m.problem.people:
        if p.limits.min_shifts:
            _bound(m, "min_shifts", p, _count(m.shifts_of(p.id)), p.limits.min_shifts, None)
    return []


def add_max_shifts_per_type(m: RotaModel) -> list[Penalty]:
    """Hard: for each listed shift type, at most its limit of shifts of that type."""
    for p in m.problem.people:
        for type_id, limit in p.limits.max_shifts_per_type.items():
            options = m.shifts_of_type(p.id, type_id)
            if len(options) > limit:
                _bound(m, "max_shifts_per_type", p, _count(options), None, limit)
    return []


def add_max_shifts_per_week(m: RotaModel) -> list[Penalty]:
    """Hard: at most ``max_shifts_per_week`` shifts in each Monday-to-Sunday week."""
    for p in m.problem.people:
        limit = p.limits.max_shifts_per_week
        if limit is None:
            continue
        for options in _by_week(m, p).values():
            if len(options) > limit:
                _bound(m, "max_shifts_per_week", p, _count(options), None, limit)
    return []


def _count(options: list[tuple[Shift, cp_model.IntVar]]) -> cp_model.LinearExprT:
    """The number of chosen options."""
    return cp_model.LinearExpr.sum([v for _, v in options])


def _minutes(options: list[tuple[Shift, cp_model.IntVar]]) -> cp_model.LinearExprT:
    """The working minutes of the chosen options."""
    return cp_model.LinearExpr.weighted_sum([v for _, v in options], [s.duration for s, _ in options])


def add_max_minutes(m: RotaModel) -> list[Penalty]:
    """Hard: at most ``max_minutes`` working minutes over the horizon."""
    for p in m.problem.people:
        if p.limits.max_minutes is not None:
            _bound(m, "max_minutes", p, _minutes(m.shifts_of(p.id)), None, p.limits.max_minutes)
    return []


def add_min_minutes(m: RotaModel) -> list[Penalty]:
    """Hard: at least ``min_minutes`` working minutes over the horizon."""
    for p in m.problem.people:
        if p.limits.min_minutes:
            _bound(m, "min_minutes", p, _minutes(m.shifts_of(p.id)), p.limits.min_minutes, None)
    return []


def add_max_minutes_per_week(m: RotaModel) -> list[Penalty]:
    """Hard: at most ``max_minutes_per_week`` working minutes in each week."""
    for p in m.problem.people:
        if p.limits.max_minutes_per_week is not None:
            for options in _by_week(m, p).values():
                _bound(m, "max_minutes_per_week", p, _minutes(options), None, p.limits.max_minutes_per_week)
    return []


def add_min_minutes_per_week(m: RotaModel) -> list[Penalty]:
    """Hard: at least ``min_minutes_per_week`` in each week lying wholly inside the horizon."""
    for p in m.problem.people:
        if not p.limits.min_minutes_per_week:
            continue
        weeks = _by_week(m, p)
        for week in _full_weeks(m):
            _bound(
                m,
                "min_minutes_per_week",
                p,
                _minutes(weeks.get(week, [])),
                p.limits.min_minutes_per_week,
                None,
            )
    return []


def _by_week(m: RotaModel, p: Person) -> dict[int, list[tuple[Shift, cp_model.IntVar]]]:
    """A person's options grouped by week index."""
    weeks: dict[int, list[tuple[Shift, cp_model.IntVar]]] = defaultdict(list)
    for s, v in m.shifts_of(p.id):
        weeks[m.problem.week(s.day)].append((s, v))
    return weeks


def _full_weeks(m: RotaModel) -> list[int]:
    """Weeks whose seven days all lie inside the horizon."""
    pr = m.problem
    return [
        w
        for w in range(pr.week(pr.days - 1) + 1)
        if w * 7 - pr.start_weekday >= 0 and w * 7 - pr.start_weekday + 6 <= pr.days - 1
    ]
