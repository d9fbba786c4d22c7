"""Fairness: between people (relative to their share), between organisations (rotation quotas),
and of weekend, night and holiday duty over a rolling window."""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.instance import Organisation, Person, Shift
from solver.variables import Penalty, RotaModel


def _hours_off(
    m: RotaModel, name: str, scaled: cp_model.LinearExprT, scale: int, span: int, *, up: bool = True
) -> cp_model.IntVar:
    """An integer equal to ceil(|scaled| / scale) (floor when not ``up``); ``span`` bounds |scaled|."""
    magnitude = m.cp.new_int_var(0, span, f"{name}_abs")
    m.cp.add_abs_equality(magnitude, scaled)
    hours = m.cp.new_int_var(0, span // scale + 1, name)
    slack = 0 if up else scale - 1  # floor(a / s) = ceil((a - (s - 1)) / s)
    m.cp.add(scale * hours >= magnitude - slack)
    m.cp.add(scale * hours <= magnitude - slack + scale - 1)
    return hours


def _hours_from_target(
    m: RotaModel,
    rule: str,
    name: str,
    hours: cp_model.LinearExprT,
    span: int,
    total: cp_model.IntVar,
    share: int,
    of: int,
    weight: int,
    *,
    up: bool = True,
) -> Penalty:
    """A penalty of ``weight`` per unit of ceil(|hours - share * total / of|), small coefficients only.

    For an integer ``hours`` and a rational target q, ceil(|hours - q|) is the larger of
    hours - floor(q) and ceil(q) - hours; floor(q) and ceil(q) are integers defined by two
    rows each.  Rounded down (not ``up``), floor(|hours - q|) is the larger of hours - ceil(q),
    floor(q) - hours and 0.  The penalty is bounded below by both differences (``Penalty.at_least``), not
    tied to their maximum: an exact max-equality on a target that moves with everyone's total
    stalled CP-SAT's search (demo station: 5352 after 60 s before, 5351 after 5 s with rows).
    ``span`` bounds |hours| and |share * total / of|.
    """
    low = m.cp.new_int_var(-span - 1, span + 1, f"{name}_target_floor")
    high = m.cp.new_int_var(-span - 1, span + 1, f"{name}_target_ceil")
    m.cp.add(of * low <= share * total)
    m.cp.add(of * low >= share * total - (of - 1))
    m.cp.add(of * high >= share * total)
    m.cp.add(of * high <= share * total + (of - 1))
    off = m.cp.new_int_var(0, 2 * span + 2, name)
    diff = cp_model.LinearExpr.weighted_sum
    if not up:
        low, high = high, low
    above, below = diff([hours, low], [1, -1]), diff([high, hours], [1, -1])
    m.cp.add(off >= above)
    m.cp.add(off >= below)
    return Penalty(rule, off, weight, at_least=(above, below))


def _whole_hours(m: RotaModel, people: list[Person], carried: int = 0) -> bool:
    """True if every minute count involved is a whole number of hours (the common case)."""
    return carried % 60 == 0 and all(s.duration % 60 == 0 for p in people for s, _ in m.shifts_of(p.id))


def _hours_of(m: RotaModel, person: Person) -> cp_model.LinearExprT:
    """A person's working hours, for shifts of whole hours."""
    options = m.shifts_of(person.id)
    return cp_model.LinearExpr.weighted_sum([v for _, v in options], [s.duration // 60 for s, _ in options])


def _minutes_of(m: RotaModel, person: Person) -> cp_model.LinearExprT:
    options = m.shifts_of(person.id)
    return cp_model.LinearExpr.weighted_sum([v for _, v in options], [s.duration for s, _ in options])


def _max_minutes(m: RotaModel, person: Person) -> int:
    return sum(s.duration for s, _ in m.shifts_of(person.id))


def add_fairness(m: RotaModel) -> list[Penalty]:
    """Soft: each person's minutes stay near their fair share of everyone's minutes.

    Penalty unit: one hour (rounded up) between a person's minutes and fair_share/S of the total.
    """
    weight = m.problem.weights.fairness_per_hour
    people = [p for p in m.problem.people if p.fair_share > 0]
    if weight <= 0 or len(people) < 2:
        return []
    shares = sum(p.fair_share for p in people)
    top = sum(_max_minutes(m, p) for p in people)
    if _whole_hours(m, people):
        # ceil(|minutes * S - share * T| / (60 S)) = ceil(|hours - share * T_hours / S|): no huge products.
        total_hours = m.cp.new_int_var(0, top // 60, "fairness_total_hours")
        m.cp.add(total_hours == sum(_hours_of(m, p) for p in people))
        return [
            _hours_from_target(
                m,
                "fairness",
                f"unfair_hours(person={p.id})",
                _hours_of(m, p),
                top // 60,
                total_hours,
                p.fair_share,
                shares,
                weight,
            )
            for p in people
        ]
    total = m.cp.new_int_var(0, top, "fairness_total_minutes")
    m.cp.add(total == sum(_minutes_of(m, p) for p in people))
    penalties = []
    for p in people:
        scaled = cp_model.LinearExpr.weighted_sum([_minutes_of(m, p), total], [shares, -p.fair_share])
        hours = _hours_off(m, f"unfair_hours(person={p.id})", scaled, 60 * shares, top * shares)
        penalties.append(Penalty("fairness", hours, weight))
    return penalties


def add_org_share(m: RotaModel) -> list[Penalty]:
    """Soft: each organisation's duty minutes (plus carry-over) stay near its quota of the total.

    Penalty unit: one whole hour (rounded down) between an organisation's minutes and its quota
    share.  The part of an hour is not penalised: weeks are planned in shifts of hours, and the
    exact minutes off the quota are carried over into the next week's target.  (Rounded up, every
    organisation costs an hour almost every week, and CP-SAT cannot prove that floor: the target
    moves with the total, so the rounding is invisible to the LP.  Demo station week, 5 s: bound
    stuck 5-8 below the optimum rounded up, 2 below it rounded down.)
    """
    weight = m.problem.weights.org_share_per_hour
    orgs = [o for o in m.problem.organisations if o.quota_permille > 0]
    if weight <= 0 or not orgs:
        return []
    members = {o.id: [p for p in m.problem.people if p.org == o.id] for o in orgs}
    org_minutes = {o.id: sum(_minutes_of(m, p) for p in members[o.id]) + o.carried_minutes for o in orgs}
    top = sum(abs(o.carried_minutes) + sum(_max_minutes(m, p) for p in members[o.id]) for o in orgs)
    if all(_whole_hours(m, members[o.id], o.carried_minutes) for o in orgs):
        return _org_share_in_hours(m, orgs, members, top // 60, weight)
    total = m.cp.new_int_var(-top, top, "org_total_minutes")
    m.cp.add(total == sum(org_minutes.values()))
    penalties = []
    for o in orgs:
        scaled = cp_model.LinearExpr.weighted_sum([org_minutes[o.id], total], [1000, -o.quota_permille])
        hours = _hours_off(m, f"quota_hours_off(org={o.id})", scaled, 60000, 2000 * top, up=False)
        penalties.append(Penalty("org_share", hours, weight))
    return penalties


def _org_share_in_hours(
    m: RotaModel, orgs: list[Organisation], members: dict[str, list[Person]], span: int, weight: int
) -> list[Penalty]:
    """org_share when all minutes are whole hours: floor(|M(o) - quota * T / 1000|) in hours."""
    org_hours = {o.id: sum(_hours_of(m, p) for p in members[o.id]) + o.carried_minutes // 60 for o in orgs}
    total = m.cp.new_int_var(-span, span, "org_total_hours")
    m.cp.add(total == sum(org_hours.values()))
    return [
        _hours_from_target(
            m,
            "org_share",
            f"quota_hours_off(org={o.id})",
            org_hours[o.id],
            span,
            total,
            o.quota_permille,
            1000,
            weight,
            up=False,
        )
        for o in orgs
    ]


def add_weekend_fairness(m: RotaModel) -> list[Penalty]:
    """Soft: the spread (most minus least) of weekend shifts, history included.

    Penalty unit: one shift between the most and the least loaded person.
    """
    return _spread(
        m,
        "weekend_fairness",
        m.problem.weights.weekend_spread,
        lambda s: m.problem.is_weekend(s.day),
        lambda p: p.history.weekends_worked if p.history else 0,
    )


def add_night_fairness(m: RotaModel) -> list[Penalty]:
    """Soft: the spread of night shifts, history included. Penalty unit: one shift of spread."""
    types = m.problem.shift_types_by_id
    return _spread(
        m,
        "night_fairness",
        m.problem.weights.night_spread,
        lambda s: types[s.type].night,
        lambda p: p.history.nights_worked if p.history else 0,
    )


def add_holiday_fairness(m: RotaModel) -> list[Penalty]:
    """Soft: the spread of public-holiday shifts, history included. Penalty unit: one shift of spread."""
    holidays = m.problem.holidays
    return _spread(
        m,
        "holiday_fairness",
        m.problem.weights.holiday_spread,
        lambda s: s.day in holidays,
        lambda p: p.history.holidays_worked if p.history else 0,
    )


def _spread(
    m: RotaModel, rule: str, weight: int, counts: Callable[[Shift], bool], before: Callable[[Person], int]
) -> list[Penalty]:
    """max - min over people with a fair share of (history + shifts that count)."""
    people = [p for p in m.problem.people if p.fair_share > 0]
    if weight <= 0 or len(people) < 2:
        return []
    totals, top = [], 0
    for p in people:
        options = [v for s, v in m.shifts_of(p.id) if counts(s)]
        top = max(top, before(p) + len(options))
        total = m.cp.new_int_var(before(p), before(p) + len(options), f"{rule}_count(person={p.id})")
        m.cp.add(total == before(p) + sum(options))
        totals.append(total)
    most = m.cp.new_int_var(0, top, f"{rule}_most")
    least = m.cp.new_int_var(0, top, f"{rule}_least")
    m.cp.add_max_equality(most, totals)
    m.cp.add_min_equality(least, totals)
    # Its own non-negative variable: as ``most - least`` the trivial bound from the domains is -top.
    spread = m.cp.new_int_var(0, top, f"{rule}_spread")
    m.cp.add(spread == most - least)
    return [Penalty(rule, spread, weight)]
