"""A district as stations: plan each station on its own, and prove a bound of the district from them.

A district week (26 stations, ~680 people) is one CP-SAT model whose presolve alone takes
tens of seconds on two shared cores, so no solution arrives for a long time.  Nearly all of it
splits by station: a shift or visit belongs to one station, and only people who may work at two
stations and the district-wide soft rules (the fairness share of everyone's total, the
organisations' quotas of the district's total, the weekend/night/holiday spreads) reach across.

Two kinds of station part are solved:

* the *part* (``split_by_station``): each person planned at their first station, the
  district-wide rules left out.  Any union of the parts' plans is a plan of the district that
  keeps every hard rule (all hard rules are per person, per shift or per visit);
* the *relaxed part* (``relax_by_station``): everyone who may work at the station, without
  minimum limits, without the district-wide rules.  Its optimum is at most what the station's
  own terms cost in any plan of the district, so the sum of the relaxed parts' proven bounds
  is a proven bound of the district (the district-wide terms are each at least 0; with an hour
  price, ``solver.district_bound``, they are credited with what they must cost at least).

Left out of the parts, the district-wide rules get no say until ``solver.station_lns`` re-plans
the union one station at a time on the whole model; on the demo district they are about 3% of
the objective.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from solver.instance import Organisation, Person, Problem
from solver.result import SolveResult

MIN_STATIONS = 2
MIN_PART_SECONDS = 0.3  # building and loading a part takes about this: less is wasted
PART_GAP = 0.001  # a part is solved until this relative gap (or its time is up)
PROOF_SHARE = 0.6  # of the time left after the first plans, for the relaxed parts' bounds
# Soft rules over the whole district: left out of the parts (each term is at least 0).
DISTRICT_WIDE_WEIGHTS = (
    "fairness_per_hour",
    "org_share_per_hour",
    "weekend_spread",
    "night_spread",
    "holiday_spread",
)


DISTRICT_WIDE_RULES = frozenset(
    {"fairness", "org_share", "weekend_fairness", "night_fairness", "holiday_fairness"}
)


@dataclass(frozen=True)
class Plan:
    """Chosen (person, shift) pairs and served visits (visit -> (person, start))."""

    assignments: frozenset[tuple[str, str]]
    visits: dict[str, tuple[str, int]]


@dataclass(frozen=True)
class Planned:
    """The union of the parts' plans, and the district bound proven by the relaxed parts."""

    plan: Plan
    bound: int


@dataclass(frozen=True)
class Split:
    """A district's station parts, one of each kind per station (see the module's docstring);
    ``fair``: the parts with the district-wide rules on the station alone."""

    parts: list[Problem]
    relaxed: list[Problem]
    fair: list[Problem]


def home_station(person: Person, stations: list[str]) -> str:
    """The station a person is planned at in the split: their first, or the first of all."""
    return person.stations[0] if person.stations else stations[0]


def _stations(problem: Problem) -> list[str]:
    return sorted({s.station for s in problem.shifts} | {v.station for v in problem.visits})


def _local(problem: Problem) -> Problem:
    """The problem without the district-wide soft rules."""
    return replace(problem, weights=replace(problem.weights, **dict.fromkeys(DISTRICT_WIDE_WEIGHTS, 0)))


def split_by_station(problem: Problem) -> Split | None:
    """The district's station parts, or None when there is one station or a pin crosses stations.

    Each person goes to their home station's part with their requests and pins; shifts, visits
    and compounds go to their own station's part.
    """
    stations = _stations(problem)
    if len(stations) < MIN_STATIONS:
        return None
    home = {p.id: home_station(p, stations) for p in problem.people}
    station_of_shift = {s.id: s.station for s in problem.shifts}
    if any(pin.assigned and station_of_shift[pin.shift] != home[pin.person] for pin in problem.pins):
        return None
    if any(v.person is not None and home.get(v.person) != v.station for v in problem.visits):
        return None
    local = _local(problem)
    parts = [
        _station_part(local, station, tuple(p for p in problem.people if home[p.id] == station))
        for station in stations
    ]
    fair = [
        replace(
            part,
            weights=problem.weights,
            organisations=_rescaled_quotas(problem.organisations, part.organisations),
        )
        for part in parts
    ]
    return Split(parts, relax_by_station(problem), fair)


def _rescaled_quotas(
    everyone: tuple[Organisation, ...], here: tuple[Organisation, ...]
) -> tuple[Organisation, ...]:
    """The organisations ``here``, quotas scaled so they sum as ``everyone``'s do."""
    total, kept = sum(o.quota_permille for o in everyone), sum(o.quota_permille for o in here)
    if kept <= 0:
        return here
    return tuple(replace(o, quota_permille=round(o.quota_permille * total / kept)) for o in here)


def relax_by_station(problem: Problem) -> list[Problem]:
    """One relaxed part per station: optimal objectives that sum to at most the district's optimum.

    The restriction of any district plan to a station's shifts and visits is a plan of its
    relaxed part that costs there at most what the station's terms cost in the district:

    * everyone who may work at the station (or is pinned there) is in its part with their
      limits; minimum limits, which a restriction can break, are dropped; every other hard
      rule is per person and at most, and only gets easier when work elsewhere is removed;
    * coverage, visit terms and stability are per shift or per visit, so each is in one part;
      requests of people in several parts are dropped (each such term is at least 0);
    * the district-wide terms (fairness, quotas, spreads) are dropped: each is at least 0.
    """
    free = _local(replace(problem, people=tuple(_without_minimums(p) for p in problem.people)))
    return [_relaxed_part(free, station) for station in _stations(problem)]


def _without_minimums(person: Person) -> Person:
    """The person with no minimum limit (of shifts, minutes or runs)."""
    limits = replace(
        person.limits,
        min_shifts=None,
        min_minutes=None,
        min_minutes_per_week=None,
        min_consecutive_days=None,
        min_consecutive_days_off=None,
    )
    return replace(person, limits=limits)


def _relaxed_part(problem: Problem, station: str) -> Problem:
    """A station's relaxed part: everyone who may work there (or is pinned there), its own work."""
    here = {s.id for s in problem.shifts if s.station == station}
    pinned = {p.person for p in problem.pins if p.shift in here}
    pinned |= {v.person for v in problem.visits if v.station == station and v.person is not None}
    people = tuple(p for p in problem.people if not p.stations or station in p.stations or p.id in pinned)
    part = _station_part(problem, station, people)
    visitors = {p.id for p in people if len(p.stations) != 1}
    return replace(part, requests=tuple(r for r in part.requests if r.person not in visitors))


def _station_part(problem: Problem, station: str, people: tuple[Person, ...]) -> Problem:
    """The sub-problem of one station, with ``people``."""
    ids = {p.id for p in people}
    shifts = tuple(s for s in problem.shifts if s.station == station)
    shift_ids = {s.id for s in shifts}
    previous = problem.previous
    if previous is not None:
        previous = replace(
            previous,
            shifts=previous.shifts & shift_ids,
            assignments=frozenset(a for a in previous.assignments if a[0] in ids and a[1] in shift_ids),
        )
    orgs = {p.org for p in people}
    return replace(
        problem,
        name=f"{problem.name} [{station}]",
        organisations=tuple(o for o in problem.organisations if o.id in orgs),
        people=people,
        shifts=shifts,
        requests=tuple(r for r in problem.requests if r.person in ids),
        pins=tuple(p for p in problem.pins if p.person in ids and p.shift in shift_ids),
        previous=previous,
        compounds=tuple(c for c in problem.compounds if c.station == station),
        visits=tuple(v for v in problem.visits if v.station == station),
    )


# (part, seconds, stop at the first solution, a plan of the part to start from)
PartSolver = Callable[[Problem, float, bool, Plan | None], SolveResult]


def plan_parts(
    split: Split,
    solve_part: PartSolver,
    seconds: float,
    on_first: Callable[[Plan], None] | None = None,
    threads: int = 1,
    first_seconds: float | None = None,
    *,
    fair: bool = True,
    prover: Callable[[Plan], PartSolver] | None = None,
) -> Planned:
    """The parts' plans united, and the relaxed parts' bounds summed, in three passes over the stations.

    1. Each part stops at its first solution (on the demo most first plans are already optimal;
       they may take all the time), and ``on_first`` gets that plan of the district.
    2. Each relaxed part starts from its station's plan (a plan of the relaxed part too) and
       proves its bound, with ``PROOF_SHARE`` of the time left shared equally (without
       ``fair``: all of it, see below).
    3. With ``fair``, each *fair* part (the part with the district-wide rules applied to the
       station alone, quotas rescaled to its organisations) goes on from its plan in the time
       left, shared in proportion to what the plan may still win plus an equal base, and its
       plan is taken.  Without, only the parts whose first plan may still win go on (the
       district-wide rules are then left to ``solver.station_lns``).

    ``prover``, given the first plans united, returns what solves the relaxed parts (default
    ``solve_part``; ``solver.district_bound`` prices their hours so that the bounds summed are
    those of priced parts).

    ``threads`` stations are solved at once (CP-SAT releases the interpreter while it searches),
    each on one worker.  The first pass (and without ``fair`` the proofs) may go on until
    ``first_seconds`` (if longer), the others end within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    late = time.monotonic() + max(seconds, first_seconds or 0.0)
    parts = split.parts
    first = _pass(parts, solve_part, late - time.monotonic(), [None] * len(parts), threads)
    if on_first is not None:
        on_first(union(first))
    plans = [_plan_of(r) for r in first]
    prove = solve_part if prover is None else prover(union(first))
    # Without ``fair`` the proofs come first (without them the district has no bound) and may
    # go on as long as the first plans could; they stop as soon as each part is proven.
    proof_seconds = PROOF_SHARE * (deadline - time.monotonic()) if fair else late - time.monotonic()
    proofs = _pass(
        split.relaxed,
        prove,
        max(0.0, proof_seconds),
        plans,
        threads,
        [1.0] * len(parts),
    )
    # Every term is at least 0, so a relaxed part without a proof counts as 0.
    bound = sum(max(0, r.bound or 0) for r in proofs if r is not None)
    if not fair:  # a proof's plan that is also a plan of the part is taken when it is better
        first = [_better_fit(a, b, part) for a, b, part in zip(first, proofs, parts, strict=True)]
        plans = [_plan_of(r) for r in first]
    # Without ``fair``, only the parts whose first plan may still win go on, as plain parts.
    base = [w + 1.0 for w in _still_to_win(first)] if fair else _still_to_win(first)
    again = split.fair if fair else parts
    second = _pass(again, solve_part, max(0.0, deadline - time.monotonic()), plans, threads, base)
    return Planned(
        union([b if _plan_of(b) is not None else a for a, b in zip(first, second, strict=True)]), bound
    )


def _better_fit(first: SolveResult | None, proof: SolveResult | None, part: Problem) -> SolveResult | None:
    """The relaxed part's plan if it is a plan of the part too and costs less, else the first plan.

    It is one when only the part's people work in it and none of the part's people has a
    minimum limit (the relaxed part drops those); the two objectives then differ only by the
    requests of people of several stations, which the district's score counts anyway.
    """
    if proof is None or proof.objective is None:
        return first
    if first is not None and first.objective is not None and first.objective <= proof.objective:
        return first
    people = {p.id for p in part.people}
    workers = {person for person, _ in proof.assignments} | {o.person for o in proof.visits if o.person}
    if not workers <= people or any(_without_minimums(p) != p for p in part.people):
        return first
    return proof


def _plan_of(result: SolveResult | None) -> Plan | None:
    return None if result is None or result.objective is None else union([result])


def _still_to_win(results: list[SolveResult | None]) -> list[float]:
    """What each first plan may still win: objective minus bound, 0 within ``PART_GAP``; a part
    without a plan counts as the most of the others (or 1)."""
    won = [
        None
        if r is None or r.objective is None or r.bound is None
        else (0.0 if r.objective - r.bound <= PART_GAP * abs(r.objective) else float(r.objective - r.bound))
        for r in results
    ]
    worst = max([w for w in won if w is not None] + [1.0])
    return [worst if w is None else w for w in won]


def _pass(
    parts: list[Problem],
    solve_part: PartSolver,
    seconds: float,
    starts: list[Plan | None],
    threads: int = 1,
    weights: list[float] | None = None,
) -> list[SolveResult | None]:
    """Each part solved within ``seconds``; None where no time was left.

    Without ``weights`` (the first pass) each part stops at its first solution and may use all
    the time left: a station without a plan costs more than any time saved.  With them, each
    part starts from its plan in ``starts`` and gets its weight's share of the time left on all
    threads, the heaviest first.
    """
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    shares = weights or [1.0] * len(parts)
    order = sorted(range(len(parts)), key=lambda n: -shares[n])
    left = [sum(shares)]

    def run(n: int) -> SolveResult | None:
        with lock:
            remaining = deadline - time.monotonic()
            budget = (
                remaining
                if weights is None
                else min(remaining, threads * remaining * shares[n] / max(left[0], 1e-9))
            )
            left[0] -= shares[n]
        if budget < MIN_PART_SECONDS or shares[n] <= 0:
            return None
        return solve_part(parts[n], budget, weights is None, starts[n])

    if threads <= 1:
        results = {n: run(n) for n in order}
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = dict(zip(order, pool.map(run, order), strict=True))
    return [results[n] for n in range(len(parts))]


def union(results: list[SolveResult | None]) -> Plan:
    """The parts' plans as one; a part without a plan adds nothing (the joint model decides)."""
    pairs: set[tuple[str, str]] = set()
    visits: dict[str, tuple[str, int]] = {}
    for result in results:
        if result is None or result.objective is None:
            continue
        pairs.update(result.assignments)
        served = [o for o in result.visits if o.person and o.start is not None]
        visits.update((o.visit, (str(o.person), int(o.start or 0))) for o in served)
    return Plan(frozenset(pairs), visits)
