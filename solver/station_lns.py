"""Large-neighbourhood search over a district's stations: one station's shifts re-planned at a time.

After the split (``solver.decompose``) each station's own terms are near their bound, and what is
left is the district-wide terms (fairness between people, the organisations' quotas), which the
parts never saw.  Both depend on people's hours, and nearly all of a person's hours are at one
station.  So the neighbourhood here is one station: every shift assignment of the people whose
home station it is (their first) is free, everything else (the other people, every visit) stays
as in the incumbent, and CP-SAT solves the station's sub-model (``solver.submodel``: only the
constraints those shifts can reach, the objective whole), so the district-wide terms are exact.
One worker then finds the station's best change.

``threads`` stations are solved at once from the same incumbent.  Their people are disjoint, so
putting both changes together keeps every hard rule of a person; the merge is completed on the
sub-model of both stations and taken only if it beats each change alone (the district-wide
terms of two changes do not simply add).  Stations are visited in order of how far their people
and organisations are from their shares, round after round, until every station is proven
unable to improve the incumbent (or the time is up).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver import submodel
from solver.decompose import home_station
from solver.instance import Problem
from solver.search import Incumbent, read_values
from solver.variables import RotaModel

MIN_HOOD_SECONDS = 1.0  # a station's re-plan finds little in less (see HOOD_DTIME)
# Work per station in deterministic time, so that a loaded machine does fewer stations, not worse
# ones.  2,002-visit week, 26 stations each from the same plan, 2.0 each: 150-2,100 each, 3 proven
# within 0.6 (wall 3.5-16 s at load 5.5); the six first stations: 2,480 with 0.7, 2,757 with 1.5.
# Issue 2's week, one station after the other from the same plan, by CPU seconds spent (sub-models):
# in 40 s 0.5 won 218, 1.0 4,758, 1.5 5,540, 2.0 5,833, 3.0 4,337; in 80 s 1.0 9,850, 2.0 10,113.
# 1.5 is ahead of 1.0 from the first station on (13 s: 2,262 against 1,476; 2.0: 596 at 5.5 s, 2,462
# at 16.6 s), which counts on a loaded machine, where the re-planning gets 10-20 CPU seconds.
HOOD_DTIME = 1.5
# The full LP on the small presolved station: S05's best change (-429) found and proven in 1.0 s
# (default level: nothing found in 4 s at load 3.5; two workers with their LNS: -335 in 4 s).
HOOD_LINEARIZATION = 2
# No conflicts spent following the hint before the search proper (the complete hint is still the
# first solution).  Issue 2's week, 40 CPU s at 1.5: 7,808 won against 5,540 with CP-SAT's 10
# (5,736 with 1,000); at 1.0 7,502, at 2.0 6,422.
HOOD_HINT_CONFLICTS = 0
# Presolve's probing and the symmetry detection cost more than they give on a station's sub-model
# (same budget: 8,994 won without symmetries, 9,813 without probing, 10,213 without both).
HOOD_PROBING_LEVEL = 0
HOOD_SYMMETRY_LEVEL = 0


@dataclass(frozen=True)
class Hood:
    """One station's neighbourhood: the indexes of the assignment variables it frees."""

    station: str
    free: frozenset[int]


def station_hoods(rota: RotaModel) -> list[Hood]:
    """For each station, every assignment of the people whose home station it is (their first,
    as in ``decompose.home_station``), at whichever station the shift is."""
    stations = sorted({s.station for s in rota.problem.shifts})
    home = {p.id: home_station(p, stations) for p in rota.problem.people}
    free: dict[str, set[int]] = {}
    for (person, _), var in rota.x.items():
        free.setdefault(home[person], set()).add(var.index)
    return [Hood(station, frozenset(indexes)) for station, indexes in sorted(free.items())]


def district_order(problem: Problem, hours: dict[str, int], hoods: list[Hood]) -> list[Hood]:
    """The hoods by how far the station's people and organisations are off their shares (hours,
    weighted as in the objective), the farthest first."""
    weights = problem.weights
    stations = sorted({s.station for s in problem.shifts})
    home = {p.id: home_station(p, stations) for p in problem.people}
    fair = [p for p in problem.people if p.fair_share > 0]
    shares, total = sum(p.fair_share for p in fair), sum(hours.get(p.id, 0) for p in fair)
    off: dict[str, float] = {}
    for p in fair:
        target = p.fair_share * total / max(1, shares)
        off[home[p.id]] = off.get(home[p.id], 0.0) + weights.fairness_per_hour * abs(
            hours.get(p.id, 0) - target
        )
    orgs = [o for o in problem.organisations if o.quota_permille > 0]
    org_hours = {o.id: o.carried_minutes / 60 for o in orgs}
    org_home: dict[str, str] = {}
    for p in problem.people:
        if p.org in org_hours:
            org_hours[p.org] += hours.get(p.id, 0)
            org_home.setdefault(p.org, home[p.id])
    org_total = sum(org_hours.values())
    for o in orgs:
        station = org_home.get(o.id, "")
        deviation = abs(org_hours[o.id] - o.quota_permille * org_total / 1000)
        off[station] = off.get(station, 0.0) + weights.org_share_per_hour * deviation
    return sorted(hoods, key=lambda hood: (-off.get(hood.station, 0.0), hood.station))


class _Reaches:
    """Each hood's (and each merge's) ``submodel.Reach``, found once from the model's index.

    A model with a constraint ``solver.submodel`` cannot read gets the whole model instead
    (every variable but the fixed decisions moving): the re-plans are then as before, slower.
    """

    def __init__(self, rota: RotaModel) -> None:
        self._decisions = frozenset(
            [v.index for v in rota.x.values()]
            + [v.index for v in rota.visit_by.values()]
            + [v.index for v in rota.visit_start.values()]
        )
        self._count = len(rota.cp.proto.variables)
        self._all = tuple(range(len(rota.cp.proto.constraints)))
        try:
            self._index: submodel.ModelIndex | None = submodel.index(rota.cp)
        except submodel.UnsupportedConstraint:
            self._index = None
        self._found: dict[frozenset[int], submodel.Reach] = {}

    def of(self, free: frozenset[int], *, keep: bool = True) -> submodel.Reach:
        """What freeing these assignment variables can change (kept for next time with ``keep``:
        a station's hood comes back every round, a merge of two rarely)."""
        found = self._found.get(free)
        if found is None:
            if self._index is None:
                moving = frozenset(v for v in range(self._count) if v in free or v not in self._decisions)
                found = submodel.Reach(moving, self._all)
            else:
                found = submodel.reach(self._index, free, self._decisions)
            if keep:
                self._found[free] = found
        return found


def improve_stations(
    rota: RotaModel,
    incumbent: Incumbent,
    deadline: float,
    objective_of: Callable[[cp_model.CpSolver], int],
    *,
    seed: int = 0,
    threads: int = 1,
    on_improvement: Callable[[Incumbent], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Incumbent:
    """Re-plan one station at a time (``threads`` at once) until the deadline or a stop request.

    Each re-plan solves the station's sub-model (``solver.submodel``): the constraints its
    people's shifts can reach, everything else fixed to the incumbent.  Its solutions are
    complete assignments of the whole model, scored by ``objective_of``.
    """
    hoods = station_hoods(rota)
    # Reading the model's index takes 0.6-1.0 CPU s on the district: not worth it for less time.
    if not hoods or deadline - time.monotonic() < MIN_HOOD_SECONDS:
        return incumbent
    hours = _hours(rota, incumbent.values)
    order = district_order(rota.problem, hours, hoods)
    reaches = _Reaches(rota)
    subs = [submodel.sub_model(rota.cp) for _ in range(max(1, threads))]
    settled: set[str] = set()  # proven optimal for the incumbent as it is: no use asking again
    turn = 0
    with ThreadPoolExecutor(max_workers=len(subs)) as pool:
        while not should_stop() and len(settled) < len(order):
            left = deadline - time.monotonic()
            if left < MIN_HOOD_SECONDS:
                break
            batch: list[Hood] = []
            while len(batch) < len(subs) and len(batch) + len(settled) < len(order):
                hood = order[turn % len(order)]
                turn += 1
                if hood.station not in settled:
                    batch.append(hood)
            jobs = [
                pool.submit(_solve_hood, sub, reaches.of(hood.free), incumbent, left, seed + turn + n)
                for n, (sub, hood) in enumerate(zip(subs, batch, strict=False))
            ]
            found = [job.result() for job in jobs]
            freed = frozenset().union(*(hood.free for hood in batch))
            merge = _Merge(rota, subs[0], reaches, freed, deadline)
            better = _best(incumbent, [solver for solver, _ in found], objective_of, merge)
            if better is None:
                settled |= {hood.station for hood, (_, proven) in zip(batch, found, strict=True) if proven}
                continue
            incumbent, settled = better, set()
            if on_improvement is not None:
                on_improvement(incumbent)
    return incumbent


def _solve_hood(
    sub: submodel.SubModel, where: submodel.Reach, incumbent: Incumbent, seconds: float, seed: int
) -> tuple[cp_model.CpSolver | None, bool]:
    """The station re-solved from the incumbent with everything else fixed (None if nothing was
    found), and whether that is proven the best of the neighbourhood."""
    sub.load(where, incumbent.values)
    solver = _solver(seconds, seed)
    solver.parameters.max_deterministic_time = HOOD_DTIME
    status = solver.solve(sub.model)
    found = solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return found, status == cp_model.OPTIMAL


def _solver(seconds: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = HOOD_LINEARIZATION
    solver.parameters.hint_conflict_limit = HOOD_HINT_CONFLICTS
    solver.parameters.cp_model_probing_level = HOOD_PROBING_LEVEL
    solver.parameters.symmetry_level = HOOD_SYMMETRY_LEVEL
    return solver


@dataclass
class _Merge:
    """Completes a merge of several hoods' changes on the sub-model of all of them."""

    rota: RotaModel
    sub: submodel.SubModel
    reaches: _Reaches
    free: frozenset[int]
    deadline: float  # monotonic seconds

    def __call__(self, values: list[int]) -> cp_model.CpSolver | None:
        """The solver holding the whole assignment with the hoods' shifts as in ``values``, or None."""
        where = self.reaches.of(self.free, keep=False)
        self.sub.load(where, values, fix={i: values[i] for i in self.free})
        solver = _solver(self.deadline - time.monotonic(), 0)
        status = solver.solve(self.sub.model)
        return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _best(
    incumbent: Incumbent,
    found: list[cp_model.CpSolver | None],
    objective_of: Callable[[cp_model.CpSolver], int],
    merge: _Merge,
) -> Incumbent | None:
    """The best of the changes found and (when two or more improved) their merge; None if none improved."""
    rota = merge.rota
    improved = [(objective_of(s), s) for s in found if s is not None]
    improved = [(objective, s) for objective, s in improved if objective < incumbent.objective]
    if not improved:
        return None
    objective, best = min(improved, key=lambda pair: pair[0])
    choice = Incumbent(read_values(rota.cp, best), objective, best, cp_model.FEASIBLE)
    if len(improved) < 2:
        return choice
    merged = list(incumbent.values)
    for _, solver in improved:
        values = read_values(rota.cp, solver)
        for var in rota.x.values():
            if values[var.index] != incumbent.values[var.index]:
                merged[var.index] = values[var.index]
    together = merge(merged)
    if together is None or objective_of(together) >= objective:
        return choice
    return Incumbent(read_values(rota.cp, together), objective_of(together), together, cp_model.FEASIBLE)


def _hours(rota: RotaModel, values: list[int]) -> dict[str, int]:
    """Each person's hours in the assignment values."""
    shifts = rota.problem.shifts_by_id
    hours: dict[str, int] = {}
    for (person, shift), var in rota.x.items():
        if values[var.index]:
            hours[person] = hours.get(person, 0) + shifts[shift].duration // 60
    return hours
