"""A floor under the district-wide terms that the relaxed station parts can share, by an hour price.

The relaxed station parts (``solver.decompose``) prove a bound of the district by counting the
district-wide terms as 0.  Those terms are not free: the fairness targets (each person's share of
everyone's hours) and the organisations' quotas (each organisation's permille of the quota
organisations' hours) disagree, by an amount that grows with the hours worked, and every hour of
disagreement costs in one term or the other.  How many hours are worked is decided in the
stations.  So the bound is split with a price ``c`` per hour of the people with a fair share:

    objective = Σ_s own_s + D(h)
              = Σ_s (own_s + c·H_s) + (D(h) - c·T)
              ≥ Σ_s min(own_s + c·H_s) + min_h (D(h) - c·T)

where H_s is the fair people's hours at station s's shifts, T = Σ_s H_s, and D the fairness and
quota terms (the spreads count as 0).  The first sum is proven by the *priced* relaxed parts;
the second, ``floor_under``, is computed here from a Lagrangian dual: for any multipliers
|nu_p| ≤ w_fairness and |rho_o| ≤ w_quota,

    w_f·ceil|h_p - t_p| ≥ nu_p·(h_p - t_p)          (t_p = share_p·T/S)
    w_q·floor|M_o - Q_o| ≥ rho_o·(M_o - Q_o) - |rho_o|  (Q_o = quota_o·T_q/1000)

so D(h) - c·T is at least a linear function of the hours, whose minimum over each person's box
[0, most hours] is a sum of per-person minima.  The multipliers come from an LP (GLOP) and are
rounded to fractions; the floor is then evaluated exactly with them, so it is valid whatever the
LP's accuracy.  With c = 0 the floor is at most 0 and the parts' bound is the plain one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from fractions import Fraction

from ortools.linear_solver import pywraplp

from solver.instance import Problem
from solver.variables import RotaModel

MAX_DENOMINATOR = 1000  # multipliers rounded to fractions with at most this denominator
FLOAT_SLACK = 1e-6  # an LP optimum this close to 0 counts as 0 (the exact floor decides)
NEAR_BEST = 0.01  # the price chosen gains at least 99% of what the best price would


@dataclass(frozen=True)
class Terms:
    """The data of the fairness and quota terms, per person in hours (index order of ``people``)."""

    people: tuple[str, ...]
    caps: tuple[Fraction, ...]  # most hours each person can work in any plan
    shares: tuple[int, ...]  # fair share (0: not in the fairness term)
    org: tuple[int | None, ...]  # index into ``quotas`` of the person's quota organisation
    quotas: tuple[int, ...]  # permille per quota organisation
    carried: tuple[Fraction, ...]  # hours carried per quota organisation
    w_fair: int  # 0 when the fairness term is off
    w_quota: int  # 0 when the quota term is off
    # True where the person's target share·T/S is a whole number of hours for no T from 1 to
    # all hours: with whole-hour shifts they are then at least one (rounded-up) hour off.
    never_whole: tuple[bool, ...] = ()


def hour_caps(rota: RotaModel) -> dict[str, Fraction]:
    """The most hours each person can work in any plan of the model: their eligible shifts, at most
    ``max_shifts_per_day`` of the longest a day, within their weekly and horizon limits."""
    problem = rota.problem
    caps: dict[str, Fraction] = {}
    for person in problem.people:
        limits = person.limits
        by_day: dict[int, list[int]] = defaultdict(list)
        for shift, _ in rota.shifts_of(person.id):
            by_day[shift.day].append(shift.duration)
        by_week: dict[int, int] = defaultdict(int)
        for day, minutes in by_day.items():
            most = sum(minutes)
            if limits.max_shifts_per_day is not None:
                most = min(most, limits.max_shifts_per_day * max(minutes))
            by_week[problem.week(day)] += most
        longest = max((d for minutes in by_day.values() for d in minutes), default=0)
        total = 0
        for week in by_week.values():
            if limits.max_minutes_per_week is not None:
                week = min(week, limits.max_minutes_per_week)
            if limits.max_shifts_per_week is not None:
                week = min(week, limits.max_shifts_per_week * longest)
            total += week
        if limits.max_minutes is not None:
            total = min(total, limits.max_minutes)
        if limits.max_shifts is not None:
            total = min(total, limits.max_shifts * longest)
        caps[person.id] = Fraction(total, 60)
    return caps


def terms_of(problem: Problem, caps: dict[str, Fraction]) -> Terms:
    """The fairness and quota terms of ``problem`` as ``solver.rules.fairness`` defines them."""
    fair = [p for p in problem.people if p.fair_share > 0]
    w_fair = problem.weights.fairness_per_hour if len(fair) >= 2 else 0
    orgs = [o for o in problem.organisations if o.quota_permille > 0]
    w_quota = problem.weights.org_share_per_hour if orgs else 0
    index = {o.id: n for n, o in enumerate(orgs)}
    total_share = sum(p.fair_share for p in fair)
    most = math.floor(sum((caps.get(p.id, Fraction(0)) for p in fair), Fraction(0)))
    whole = all(s.duration % 60 == 0 for s in problem.shifts)  # the rule then counts whole hours
    return Terms(
        people=tuple(p.id for p in problem.people),
        caps=tuple(caps.get(p.id, Fraction(0)) for p in problem.people),
        shares=tuple(max(0, p.fair_share) for p in problem.people),
        org=tuple(index.get(p.org) for p in problem.people),
        quotas=tuple(o.quota_permille for o in orgs),
        carried=tuple(Fraction(o.carried_minutes, 60) for o in orgs),
        w_fair=max(0, w_fair),
        w_quota=max(0, w_quota),
        never_whole=tuple(whole and never_whole(p.fair_share, total_share, most) for p in problem.people),
    )


def never_whole(share: int, total_share: int, most: int) -> bool:
    """True if share·T/total_share is not a whole number for any T from 1 to ``most``."""
    return share > 0 and total_share // math.gcd(total_share, share) > most


def floor_with(terms: Terms, price: Fraction, nu: list[Fraction], rho: list[Fraction]) -> Fraction:
    """min over the hours' box of the linear minorant of D(h) - price·T given by the multipliers.

    Valid (a lower bound of D(h) - price·T for every plan) for any |nu_p| ≤ w_fair, |rho_o| ≤ w_quota.
    """
    if any(abs(v) > terms.w_fair for v in nu) or any(abs(r) > terms.w_quota for r in rho):
        raise ValueError("multipliers out of range: the floor would not be valid")
    total_share = sum(terms.shares)
    by_share = sum((v * s for v, s in zip(nu, terms.shares, strict=True)), Fraction(0))
    by_quota = sum((r * q for r, q in zip(rho, terms.quotas, strict=True)), Fraction(0))
    carried = sum(terms.carried, Fraction(0))
    orgs = zip(rho, terms.quotas, terms.carried, strict=True)
    floor = sum((r * (k - q * carried / 1000) - abs(r) for r, q, k in orgs), Fraction(0))
    for n, cap in enumerate(terms.caps):
        if terms.never_whole and terms.never_whole[n]:  # w·max(|y|, 1) ≥ nu·y + w - |nu|
            floor += terms.w_fair - abs(nu[n])
        slope = Fraction(0)
        if terms.shares[n] > 0:
            slope += nu[n] - by_share / total_share - price
        org = terms.org[n]
        if org is not None:
            slope += rho[org] - by_quota / 1000
        floor += min(Fraction(0), slope * cap)
    # The rounding-up hour holds only when someone works (T ≥ 1); with T = 0 the terms are ≥ 0.
    return min(floor, Fraction(0)) if any(terms.never_whole) else floor


def floor_under(terms: Terms, price: Fraction, lp: DualLP | None = None) -> Fraction:
    """A valid lower bound of (fairness + quota terms) - price·(fair people's hours) over all plans
    (``lp``: the terms' dual LP, built once for several prices)."""
    nu, rho = (lp or DualLP(terms)).multipliers(price)
    return floor_with(terms, price, nu, rho)


class DualLP:
    """The LP whose optimum gives the best multipliers for ``floor_with`` at a price.

    Built once per terms: the price is only in the right-hand sides of the fair people's rows,
    so another price re-solves from the last basis.
    """

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        lp = self.lp = pywraplp.Solver.CreateSolver("GLOP")
        people = range(len(terms.people))
        fair = [n for n in people if terms.shares[n] > 0]
        total_share = sum(terms.shares)
        self.nu = {n: lp.NumVar(-terms.w_fair, terms.w_fair, f"nu_{n}") for n in fair}
        self.rho = [lp.NumVar(-terms.w_quota, terms.w_quota, f"rho_{o}") for o in range(len(terms.quotas))]
        # The weighted sums as variables of their own: inline, each person's row would repeat them.
        by_share = lp.NumVar(-lp.infinity(), lp.infinity(), "by_share")
        by_quota = lp.NumVar(-lp.infinity(), lp.infinity(), "by_quota")
        lp.Add(by_share == lp.Sum([self.nu[n] * (terms.shares[n] / total_share) for n in fair]))
        lp.Add(by_quota == lp.Sum([r * (q / 1000) for r, q in zip(self.rho, terms.quotas, strict=True)]))
        carried = sum(terms.carried, Fraction(0))
        objective = []
        for o, r in enumerate(self.rho):
            size = lp.NumVar(0, terms.w_quota, f"abs_rho_{o}")
            lp.Add(size >= r)
            lp.Add(size >= -r)
            objective.append(r * float(terms.carried[o] - terms.quotas[o] * carried / 1000) - size)
        self.priced: list[tuple[pywraplp.Constraint, float]] = []  # (row, cap): upper bound -price·cap
        for n in people:
            if terms.never_whole and terms.never_whole[n] and n in self.nu:
                size = lp.NumVar(0, terms.w_fair, f"abs_nu_{n}")
                lp.Add(size >= self.nu[n])
                lp.Add(size >= -self.nu[n])
                objective.append(terms.w_fair - size)
            org, cap = terms.org[n], float(terms.caps[n])
            if (n not in self.nu and org is None) or cap == 0:
                continue
            slope = (self.nu[n] - by_share) if n in self.nu else 0
            if org is not None:
                slope = slope + self.rho[org] - by_quota
            low = lp.NumVar(-lp.infinity(), 0, f"low_{n}")
            row = lp.Add(low - cap * slope <= 0)  # low ≤ (slope - price)·cap
            if n in self.nu:
                self.priced.append((row, cap))
            objective.append(low)
        lp.Maximize(lp.Sum(objective))

    def value(self, price: Fraction) -> float | None:
        """The LP's optimum at ``price`` (about the floor ``floor_with`` proves; None if it fails)."""
        for row, cap in self.priced:
            row.SetUb(-float(price) * cap)
        return float(self.lp.Objective().Value()) if self.lp.Solve() == pywraplp.Solver.OPTIMAL else None

    def multipliers(self, price: Fraction) -> tuple[list[Fraction], list[Fraction]]:
        """The LP's best multipliers at ``price``, rounded to fractions in range (0 if it fails)."""
        terms = self.terms
        people = range(len(terms.people))
        if self.value(price) is None:
            return [Fraction(0)] * len(people), [Fraction(0)] * len(self.rho)
        found = {n: _clamp(v.solution_value(), terms.w_fair) for n, v in self.nu.items()}
        rho = [_clamp(r.solution_value(), terms.w_quota) for r in self.rho]
        return [found.get(n, Fraction(0)) for n in people], rho


def _clamp(value: float, limit: int) -> Fraction:
    return max(Fraction(-limit), min(Fraction(limit), Fraction(value).limit_denominator(MAX_DENOMINATOR)))


def grid(denominator: int = 8, most: int = 3) -> list[Fraction]:
    """The prices tried: multiples of 1/denominator up to ``most``."""
    return [Fraction(k, denominator) for k in range(most * denominator + 1)]


def best_price(terms: Terms, hours: Fraction, lp: DualLP | None = None, *, safe: bool = False) -> Fraction:
    """The lowest price of ``grid()`` whose gain price·hours + floor over the plain bound is
    within ``NEAR_BEST`` of the best, for parts working ``hours`` in all.

    The LP's optimum at a price stands in for the floor, which is evaluated exactly only for the
    price chosen.  The gain is concave in the price and the floor non-increasing (the floor is a
    minimum of functions affine in it, with slopes -T ≤ 0), so a ternary search finds the best
    price and bisections the others, with about ten LPs, each re-solved from the last basis
    (0.04 CPU s each on the demo district).  The lowest is taken because the floor falls fast
    with the price (demo district at its 7,252 hours: gain 5,615 at 1, 5,832 at 11/8, 5,885 at
    3/2, 5,745 at 2, with floors -1,637, -4,139, -4,993 and -8,759): a relaxed part whose proof is
    cut short (it counts as 0) then costs less.  With ``safe``, the highest price whose floor is
    not below 0 (5/8 on the demo district: gain 4,532 when every part is proven): the priced
    bound is then no lower than the plain one however few are proven.
    """
    prices = grid()
    dual = lp or DualLP(terms)
    values: dict[int, float] = {}

    def value(k: int) -> float:
        if k not in values:
            found = dual.value(prices[k])
            values[k] = -math.inf if found is None else found
        return values[k]

    if safe:  # the highest k with value(k) ≥ 0 (value(0) is the LP's optimum at no price: ≥ 0)
        return prices[_last(0, len(prices) - 1, lambda k: value(k) >= -FLOAT_SLACK)]

    def gain(k: int) -> float:
        return float(prices[k] * hours) + value(k)

    low, high = 0, len(prices) - 1
    while high - low > 2:
        left, right = low + (high - low) // 3, high - (high - low) // 3
        if gain(left) < gain(right):
            low = left + 1
        else:
            high = right
    best = max(range(low, high + 1), key=lambda k: (gain(k), -k))
    if gain(best) <= 0:
        return Fraction(0)
    # gain is non-decreasing up to best: the lowest k near enough is after the last one below
    near = (1 - NEAR_BEST) * gain(best)
    return prices[_last(0, best, lambda k: gain(k) < near) + 1] if gain(0) < near else prices[0]


def _last(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The largest k in [low, high] for which ``holds`` (true at low, then false from some k on)."""
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def priced_minutes(problem: Problem, pairs: Iterable[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    """The (person, shift) pairs whose hours are priced (people with a fair share), with their minutes.

    The one definition of the hours T that the floor is taken over and that the parts are priced
    on (``solver.model``): the bound is valid only if the two agree.
    """
    fair = {p.id for p in problem.people if p.fair_share > 0}
    shifts = problem.shifts_by_id
    return [(pair, shifts[pair[1]].duration) for pair in pairs if pair[0] in fair]


def fair_hours(problem: Problem, assignments: Iterable[tuple[str, str]]) -> Fraction:
    """The hours the people with a fair share work in the (person, shift) pairs."""
    return Fraction(sum(minutes for _, minutes in priced_minutes(problem, assignments)), 60)


class Pricing:
    """The hour price of a district's relaxed parts and the floor that goes with it.

    The price is chosen when the first plans are in (about ten small LPs); the exact floor is
    evaluated on ``pool`` while the relaxed parts are proven.  (The LPs hold the interpreter:
    solved on a thread during the first plans, the grid slowed the parts' own Python work.)
    """

    def __init__(self, pool: Executor, terms: Callable[[], Terms]) -> None:
        self.price = Fraction(0)
        self._pool = pool
        self._terms = terms
        self._floor: Future[Fraction] | None = None

    def choose(self, hours: Fraction, *, safe: bool = False) -> Fraction:
        """Set the price for parts expected to work about ``hours`` in all (its floor follows);
        ``safe``: a price whose floor is not below 0 (see ``best_price``)."""
        terms = self._terms()
        lp = DualLP(terms)
        self.price = best_price(terms, hours, lp, safe=safe)
        if self.price > 0:
            self._floor = self._pool.submit(floor_under, terms, self.price, lp)
        return self.price

    def close(self) -> None:
        """Drop the floor if it has not started (the solve has no more use for it)."""
        if self._floor is not None:
            self._floor.cancel()

    @property
    def floor(self) -> Fraction:
        """The floor under the district-wide terms less the price per hour (0 without a price)."""
        return Fraction(0) if self._floor is None else self._floor.result()

    def bound(self, parts: int) -> int:
        """The district's bound from the priced parts' bounds summed (an integer objective); 0
        without a proven part, without waiting for the floor (it is at most 0)."""
        return 0 if parts <= 0 else max(0, math.ceil(parts + self.floor))
