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

import time
from collections.abc import Callable
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


def plan_parts(
    parts: list[Problem],
    solve_part: Callable[[Problem, float], SolveResult],
    seconds: float,
) -> Plan:
    """Solve each part in turn with a share of ``seconds`` by size; the union of their plans.

    Time a part leaves unused goes to the parts after it.
    """
    deadline = time.monotonic() + seconds
    pairs: set[tuple[str, str]] = set()
    visits: dict[str, tuple[str, int]] = {}
    left = sum(size(p) for p in parts)
    for part in parts:
        share = size(part) / left
        left -= size(part)
        result = solve_part(part, max(0.05, share * (deadline - time.monotonic())))
        if result.objective is None:
            continue  # nothing assigned there: the joint model decides whether that is feasible
        pairs.update(result.assignments)
        served = [o for o in result.visits if o.person and o.start is not None]
        visits.update((o.visit, (str(o.person), int(o.start or 0))) for o in served)
    return Plan(frozenset(pairs), visits)
