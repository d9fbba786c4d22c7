"""A district as stations: solve each station's part on its own for a first plan of the whole.

A district week (26 stations, ~680 people) is one CP-SAT model whose presolve alone takes
tens of seconds on two shared cores, so no solution arrives for a long time.  Nearly all of it
splits by station: a shift or visit belongs to one station, and only people who may work at two
stations, the fairness share (everyone's total), the organisations' quotas (the district's
total) and the weekend/night/holiday spreads reach across.  So the split is *not* exact; it is
a warm start: each person is planned at their first station, each station's part is solved as
a problem of its own (its quotas rescaled to its own total), and the union is a complete plan of
the district that respects every hard rule (all hard rules are per person, per shift or per
visit).  The joint model then scores it exactly and goes on from it.
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


@dataclass(frozen=True)
class Plan:
    """Chosen (person, shift) pairs and served visits (visit -> (person, start))."""

    assignments: frozenset[tuple[str, str]]
    visits: dict[str, tuple[str, int]]


def home_station(person: Person, stations: list[str]) -> str:
    """The station a person is planned at in the split: their first, or the first of all."""
    return person.stations[0] if person.stations else stations[0]


def split_by_station(problem: Problem) -> list[Problem] | None:
    """One sub-problem per station, or None when there is one station or a pin crosses stations.

    Each person goes to their home station's part with their requests and pins; shifts, visits
    and compounds go to their own station's part.  Organisations keep only their members there,
    with quotas rescaled to sum as the district's do (a station's quotas share the district total
    in proportion to its duty; alone, they share the station's).
    """
    stations = sorted({s.station for s in problem.shifts} | {v.station for v in problem.visits})
    if len(stations) < MIN_STATIONS:
        return None
    home = {p.id: home_station(p, stations) for p in problem.people}
    station_of_shift = {s.id: s.station for s in problem.shifts}
    if any(pin.assigned and station_of_shift[pin.shift] != home[pin.person] for pin in problem.pins):
        return None
    if any(v.person is not None and home.get(v.person) != v.station for v in problem.visits):
        return None
    return [_station_part(problem, station, home) for station in stations]


def _station_part(problem: Problem, station: str, home: dict[str, str]) -> Problem:
    """The sub-problem of one station."""
    people = tuple(p for p in problem.people if home[p.id] == station)
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
    return replace(
        problem,
        name=f"{problem.name} [{station}]",
        organisations=_rescaled_quotas(problem.organisations, {p.org for p in people}),
        people=people,
        shifts=shifts,
        requests=tuple(r for r in problem.requests if r.person in ids),
        pins=tuple(p for p in problem.pins if p.person in ids and p.shift in shift_ids),
        previous=previous,
        compounds=tuple(c for c in problem.compounds if c.station == station),
        visits=tuple(v for v in problem.visits if v.station == station),
    )


def _rescaled_quotas(organisations: tuple[Organisation, ...], present: set[str]) -> tuple[Organisation, ...]:
    """The organisations with members here, quotas scaled so they sum as all quotas do."""
    kept = [o for o in organisations if o.id in present]
    everyone = sum(o.quota_permille for o in organisations)
    here = sum(o.quota_permille for o in kept)
    if here <= 0:
        return tuple(kept)
    return tuple(replace(o, quota_permille=round(o.quota_permille * everyone / here)) for o in kept)


def size(problem: Problem) -> int:
    """A rough measure of a (sub-)problem's model size, to share time in proportion."""
    return len(problem.people) * (len(problem.shifts) + len(problem.visits)) + 1


# (part, seconds, stop at the first solution, a plan of the part to start from)
PartSolver = Callable[[Problem, float, bool, Plan | None], SolveResult]

FIRST_PASS_SHARE = 0.4  # at most this share of the time for the quick first plan


def plan_parts(
    parts: list[Problem],
    solve_part: PartSolver,
    seconds: float,
    on_first: Callable[[Plan], None] | None = None,
    threads: int = 1,
) -> Plan:
    """The union of the parts' plans, in two passes over the parts.

    First pass: each part stops at its first solution (within its share of ``FIRST_PASS_SHARE``
    of the time), and ``on_first`` gets that quick plan of the whole district.  Second pass: each
    part is solved again from its first plan with its share of the time left, and keeps the better
    of its two plans.  Time a part leaves unused goes to the parts after it.  ``threads`` parts are
    solved at once (CP-SAT releases the interpreter while it searches), each on one worker.
    """
    deadline = time.monotonic() + seconds
    first = _pass(parts, solve_part, FIRST_PASS_SHARE * seconds, None, threads)
    if on_first is not None:
        on_first(_union(first))
    starts = [None if r is None or r.objective is None else _union([r]) for r in first]
    second = _pass(parts, solve_part, deadline - time.monotonic(), starts, threads)
    return _union([_better(a, b) for a, b in zip(first, second, strict=True)])


def _pass(
    parts: list[Problem],
    solve_part: PartSolver,
    seconds: float,
    starts: list[Plan | None] | None,
    threads: int = 1,
) -> list[SolveResult | None]:
    """Each part solved with its share (by size) of ``seconds``; None where no time was left.

    Without ``starts`` (the first pass) each part stops at its first solution; with them, each
    part starts from its plan there.  A part starting gets its size's share of the time left on
    all threads, and never more than the time left.
    """
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    left = [sum(size(p) for p in parts)]

    def run(n: int) -> SolveResult | None:
        with lock:
            remaining = deadline - time.monotonic()
            budget = min(remaining, threads * remaining * size(parts[n]) / left[0])
            left[0] -= size(parts[n])
        if budget <= 0.05:
            return None
        return solve_part(parts[n], budget, starts is None, None if starts is None else starts[n])

    if threads <= 1:
        return [run(n) for n in range(len(parts))]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(len(parts))))


def _better(a: SolveResult | None, b: SolveResult | None) -> SolveResult | None:
    """The result with the lower objective (one that has a plan beats one that has none)."""
    if a is None or a.objective is None:
        return b
    if b is None or b.objective is None:
        return a
    return b if b.objective <= a.objective else a


def _union(results: list[SolveResult | None]) -> Plan:
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
