"""Price-and-branch for separable problems: one plan ("column") per person, coverage priced by LP duals.

When the objective is separable (``solver.construct.separable``) a roster is one plan per person,
and people interact only through coverage.  The *master LP* chooses a convex mix of known plans per
person, with the coverage shortfall and surplus of every need as slack variables priced by the
need's weights.  Its duals π (one per need, between -over_weight and under_weight) price coverage
for everyone at once; *pricing* asks each person's own one-person CP-SAT model (their hard rules,
their own penalties — requests, stability — and no needs) for the plan that is cheapest when every
need it counts towards is worth π.  New plans go into the master; the loop ends when no person has
a plan cheaper than the master pays for them, or at the deadline.  A CP-SAT *integer master* over
all plans found (exactly one per person, coverage exact) then gives the roster.

For any π within those limits (the Lagrangian of coverage)

    objective(roster) >= Σ_n count_n·π_n + Σ_p min over p's plans of (own_p(plan) - Σ_{n covered} π_n),

because under_weight·short + over_weight·surplus >= π·(count - covered).  With π rounded to
multiples of 1/SCALE the pricing objectives are integers, and CP-SAT's proven lower bound of each
person's pricing problem (optimal or not) makes the right-hand side a valid bound of the problem.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from solver import sequence
from solver.construct import residual
from solver.instance import Need, Problem
from solver.rules.coverage import matches
from solver.validate import validate
from solver.variables import Penalty, RotaModel

Pair = tuple[str, str]
Plan = frozenset[Pair]
NeedKey = tuple[str, int]  # (shift id, index of the need in the shift)
SCALE = 100  # duals are rounded to multiples of 1/SCALE, so pricing objectives are integers
PRICING_SECONDS = 0.3  # most one person's pricing may take in one round (its columns are kept, its
# bound is weaker; most take 0.01-0.2 s on Curtois 8 and 13, a few over 1 s)
MIN_PRICING_SECONDS = 0.05
# CP-SAT on one person's plan: the linear relaxation of every constraint, with or without cuts, whichever
# has been faster on this problem (``PricingTuner``).  24 people mid-root, each priced to optimality
# (seconds in all): Curtois 8 / 9 / 13 / 14 / 15: defaults 1.3 / 1.7 / 5.6 / 3.3 / 5.7; linearization
# level 2 1.2 / 1.1 / ~1.5-2.3 / 1.5 / 2.1; level 2 without cuts 0.6 / 9.9 / 1.2 / 0.8 / 0.9.
PRICING_PARAMETERS = (
    "linearization_level:2",
    "linearization_level:2 max_all_diff_cut_size:0 add_cg_cuts:false add_mir_cuts:false",
)
TUNER_SAMPLES = 4  # pricing runs of each parameter set before the tuner compares them ...
TUNER_WINDOW = 24  # ... over at most this many of their latest runs ...
TUNER_EXPLORE = 10  # ... and every this many runs it tries the one that was slower
QUICK_PRICING_DAYS = 100  # longer horizons price with the sequence builder first (CP-SAT: seconds a person)
IMPROVING = 1e-6  # a plan enters the master when its reduced cost is below -IMPROVING (LP units)
SMOOTHING = 0.5  # weight of the best-bound duals in the duals priced (Wentges smoothing)
SEED_LIMIT = 2**31
BOUND_ROUND_SECONDS = 5.0  # the time a last round of exact pricing is planned to take (a share per person)
PEOPLE_PER_ROUND = 30  # most people priced between two solves of the master LP ...
FULL_ROUND_PEOPLE = 40  # ... where more than this many (with fewer, everyone: a bound every round)
DIVE_FIX = 0.15  # share of the free people fixed at each step of the dive
NEAR_OPTIMAL = 0.05  # a root stopped by its deadline whose LP is within this share of its proven bound
# hands its support on like a converged one (Curtois 8, quiet: LP 1296.7, bound 1295 after 12 s of a
# 19 s root; under load its root ends by its deadline); a root far from its optimum keeps the dive


@dataclass(frozen=True)
class NeedTerm:
    """One coverage need as the master sees it: target count and the weights of missing and surplus people."""

    key: NeedKey
    count: int
    under: int
    over: int


@dataclass(frozen=True)
class RootPace:
    """How far the root has come when the gate judges it."""

    elapsed: float  # seconds since the root began
    span: float  # seconds the root has in all
    priced: int  # pricing runs so far (one per person and round)
    people: int
    first_lp: float  # the first master LP's value (with a start roster: its objective)
    lp: float  # the master LP's value now


@dataclass(frozen=True)
class Gate:
    """When column generation hands its time back to the caller: its root will not converge in time.

    Column generation pays only once its LP is near its optimum (the dive from a far-off LP is
    worse than the constructed roster: Curtois 13, 120 people, 10 rounds in 60 s, LP 11695 → 9910,
    best known 1348).
    """

    at: float = 0.5  # share of the root's time after which its pace is judged (once) ...
    min_rounds: int = 4  # ... on at least this many rounds with a master LP (the first are slow: CP-SAT
    # prices where the builder's plan beats nothing; judged on two, Curtois 14 at a CPU share of 0.18
    # gave way with its LP 17 % down, where going on is the better choice for it)
    min_passes: float = 8.0  # at its pace the root must price each person this many times in its time ...
    min_drop: float = 0.2  # ... or have brought its LP down by this share of the first LP's value
    # (Curtois 13: 0-10 % after 4-8 rounds, 15 % after 10; 22: 5-14 %; at CPU shares of 0.14-0.38:
    # 15: 29 %, 14: 44-53 %, 20: 44 %, 7, 9, 12: 51-79 %)
    build_share: float = 0.5  # most of the root's time that building the pricing models may take

    def gives_way(self, pace: RootPace) -> bool:
        """True when the root is both too slow to price everyone often and its LP has barely moved."""
        passes = pace.priced / max(1, pace.people) * pace.span / max(pace.elapsed, 1e-9)
        came_down = (pace.first_lp - pace.lp) / pace.first_lp if pace.first_lp > 0 else 1.0
        return passes < self.min_passes and came_down < self.min_drop

    def builds_in_time(self, built: int, seconds: float, people: int, span: float) -> bool:
        """False when, at the pace of the first ``built``, everyone's pricing model takes too long."""
        return built == 0 or seconds / built * people <= self.build_share * span


@dataclass(frozen=True)
class Column:
    """A plan of one person that keeps their hard rules, its own cost, and the needs it counts towards."""

    person: str
    pairs: Plan
    cost: int
    covers: tuple[NeedKey, ...]


class PricingTuner:
    """Chooses the CP-SAT parameters for pricing: the set whose recent runs took the least time.

    Which is faster depends on the problem (Curtois 9: with cuts, 6x; 15: without, 2x), and
    pricing runs are many and alike, so the pricers of one column generation share what they see.
    """

    def __init__(self, choices: Sequence[str] = PRICING_PARAMETERS) -> None:
        self.choices = tuple(choices)
        self.times: dict[str, list[float]] = {c: [] for c in self.choices}
        self.issued = dict.fromkeys(self.choices, 0)
        self.runs = 0
        self._lock = threading.Lock()

    def choose(self) -> str:
        """The parameters for the next pricing run."""
        with self._lock:
            self.runs += 1
            short = [c for c in self.choices if self.issued[c] < TUNER_SAMPLES or not self.times[c]]
            if short:
                choice = min(short, key=lambda c: self.issued[c])
            else:
                ranked = sorted(self.choices, key=lambda c: statistics.fmean(self.times[c][-TUNER_WINDOW:]))
                choice = ranked[1] if self.runs % TUNER_EXPLORE == 0 else ranked[0]
            self.issued[choice] += 1
            return choice

    def record(self, choice: str, seconds: float) -> None:
        """How long a run with these parameters took."""
        with self._lock:
            self.times[choice].append(seconds)


@dataclass
class Pricer:
    """One person's CP-SAT model (no needs); its objective is rewritten for every round's duals."""

    person: str
    rota: RotaModel
    penalties: list[Penalty]
    covers: dict[Pair, tuple[NeedKey, ...]]

    def column(self, pairs: Plan, cost: int) -> Column:
        """The column of a plan of this person."""
        keys = tuple(k for pair in sorted(pairs) for k in self.covers.get(pair, ()))
        return Column(self.person, pairs, cost, keys)

    def value(self, col: Column, duals: Mapping[NeedKey, int]) -> int:
        """The column's pricing objective at these duals (SCALE per unit)."""
        return SCALE * col.cost - sum(duals.get(k, 0) for k in col.covers)

    def price(
        self,
        duals: Mapping[NeedKey, int],
        hint: Plan | None,
        time_limit: float,
        seed: int,
        beat: float | None = None,
        tuner: PricingTuner | None = None,
    ) -> Priced:
        """Plans cheapest against ``duals`` (integers, SCALE per unit) and a bound of the scaled minimum.

        With ``beat``, the sequence builder's plan is tried first and returned alone (with only the
        trivial bound) when its pricing value is below ``beat``; else, or without, CP-SAT prices.
        """
        covered = [
            (var, -sum(duals.get(k, 0) for k in self.covers.get(pair, ())))
            for pair, var in self.rota.x.items()
        ]
        trivial = self.relaxed_bound(duals)
        if beat is not None:
            quick = self.quick(duals, seed)
            if quick is not None and self.value(quick, duals) < beat:
                return Priced(self.person, [(quick, self.value(quick, duals))], trivial, False)
        cp = self.rota.cp
        own = [(p.amount, SCALE * p.weight) for p in self.penalties]
        terms = own + [(var, c) for var, c in covered if c != 0]
        cp.minimize(cp_model.LinearExpr.weighted_sum([t for t, _ in terms], [c for _, c in terms]))
        cp.clear_hints()  # type: ignore[no-untyped-call]  # (untyped in OR-Tools 9.15)
        if hint is not None:
            for pair, var in self.rota.x.items():
                cp.add_hint(var, pair in hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(MIN_PRICING_SECONDS, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed % SEED_LIMIT
        choice = tuner.choose() if tuner is not None else PRICING_PARAMETERS[0]
        solver.parameters.merge_text_format(choice)
        collector = _Collector(self)
        began = time.monotonic()
        status = solver.solve(cp, collector)
        if tuner is not None:
            tuner.record(choice, time.monotonic() - began)
        if status == cp_model.INFEASIBLE:
            return Priced(self.person, [], math.inf, True)
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(cp.validate())  # a bug in the model builder
        if status == cp_model.UNKNOWN:  # no plan in the time: best_objective_bound is then 0, not a bound
            return Priced(self.person, collector.found, trivial, False)
        return Priced(self.person, collector.found, solver.best_objective_bound, status == cp_model.OPTIMAL)

    def relaxed_bound(self, duals: Mapping[NeedKey, int]) -> float:
        """A lower bound of the scaled pricing minimum without solving: the best days' coverage prices.

        Own penalties are never negative, so the minimum is at least what the covered needs pay.
        With one shift a day at most that is one price a day, on at most as many days as the
        person may work (shifts limit, or the minutes limit over the shortest shift).
        """
        person = self.rota.problem.people[0]
        prices: dict[int, list[int]] = {}
        shortest = math.inf
        for pair in self.rota.x:
            shift = self.rota.problem.shifts_by_id[pair[1]]
            shortest = min(shortest, shift.duration)
            prices.setdefault(shift.day, []).append(-sum(duals.get(k, 0) for k in self.covers.get(pair, ())))
        limits = person.limits
        if limits.max_shifts_per_day != 1:
            return float(sum(min(0, c) for day in prices.values() for c in day))
        best = sorted(min(0, *day) for day in prices.values())
        most = len(best)
        if limits.max_shifts is not None:
            most = min(most, limits.max_shifts)
        if limits.max_minutes is not None and shortest > 0:
            most = min(most, int(limits.max_minutes // shortest))
        return float(sum(best[:most]))

    def quick(self, duals: Mapping[NeedKey, int], seed: int) -> Column | None:
        """The sequence builder's plan against the duals (milliseconds; a heuristic, checked by validate).

        The builder prices a shift by its needs and the requests, so the duals become one need per
        shift (a person short at the dual's value, or a surplus person beyond a count of 0) and the
        person's own weights are scaled like the duals.
        """
        alone = self.rota.problem
        worth: dict[str, int] = {}
        for pair, keys in self.covers.items():
            worth[pair[1]] = sum(duals.get(k, 0) for k in keys)
        shifts = tuple(
            replace(
                s,
                needs=(
                    Need(
                        int(worth[s.id] > 0),
                        under_weight=max(0, worth[s.id]),
                        over_weight=max(0, -worth[s.id]),
                    ),
                ),
            )
            if worth.get(s.id)
            else s
            for s in alone.shifts
        )
        priced = replace(
            alone,
            shifts=shifts,
            requests=tuple(replace(r, weight=SCALE * r.weight) for r in alone.requests),
            weights=replace(alone.weights, stability_per_change=SCALE * alone.weights.stability_per_change),
        )
        plan = sequence.plan_person(priced, seed)
        if plan is None:
            return None
        return self.column(plan, validate(alone, plan).objective)


@dataclass
class Priced:
    """The plans one pricing run found (with their scaled pricing values) and its proven bound."""

    person: str
    found: list[tuple[Column, int]]
    bound: float  # proven lower bound of the scaled pricing objective (-inf if none)
    optimal: bool


class _Collector(cp_model.CpSolverSolutionCallback):
    """Keeps every solution of a pricing run as a column."""

    def __init__(self, pricer: Pricer) -> None:
        super().__init__()
        self._pricer = pricer
        self.found: list[tuple[Column, int]] = []

    def on_solution_callback(self) -> None:
        """Read the plan and its own cost."""
        pairs = frozenset(pair for pair, var in self._pricer.rota.x.items() if self.boolean_value(var))
        cost = sum(p.weight * _amount(p, self.value) for p in self._pricer.penalties)
        self.found.append((self._pricer.column(pairs, cost), round(self.objective_value)))


def _amount(penalty: Penalty, value: Callable[[cp_model.LinearExprT], int]) -> int:
    """A penalty term's true amount in a solution (the max of its lower bounds, see Penalty)."""
    if penalty.at_least:
        return max(0, *(int(value(e)) for e in penalty.at_least))
    return int(value(penalty.amount))


def need_terms(problem: Problem) -> list[NeedTerm]:
    """Every coverage need of the problem."""
    return [
        NeedTerm((s.id, k), n.count, n.under_weight, n.over_weight)
        for s in problem.shifts
        for k, n in enumerate(s.needs)
    ]


def pricer(problem: Problem, person_id: str) -> Pricer:
    """The person's one-person model with every need removed: their hard rules and their own penalties."""
    from solver.model import build  # solver.model imports this module

    alone = residual(problem, (), {person_id})
    alone = replace(alone, shifts=tuple(replace(s, needs=()) if s.needs else s for s in alone.shifts))
    built = build(alone)
    person = problem.people_by_id[person_id]
    shifts = problem.shifts_by_id
    covers = {
        pair: tuple(
            (pair[1], k)
            for k, n in enumerate(shifts[pair[1]].needs)
            if matches(problem, person, shifts[pair[1]], n)
        )
        for pair in built.rota.x
    }
    return Pricer(person_id, built.rota, built.penalties, covers)


@dataclass
class MasterLP:
    """The master LP's solution: its value, duals per need and the weight of each column."""

    value: float
    duals: dict[NeedKey, float]
    weights: dict[str, list[tuple[Column, float]]]


def solve_master_lp(needs: Sequence[NeedTerm], columns: Mapping[str, Sequence[Column]]) -> MasterLP:
    """min Σ cost·λ + under·short + over·surplus; Σ λ = 1 per person, covered + short - surplus = count."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    objective, rows, chosen = _master(lp, needs, columns, integer=False)
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("master LP not solved")  # never expected: it is feasible and bounded
    return MasterLP(
        objective.Value(),
        {key: row.dual_value() for key, row in rows.items()},
        {p: [(c, v.solution_value()) for c, v in cv] for p, cv in chosen.items()},
    )


_Choice = tuple[Column, pywraplp.Variable]  # a column and its master variable


def _master(
    solver: pywraplp.Solver,
    needs: Sequence[NeedTerm],
    columns: Mapping[str, Sequence[Column]],
    *,
    integer: bool,
) -> tuple[pywraplp.Objective, dict[NeedKey, pywraplp.Constraint], dict[str, list[_Choice]]]:
    """The master's rows: one column per person (a weight, or a choice when ``integer``), and every
    need's count met by the columns covering it plus its shortfall minus its surplus, each priced."""
    objective = solver.Objective()
    objective.SetMinimization()
    rows = {}
    for need in needs:
        row = solver.Constraint(need.count, need.count)
        short, surplus = solver.NumVar(0, solver.infinity(), ""), solver.NumVar(0, solver.infinity(), "")
        row.SetCoefficient(short, 1)
        row.SetCoefficient(surplus, -1)
        objective.SetCoefficient(short, need.under)
        objective.SetCoefficient(surplus, need.over)
        rows[need.key] = row
    chosen: dict[str, list[_Choice]] = {}
    for person, cols in columns.items():
        one = solver.Constraint(1, 1)
        for col in cols:
            var = solver.BoolVar("") if integer else solver.NumVar(0, solver.infinity(), "")
            one.SetCoefficient(var, 1)
            objective.SetCoefficient(var, col.cost)
            for key in col.covers:
                rows[key].SetCoefficient(var, rows[key].GetCoefficient(var) + 1)
            chosen.setdefault(person, []).append((col, var))
    return objective, rows, chosen


def near_optimal(outcome: Outcome) -> bool:
    """True when the root's last LP is within ``NEAR_OPTIMAL`` of its proven bound."""
    lp, bound = outcome.lp_value, outcome.bound
    return lp is not None and bound is not None and lp - bound <= NEAR_OPTIMAL * max(1.0, lp)


def lp_support(lp: MasterLP) -> dict[Pair, float]:
    """Each assignment's value in the master LP: the total weight of the person's plans holding it."""
    value: dict[Pair, float] = {}
    for mix in lp.weights.values():
        for col, weight in mix:
            for pair in col.pairs if weight > 0 else ():
                value[pair] = value.get(pair, 0.0) + weight
    return value


def heaviest_plans(lp: MasterLP) -> frozenset[Pair]:
    """The plan the master LP weighs most for each person, as one roster."""
    return frozenset(pair for mix in lp.weights.values() for pair in max(mix, key=lambda cw: cw[1])[0].pairs)


def scaled_duals(needs: Sequence[NeedTerm], duals: Mapping[NeedKey, float]) -> dict[NeedKey, int]:
    """Duals as integers (SCALE per unit), inside the limits that keep the Lagrangian bound valid."""
    return {
        n.key: min(SCALE * n.under, max(-SCALE * n.over, round(SCALE * duals.get(n.key, 0.0)))) for n in needs
    }


def lagrangian_bound(
    needs: Sequence[NeedTerm], duals: Mapping[NeedKey, int], priced: Iterable[Priced]
) -> float:
    """Σ count·π + Σ_p (proven bound of p's pricing), in objective units (pricing covers every person)."""
    return (sum(n.count * duals.get(n.key, 0) for n in needs) + sum(p.bound for p in priced)) / SCALE


def integer_master(
    needs: Sequence[NeedTerm],
    columns: Mapping[str, Sequence[Column]],
    hint: Mapping[str, Column],
    time_limit: float,
) -> dict[str, Column] | None:
    """The best choice of one known column per person, coverage priced exactly; None if none found.

    A MIP (SCIP, shipped with OR-Tools): on a pool of 300 Curtois-8 plans it reached 3763 in 10 s
    where CP-SAT with one or two workers stayed at 7502 and 6068 (the LP bound was 2752); the
    master's LP relaxation is what guides the search here.
    """
    mip = pywraplp.Solver.CreateSolver("SCIP")
    mip.SetTimeLimit(max(50, int(1000 * time_limit)))
    _, _, chosen = _master(mip, needs, columns, integer=True)
    hinted = [(var, float(hint[p] == col)) for p, pick in chosen.items() if p in hint for col, var in pick]
    if hinted:
        mip.SetHint([v for v, _ in hinted], [x for _, x in hinted])
    if mip.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return {p: max(pick, key=lambda cv: cv[1].solution_value())[0] for p, pick in chosen.items()}


@dataclass
class Outcome:
    """What column generation found: the best roster (if any), its objective, and the best proven bound."""

    roster: frozenset[Pair] | None
    objective: int | None
    bound: int | None
    rounds: int = 0
    columns: int = 0
    lp_value: float | None = None
    converged: bool = False  # the master LP is solved over all plans (lp_value is the LP optimum)
    settled: bool = False  # ended once the bound rounded up reached the LP's (``generate(support=True)``)
    gave_way: bool = False  # stopped by the ``Gate`` with no roster: the time left is the caller's
    # With ``generate(support=True)`` and a converged root: each assignment's value in the master LP
    # (the weight of the plans holding it; absent: 0) and the plan the LP weighs most for each person
    # (together a roster keeping every hard rule), in place of the dive and the integer master.
    support: dict[Pair, float] = field(default_factory=dict)
    heaviest: frozenset[Pair] = frozenset()
    log: list[str] = field(default_factory=list)


def generate(
    problem: Problem,
    deadline: float,
    seed: int,
    start: Iterable[Pair] = (),
    threads: int = 2,
    master_share: float = 0.1,
    dive_share: float = 0.25,
    quick_pricing: bool | None = None,
    max_rounds: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    debug: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    gate: Gate | None = None,
    support: bool = False,
) -> Outcome:
    """Column generation, a dive, then the integer master, all by the deadline.

    The root column generation runs until the last ``dive_share + master_share`` of the time
    (``max_rounds``: at most that many rounds, for tests); the dive (``_Generation.dive``) in the
    ``dive_share`` after it; the integer master, hinted with the dive's roster, in the rest.
    ``start``: a roster meeting every hard rule whose plans seed the master (else each person's
    own cheapest plan does).  The roster returned is the best of ``start``, the dive's and the
    master's.  With a ``gate`` it gives way (``Outcome.gave_way``, no roster) as soon as the pricing
    models would take too long to build or the root is judged too slow to converge (``Gate``).
    With ``support``, a root that converges (or ends ``near_optimal``) ends it: the outcome carries
    the LP's support (``Outcome.support``, for the caller to round with the whole model) and the
    roster is the better of ``start`` and the LP's heaviest plans.
    """
    began = clock()
    span = deadline - began
    root_until = began + (1 - master_share - dive_share) * span
    dive_until = began + (1 - master_share) * span
    needs = need_terms(problem)
    start_pairs = frozenset(start)
    pricers: dict[str, Pricer] = {}
    for person in problem.people:
        if clock() > root_until or should_stop():
            return Outcome(None, None, None, log=["pricers not built in time"], gave_way=True)
        building = clock() - began
        if gate and not gate.builds_in_time(len(pricers), building, len(problem.people), root_until - began):
            if debug:
                print(f"colgen gate: {len(pricers)} pricing models in {building:.1f} s, gives way")
            return Outcome(None, None, None, log=["pricers would take the root's time"], gave_way=True)
        pricers[person.id] = pricer(problem, person.id)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        quick = problem.days > QUICK_PRICING_DAYS if quick_pricing is None else quick_pricing
        gen = _Generation(needs, pricers, pool, seed, threads, quick, clock, debug, should_stop)
        incumbent: dict[str, Column] = {}
        for pid, pr in pricers.items():
            if start_pairs:
                mine = frozenset(pair for pair in start_pairs if pair[0] == pid)
                incumbent[pid] = pr.column(mine, validate(pr.rota.problem, mine).objective)  # own cost
                gen.add(incumbent[pid])
        outcome = gen.root(root_until, max_rounds, last=deadline, gate=gate, settle=support)
        if outcome.log or outcome.gave_way:  # no plan for someone, or the root will not converge
            return outcome
        rounded_by_caller = support and (outcome.converged or near_optimal(outcome))  # no dive, no master
        if rounded_by_caller:
            lp = solve_master_lp(needs, gen.columns)
            outcome.support, outcome.heaviest = lp_support(lp), heaviest_plans(lp)
        dived = gen.dive(dive_until) if all(gen.columns.values()) and not rounded_by_caller else None
    outcome.columns = sum(len(c) for c in gen.columns.values())
    candidates: list[frozenset[Pair]] = []
    if dived is not None:
        candidates.append(frozenset(pair for col in dived.values() for pair in col.pairs))
        incumbent = dived if not incumbent or _cost(needs, dived) < _cost(needs, incumbent) else incumbent
    if all(gen.columns.values()) and not should_stop() and not rounded_by_caller:
        picked = integer_master(needs, gen.columns, incumbent, deadline - clock())
        if debug:
            print(f"colgen: dive {dived and _cost(needs, dived)}, master {picked and _cost(needs, picked)}")
        if picked is not None:
            candidates.append(frozenset(pair for col in picked.values() for pair in col.pairs))
    if start_pairs:
        candidates.append(start_pairs)
    if outcome.heaviest:
        candidates.append(outcome.heaviest)
    for roster in candidates:
        checked = validate(problem, roster)
        if checked.feasible and (outcome.objective is None or checked.objective < outcome.objective):
            outcome.roster, outcome.objective = roster, checked.objective
    return outcome


@dataclass
class _Generation:
    """The column pool and the pricing rounds over it (the root and the dive share both)."""

    needs: Sequence[NeedTerm]
    pricers: dict[str, Pricer]
    pool: ThreadPoolExecutor
    seed: int
    threads: int
    quick: bool
    clock: Callable[[], float]
    debug: bool
    stop: Callable[[], bool]  # the caller's cancel request: every loop ends at the next step
    columns: dict[str, list[Column]] = field(default_factory=dict)
    seen: set[tuple[str, Plan]] = field(default_factory=set)
    rounds: int = 0
    tuner: PricingTuner = field(default_factory=PricingTuner)

    def __post_init__(self) -> None:
        self.columns = {p: [] for p in self.pricers}

    def add(self, col: Column) -> bool:
        """Put a column into the pool; False if it was there."""
        if (col.person, col.pairs) in self.seen:
            return False
        self.seen.add((col.person, col.pairs))
        self.columns[col.person].append(col)
        return True

    def price(
        self,
        people: Sequence[str],
        lp: MasterLP | None,
        raw: Mapping[NeedKey, int],
        duals: Mapping[NeedKey, int],
        until: float,
    ) -> tuple[list[Priced], int]:
        """One pricing round over ``people`` at ``duals``; the columns improving at ``raw`` join the pool."""
        hints = {p: max(lp.weights[p], key=lambda cw: cw[1])[0].pairs for p in people} if lp else {}
        left = until - self.clock()
        per = min(PRICING_SECONDS, max(MIN_PRICING_SECONDS, 2 * self.threads * left / max(1, len(people))))
        # The sequence builder prices first; CP-SAT only where its plan beats no known one.
        beats = {
            p: min((self.pricers[p].value(c, duals) for c in self.columns[p]), default=math.inf)
            for p in people
        }
        jobs = [
            self.pool.submit(
                self.pricers[p].price,
                duals,
                hints.get(p),
                per,
                self.seed + 7919 * self.rounds + i,
                beats[p] if self.quick else None,
                self.tuner,
            )
            for i, p in enumerate(people)
        ]
        results = [job.result() for job in jobs]
        self.rounds += 1
        added = 0
        for res in results:
            mu = _convexity_dual(lp, res.person, raw) if lp is not None else math.inf
            for col, _ in res.found:
                reduced = col.cost - sum(raw[k] for k in col.covers) / SCALE - mu
                if reduced < -IMPROVING or not self.columns[col.person]:
                    added += self.add(col)
        return results, added

    def root(
        self,
        until: float,
        max_rounds: int | None = None,
        last: float = math.inf,
        gate: Gate | None = None,
        settle: bool = False,
    ) -> Outcome:
        """Column generation until the LP is solved or the time is up, with the best bound.

        Each round prices everyone, or on large rotas (over ``FULL_ROUND_PEOPLE`` people)
        ``PEOPLE_PER_ROUND`` of them in turn, so that their duals move more often than a round over
        everyone would let them.  The duals priced
        are smoothed towards a centre: those of the best bound while rounds over everyone prove
        one, else the duals priced last (a moving average of the LP's).  Past ``last`` (the
        caller's deadline) there is no closing round of exact pricing for the bound.  With a ``gate``
        the root gives way when ``Gate.gives_way`` after ``Gate.at`` of its time.  With ``settle``,
        it also ends once the best bound rounds up to the LP's value rounded up (``Outcome.settled``):
        the objective is integral, so the rest of the root could not raise the bound.
        """
        outcome = Outcome(None, None, None)
        began = self.clock()
        check_at = began + gate.at * (until - began) if gate is not None else math.inf
        first_lp: float | None = None
        priced = lp_rounds = 0
        best_bound = -math.inf
        centre: dict[NeedKey, int] | None = None
        exact = False  # price at the LP's own duals this round (after smoothed duals found nothing)
        everyone = list(self.pricers)
        chunk = len(everyone) if len(everyone) <= FULL_ROUND_PEOPLE else PEOPLE_PER_ROUND
        quiet = 0  # people priced exactly at the LP's duals since a column last entered
        quiet_priced: dict[str, Priced] = {}  # ... their pricing (a bound when they are everyone) ...
        quiet_duals: dict[NeedKey, int] = {}  # ... at these duals
        turn = 0
        while self.clock() < until and not self.stop() and (max_rounds is None or self.rounds < max_rounds):
            lp = solve_master_lp(self.needs, self.columns) if all(self.columns.values()) else None
            raw = scaled_duals(self.needs, lp.duals if lp is not None else {})
            smooth = centre is not None and not exact
            duals = raw if centre is None or not smooth else _mix(centre, raw)
            people = [everyone[(turn + i) % len(everyone)] for i in range(chunk)] if lp else everyone
            turn += len(people)
            results, added = self.price(people, lp, raw, duals, until)
            priced += len(people)
            if any(r.bound == math.inf for r in results):
                outcome.log.append("a person has no plan that keeps their hard rules")
                return outcome
            proven = len(people) == len(everyone) and all(r.optimal for r in results)
            bound = (
                lagrangian_bound(self.needs, duals, results) if len(people) == len(everyone) else -math.inf
            )
            if bound > best_bound:
                best_bound = bound
                if proven:
                    centre = dict(duals)
            if not proven:
                centre = dict(duals)
            if lp is not None:
                outcome.lp_value = lp.value
                first_lp = lp.value if first_lp is None else first_lp
                lp_rounds += 1
            if (
                gate is not None
                and lp is not None
                and first_lp is not None
                and lp_rounds >= gate.min_rounds
                and check_at <= self.clock() < until  # past its end the root has nothing to give
            ):
                check_at = math.inf  # judged once
                now = self.clock() - began
                pace = RootPace(now, until - began, priced, len(everyone), first_lp, lp.value)
                if self.debug:
                    print(f"colgen gate: {pace} gives way {gate.gives_way(pace)}")
                if gate.gives_way(pace):
                    outcome.gave_way, outcome.rounds = True, self.rounds
                    return outcome
            if self.debug:
                lpv = f"{lp.value:.1f}" if lp else "-"
                print(f"colgen round {self.rounds}: lp {lpv} bound {bound:.1f} ({best_bound:.1f}) +{added}")
            if settle and lp is not None and best_bound > -math.inf and _ceil(best_bound) >= _ceil(lp.value):
                outcome.settled = True  # the LP's tail could not raise the (integral) bound: stop here
                break
            # At the LP's own duals, CP-SAT found no plan that prices out; a run stopped by its time
            # limit may have missed one, but a root that waits for every run to be proven optimal
            # never ends (Curtois 9: LP 405.7 from round 20 of 29, each round a few runs short).
            # The bound below takes each run's proven bound, optimal or not.
            exact_here = not smooth
            quiet = quiet + len(people) if lp is not None and added == 0 and exact_here else 0
            if quiet == 0 or raw != quiet_duals:
                quiet_priced, quiet_duals = {}, raw
            quiet_priced.update((r.person, r) for r in results if quiet)
            if quiet >= len(everyone):
                outcome.converged = True  # no plan found prices out at the LP's duals: the LP is solved
                if len(quiet_priced) == len(everyone):  # everyone priced exactly at the same duals
                    best_bound = max(best_bound, lagrangian_bound(self.needs, raw, quiet_priced.values()))
                break
            # Nothing entered: a mispricing at smoothed duals, or the LP nearly solved; the LP's own
            # duals until a column enters again.
            exact = lp is not None and added == 0
        closing = not outcome.converged and not outcome.settled
        if closing and all(self.columns.values()) and not self.stop() and self.clock() < last:
            # The builder's plans prove nothing: one round of CP-SAT for everyone at the LP's duals
            # gives the bound (and columns), however few rounds the time allowed.
            lp = solve_master_lp(self.needs, self.columns)
            raw = scaled_duals(self.needs, lp.duals)
            quick, self.quick = self.quick, False
            results, _ = self.price(everyone, lp, raw, raw, min(last, self.clock() + BOUND_ROUND_SECONDS))
            self.quick = quick
            best_bound = max(best_bound, lagrangian_bound(self.needs, raw, results))
            if self.debug:
                print(f"colgen bound round: {lagrangian_bound(self.needs, raw, results):.1f}")
        outcome.rounds = self.rounds
        if math.isfinite(best_bound):  # every penalty is non-negative: so is the objective
            outcome.bound = max(0, math.ceil(best_bound - 1e-6))
        return outcome

    def dive(self, until: float) -> dict[str, Column]:
        """Fix the people whose plans the LP weighs most, a few at a time, pricing the others in between.

        Price-and-branch's master over the root's columns alone is far from its LP (Curtois 8: a
        converged LP of 1297, the best integer choice found by SCIP in 10 s 2005): the columns that
        fit the people fixed so far are generated as the dive goes.  When the time is up, everyone
        left gets their heaviest column.
        """
        fixed: dict[str, Column] = {}
        while len(fixed) < len(self.pricers):
            pool = {p: [fixed[p]] if p in fixed else cols for p, cols in self.columns.items()}
            lp = solve_master_lp(self.needs, pool)
            free = [p for p in self.pricers if p not in fixed]
            best = {p: max(lp.weights[p], key=lambda cw: cw[1]) for p in free}
            if self.clock() >= until or self.stop():
                fixed.update((p, best[p][0]) for p in free)
                break
            heavy = sorted(free, key=lambda p: -best[p][1])
            fixed.update((p, best[p][0]) for p in heavy[: max(1, math.ceil(DIVE_FIX * len(free)))])
            rest = [p for p in free if p not in fixed]
            if rest:
                lp = solve_master_lp(
                    self.needs, {p: [fixed[p]] if p in fixed else cols for p, cols in self.columns.items()}
                )
                raw = scaled_duals(self.needs, lp.duals)
                self.price(rest, lp, raw, raw, until)
        if self.debug:
            print(f"colgen dive: {_cost(self.needs, fixed)}")
        return fixed


def _ceil(value: float) -> int:
    """A lower bound of an integral objective rounded up (with room for the LP's rounding errors)."""
    return math.ceil(value - 1e-6)


def _mix(stable: Mapping[NeedKey, int], raw: Mapping[NeedKey, int]) -> dict[NeedKey, int]:
    """Duals between the best-bound ones and the LP's (Wentges smoothing: fewer, steadier rounds)."""
    return {k: round(SMOOTHING * stable[k] + (1 - SMOOTHING) * v) for k, v in raw.items()}


def _convexity_dual(lp: MasterLP, person: str, duals: Mapping[NeedKey, int]) -> float:
    """μ_p: the least reduced cost of the person's columns at the (scaled) duals, 0 at the LP's own duals."""
    return min(c.cost - sum(duals[k] for k in c.covers) / SCALE for c, _ in lp.weights[person])


def _cost(needs: Sequence[NeedTerm], picked: Mapping[str, Column]) -> int:
    """The objective of one column per person."""
    covered: dict[NeedKey, int] = {}
    for col in picked.values():
        for key in col.covers:
            covered[key] = covered.get(key, 0) + 1
    coverage = sum(
        n.under * max(0, n.count - covered.get(n.key, 0)) + n.over * max(0, covered.get(n.key, 0) - n.count)
        for n in needs
    )
    return coverage + sum(col.cost for col in picked.values())
