"""Rules over runs of days: consecutive working days, days off, shifts of a type, weekends.

Runs are expressed on the derived ``works(person, day)`` literals.  Minimum-run rules
forbid every too-short enclosed run with one clause each (the standard strong encoding).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from ortools.sat.python import cp_model

from solver.instance import Person
from solver.variables import Penalty, RotaModel

DayLiteral = Callable[[int], "cp_model.IntVar | int"]


def add_max_consecutive_days(m: RotaModel) -> list[Penalty]:
    """Hard: no run of more than ``max_consecutive_days`` working days (counting history's run)."""
    for p in m.problem.people:
        limit = p.limits.max_consecutive_days
        if limit is not None:
            _max_run(m, "max_consecutive_days", p, limit, partial(m.works, p), _worked_before(p))
    return []


def add_max_consecutive_by_type(m: RotaModel) -> list[Penalty]:
    """Hard: no run of more than the type's limit of consecutive days on shifts of that type."""
    for p in m.problem.people:
        for type_id, limit in p.limits.max_consecutive_by_type.items():
            # History does not say how long the last run of this type was, so it is not counted.
            works: DayLiteral = partial(_works_type, m, p, type_id)
            _max_run(m, "max_consecutive_by_type", p, limit, works, 0)
    return []


def _works_type(m: RotaModel, p: Person, type_id: str, day: int) -> cp_model.IntVar | int:
    """The person works a shift of the type on the day."""
    return m.works_type(p, day, type_id)


def _off(m: RotaModel, p: Person, day: int) -> cp_model.IntVar | int:
    """The person has the day off."""
    return _negate(m.works(p, day))


def _worked_before(p: Person) -> int:
    """Days worked in a row up to day -1."""
    return p.history.consecutive_days_worked if p.history else 0


def _max_run(m: RotaModel, rule: str, p: Person, limit: int, works: DayLiteral, before: int) -> None:
    """Every window of limit+1 days holds a day off; windows at day 0 also count ``before``."""
    guard = m.guard(rule, p.id)
    days = m.problem.days
    for start in range(-min(before, limit), days - limit):
        first = max(start, 0)
        carried = first - start  # days of the window that lie before day 0 (all worked)
        window = [works(d) for d in range(first, start + limit + 1)]
        if all(isinstance(w, int) and w == 0 for w in window):
            continue
        m.cp.add(sum(window) <= limit - carried).only_enforce_if(guard)


def add_min_consecutive_days(m: RotaModel) -> list[Penalty]:
    """Hard: every enclosed run of working days lasts at least ``min_consecutive_days``."""
    for p in m.problem.people:
        limit = p.limits.min_consecutive_days
        if limit and limit > 1:
            h = p.history
            lead = _lead(h.consecutive_days_off if h else 0, h.consecutive_days_worked if h else 0)
            _min_run(m, "min_consecutive_days", p, limit, partial(m.works, p), lead)
    return []


def add_min_consecutive_days_off(m: RotaModel) -> list[Penalty]:
    """Hard: every enclosed run of days off lasts at least ``min_consecutive_days_off``."""
    for p in m.problem.people:
        limit = p.limits.min_consecutive_days_off
        if limit and limit > 1:
            h = p.history
            lead = _lead(h.consecutive_days_worked if h else 0, h.consecutive_days_off if h else 0)
            _min_run(m, "min_consecutive_days_off", p, limit, partial(_off, m, p), lead)
    return []


def _lead(opposite_before: int, same_before: int) -> int | None:
    """How a run starting on day 0 is treated: None = exempt, else the days it already has."""
    if same_before > 0:
        return same_before
    return 0 if opposite_before > 0 else None


def _negate(lit: cp_model.IntVar | int) -> cp_model.IntVar | int:
    """The negation of a literal or constant."""
    if isinstance(lit, int):
        return 1 - lit
    return cast(cp_model.IntVar, lit.Not())  # a negated literal is used wherever a literal is


def _min_run(m: RotaModel, rule: str, p: Person, limit: int, on: DayLiteral, lead: int | None) -> None:
    """Forbid every run of ``on`` days shorter than limit that has an off day (or history) on both sides."""
    guard = m.guard(rule, p.id)
    days = m.problem.days
    for length in range(1, limit):
        for start in range(0, days - length):
            end = start + length  # the day after the run: must exist (runs touching the end are exempt)
            if start == 0 and (lead is None or lead + length >= limit):
                continue
            clause = [_negate(on(d)) for d in range(start, end)] + [on(end)]
            if start > 0:
                clause.append(on(start - 1))
            _add_clause(m, clause, guard)


def _add_clause(m: RotaModel, clause: list[cp_model.IntVar | int], guard: list[cp_model.IntVar]) -> None:
    """Add a disjunction whose constant members are folded away."""
    if any(isinstance(c, int) and c == 1 for c in clause):
        return
    literals = [c for c in clause if not isinstance(c, int)]
    m.cp.add_bool_or(literals).only_enforce_if(guard)


def add_max_weekends(m: RotaModel) -> list[Penalty]:
    """Hard: at most ``max_weekends`` weekends with any work on the Saturday or Sunday."""
    for p in m.problem.people:
        limit = p.limits.max_weekends
        if limit is None:
            continue
        worked = [m.works_weekend(p, days) for days in weekends(m)]
        worked = [w for w in worked if not isinstance(w, int)]
        if len(worked) > limit:
            m.cp.add(sum(worked) <= limit).only_enforce_if(m.guard("max_weekends", p.id))
    return []


def weekends(m: RotaModel) -> list[list[int]]:
    """The weekend days of the horizon, grouped by week."""
    groups: dict[int, list[int]] = {}
    for d in range(m.problem.days):
        if m.problem.is_weekend(d):
            groups.setdefault(m.problem.week(d), []).append(d)
    return list(groups.values())
