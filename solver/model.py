"""Build the CP-SAT model from a Problem, solve it, and return a SolveResult with its explanation."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from fractions import Fraction

from ortools.sat.python import cp_model

from solver import colgen, construct, decompose, district_bound, explain, search, station_lns, strategy
from solver.flow import add_run_flow
from solver.instance import Problem
from solver.result import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, SolveResult
from solver.rules.booking import add_forbidden_succession, add_min_rest, add_no_double_booking
from solver.rules.coverage import add_coverage
from solver.rules.eligibility import add_availability, add_qualification, exclusion
from solver.rules.fairness import (
    add_fairness,
    add_holiday_fairness,
    add_night_fairness,
    add_org_share,
    add_weekend_fairness,
)
from solver.rules.limits import (
    add_max_minutes,
    add_max_minutes_per_week,
    add_max_shifts,
    add_max_shifts_per_type,
    add_max_shifts_per_week,
    add_min_minutes,
    add_min_minutes_per_week,
    add_min_shifts,
)
from solver.rules.pins import add_pins
from solver.rules.requests import add_shift_off_requests, add_shift_on_requests
from solver.rules.sequences import (
    add_max_consecutive_by_type,
    add_max_consecutive_days,
    add_max_weekends,
    add_min_consecutive_days,
    add_min_consecutive_days_off,
)
from solver.rules.stability import add_stability
from solver.rules.visits import (
    add_visit_assignment,
    add_visit_continuity,
    add_visit_language,
    add_visit_lateness,
    add_visit_limits,
    add_visit_no_overlap,
    add_visit_stability,
    add_visit_travel,
    add_visit_unserved,
)
from solver.validate import validate
from solver.variables import Penalty, RotaModel

RuleFunction = Callable[[RotaModel], list[Penalty]]

HARD_RULES: tuple[RuleFunction, ...] = (
    add_qualification,
    add_availability,
    add_no_double_booking,
    add_min_rest,
    add_forbidden_succession,
    add_max_shifts,
    add_min_shifts,
    add_max_shifts_per_type,
    add_max_shifts_per_week,
    add_max_minutes,
    add_min_minutes,
    add_max_minutes_per_week,
    add_min_minutes_per_week,
    add_max_consecutive_days,
    add_min_consecutive_days,
    add_min_consecutive_days_off,
    add_max_consecutive_by_type,
    add_max_weekends,
    add_pins,
    add_visit_assignment,
    add_visit_no_overlap,
    add_visit_travel,
    add_visit_limits,
)

SOFT_RULES: tuple[RuleFunction, ...] = (
    add_coverage,
    add_shift_on_requests,
    add_shift_off_requests,
    add_fairness,
    add_org_share,
    add_weekend_fairness,
    add_night_fairness,
    add_holiday_fairness,
    add_stability,
    add_visit_unserved,
    add_visit_continuity,
    add_visit_language,
    add_visit_lateness,
    add_visit_stability,
)


JOINT_MIN_SECONDS = 1.0  # a district's re-planning from the parts' plan needs at least this to help
LP_DECIDED = 1e-6  # an assignment whose master-LP value is within this of 0 or 1 is decided by the LP
COLGEN_CONSTRUCT_SHARE = 0.1  # construct's share of the time when column generation follows
# A district's first plans after this share of the time: the relaxed parts get the safe hour
# price (solver.district_bound.best_price).  The proofs take about as long as the first plans
# and must end by ``first_share`` (0.8), so after 0.4 they may be cut short.  Quiet 60-s runs
# have the first plans at 5-7 s (0.1); at load 6-8 on 2 cores at 17-30 s: at 29-30 s only a few
# proofs finished (bound 31,691 priced at 3/2 against 155,143 plain), at 19-23 s nearly all.
SAFE_PRICE_AFTER = 0.4
JOINT_RESERVE = 0.1  # share of the time left for solving the model built after a constructed roster


class ModelInvalid(Exception):
    """CP-SAT rejected the model: a bug in the model builder, never the user's fault."""


class BuildTimeout(Exception):
    """The model was not built by its deadline (a year-long rota of 150 people takes a minute)."""


def _on_time(deadline: float | None) -> None:
    """Raise BuildTimeout once the deadline has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise BuildTimeout


@dataclass(frozen=True)
class SolveParams:
    """How to search: always a time limit; seed and worker count passed in."""

    time_limit: float = 10.0
    workers: int = 2
    seed: int = 0
    explain_conflicts: bool = True
    log: bool = False
    full_lp: bool = True  # the full-problem worker linearises every constraint (see _configure)
    own_lns: bool = False  # with 2 workers: solver.search LNS on one core, the bound proof on the other
    lp_workers: int | None = None  # full-LP workers on a model without run flow; None: strategy.lp_workers
    split_share: float = 0.65  # several stations: the station parts until this share of the time (see below)
    first_share: float = 0.8  # ... but their first plans may take until this share (a station without one
    # has only holes); the rest goes to re-planning station by station (solver.station_lns)
    fair_parts: bool = False  # a pass of the parts with the district-wide rules on the station alone
    construct: bool = True  # first roster from solver.construct when the objective allows (see _search)
    construct_share: float = 0.5  # at most this share of the time for it (else CP-SAT's first solution)
    construct_lns_until: float = 0.25  # solver.construct.improve until this share of the time has passed
    gap_limit: float = 0.0  # stop at this relative gap between the objective and the proven bound
    colgen: bool = True  # after construct: price-and-branch (solver.colgen) when construct applies
    colgen_until: float = 0.65  # ... until this share of the time has passed (the last part: integer master)
    colgen_lns_until: float = 0.8  # then solver.construct.improve on its roster until this share
    colgen_gate: bool = True  # column generation gives way when its root will not converge (colgen.Gate)
    # When its root converges (or nearly: colgen.near_optimal): CP-SAT on the whole model with every
    # assignment the master LP decides fixed (see _round_lp), until colgen_until, in place of the dive
    # and the integer master
    colgen_fix: bool = True
    # Minimise the objective plus this price per hour worked by people with a fair share; the
    # result's bound is then a bound of that sum (rounded down).  For a district's relaxed parts
    # (solver.district_bound); the objective reported is the plain one.
    hour_price: Fraction = Fraction(0)
    price_parts: bool = True  # a district's relaxed parts priced (solver.district_bound)


@dataclass(frozen=True)
class Progress:
    """The best solution so far, reported while solving."""

    objective: int
    bound: int
    wall_time: float


@dataclass
class BuiltModel:
    """A model ready to solve, with its objective terms."""

    rota: RotaModel
    penalties: list[Penalty]
    build_seconds: float
    hour_price: Fraction = Fraction(0)  # see SolveParams.hour_price
    objective_scale: Fraction = Fraction(1)  # CP-SAT's objective per unit of (plain + priced hours)


def build(
    problem: Problem, *, explain_mode: bool = False, run_flow: bool = False, deadline: float | None = None
) -> BuiltModel:
    """Create the variables and apply every rule; in explain mode hard rules get assumption literals.

    ``run_flow`` adds the redundant network-flow model of the run rules (``solver.flow``),
    which tightens the LP bound but slows the search for a first solution; ``solve`` adds it
    once it has one.  It is never added in explain mode.  Past ``deadline`` (monotonic seconds)
    it raises BuildTimeout, checked between people and between rules.
    """
    started = time.monotonic()
    m = RotaModel(problem, cp_model.CpModel(), explain=explain_mode)
    _create_variables(m, deadline)
    for rule in HARD_RULES:
        _on_time(deadline)
        rule(m)
    penalties: list[Penalty] = []
    if not explain_mode:
        for rule in SOFT_RULES:
            _on_time(deadline)
            penalties.extend(rule(m))
        m.cp.minimize(
            cp_model.LinearExpr.weighted_sum([p.amount for p in penalties], [p.weight for p in penalties])
        )
        if run_flow:
            add_run_flow(m)
    return BuiltModel(m, penalties, time.monotonic() - started)


def _create_variables(m: RotaModel, deadline: float | None = None) -> None:
    """One Boolean per eligible (person, shift); excluded pairs only when a pin asks for them.

    Outside explain mode a shift type whose ``max_shifts_per_type`` limit is 0 gets no
    variables either (they could only be 0); in explain mode they exist so that a pin
    against the limit can be named.
    """
    pinned = {(p.person, p.shift) for p in m.problem.pins if p.assigned}
    for person in m.problem.people:
        _on_time(deadline)
        banned = set() if m.explain else {t for t, n in person.limits.max_shifts_per_type.items() if n <= 0}
        simple = not person.stations and not person.unavailable
        for shift in m.problem.shifts:
            if shift.type in banned and (person.id, shift.id) not in pinned:
                continue
            if simple and not shift.required_skills:  # the common case, without exclusion()'s scans
                reason = "availability" if shift.day in person.days_off else None
            else:
                reason = exclusion(person, shift)
            if reason is None:
                m.add_pair(person, shift)
            elif (person.id, shift.id) in pinned:
                m.add_pair(person, shift, excluded_by=reason)


class _ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution to ``on_progress`` and stops when asked."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
        *,
        stop_at_first: bool = False,
    ) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._should_stop = should_stop
        self._stop_at_first = stop_at_first
        self.stopped_by_caller = False

    def on_solution_callback(self) -> None:
        """Report the new incumbent."""
        if self._on_progress is not None:
            bound = math.ceil(self.best_objective_bound - 1e-6)
            self._on_progress(Progress(round(self.objective_value), bound, self.wall_time))
        if self._should_stop is not None and self._should_stop():
            self.stopped_by_caller = True
            self.stop_search()
        elif self._stop_at_first:
            self.stop_search()


def _configure(solver: cp_model.CpSolver, params: SolveParams, time_limit: float) -> None:
    """Apply the search parameters.

    With one or two workers CP-SAT's default full-problem worker keeps only the linear
    constraints in its LP; presolve turns most of a rota's rows (coverage of one-person needs,
    run windows, flow arcs) into clauses, so its bound stays far below the true LP bound.  The
    ``max_lp`` worker linearises every constraint: on the Curtois instances this lifts the
    proven bound from ~200 to within a few percent of the optimum.  The second worker still
    runs the interleaved LNS and local-search subsolvers that find the solutions.
    """
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = max(1, params.workers)
    solver.parameters.random_seed = params.seed
    solver.parameters.log_search_progress = params.log
    solver.parameters.relative_gap_limit = params.gap_limit
    if params.full_lp and params.workers <= 2:
        solver.parameters.subsolvers.append("max_lp")
    if params.full_lp and params.workers == 2 and params.lp_workers == 2:
        # Both workers search the whole model with the full LP: no LNS (strategy.lp_workers).
        solver.parameters.merge_text_format(
            'num_full_subsolvers: 2 subsolvers: "max_lp_search" subsolver_params { name: "max_lp_search"'
            " linearization_level: 2 search_branching: LP_SEARCH }"
        )


def _add_hints(built: BuiltModel) -> None:
    """Warm start from the previous (published) plan."""
    previous = built.rota.problem.previous
    if previous is None:
        return
    for pair, var in built.rota.x.items():
        if pair[1] in previous.shifts:
            built.rota.cp.add_hint(var, pair in previous.assignments)


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    start_from: decompose.Plan | None = None,
) -> SolveResult:
    """Solve the problem within the time limit and explain the outcome.

    ``start_from``: a plan to start from (a complete hint, when it keeps every hard rule).
    """
    params = params or SolveParams()
    started = time.monotonic()
    if start_from is None and _constructs(problem, params):
        return _solve_constructed(problem, params, started, on_progress, should_stop)
    built = build(problem)
    if params.hour_price > 0:
        _price_hours(built, params.hour_price)
    _add_hints(built)
    if start_from is not None:
        known = _complete_plan(built, start_from, params, params.time_limit - (time.monotonic() - started))
        if known is not None:
            search.set_hint(built.rota.cp, search.read_values(built.rota.cp, known))
    outcome = _search_split(built, params, started, on_progress, should_stop) or _search(
        built, params, started, on_progress, should_stop
    )
    return _finish(problem, built, params, started, outcome)


def _price_hours(built: BuiltModel, price: Fraction) -> None:
    """Minimise the objective plus ``price`` per hour worked by the people with a fair share,
    scaled to whole numbers (``built.objective_scale`` records the scale)."""
    x = built.rota.x
    hours = [
        (x[pair], price.numerator * minutes)
        for pair, minutes in district_bound.priced_minutes(built.rota.problem, x)
    ]
    scale = 60 * price.denominator
    common = max(1, math.gcd(scale * math.gcd(*(p.weight for p in built.penalties)), *(c for _, c in hours)))
    built.hour_price = price
    built.objective_scale = Fraction(scale, common)
    built.rota.cp.minimize(
        cp_model.LinearExpr.weighted_sum(
            [p.amount for p in built.penalties] + [v for v, _ in hours],
            [p.weight * scale // common for p in built.penalties] + [c // common for _, c in hours],
        )
    )


def _finish(
    problem: Problem, built: BuiltModel, params: SolveParams, started: float, outcome: _Outcome
) -> SolveResult:
    """The SolveResult of a search's outcome (with the conflicts behind an infeasible one)."""
    solver, status = outcome.solver, outcome.status
    if status == cp_model.MODEL_INVALID:
        raise ModelInvalid(built.rota.cp.validate())
    if status == cp_model.INFEASIBLE:
        remaining = params.time_limit - (time.monotonic() - started)
        conflicts = explain.conflicts(problem, find_conflict_keys(problem, params, remaining))
        return SolveResult(INFEASIBLE, None, None, time.monotonic() - started, conflicts=conflicts)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveResult(UNKNOWN, None, None, time.monotonic() - started)
    return _result(problem, built, solver, status, time.monotonic() - started, outcome.bound)


def _constructs(problem: Problem, params: SolveParams) -> bool:
    """True if the first roster comes from ``solver.construct`` (planned before the model is built)."""
    return (
        params.construct
        and params.full_lp
        and params.workers <= 2
        and params.hour_price == 0
        and strategy.needs_run_flow(problem)
        and construct.separable(problem)
        and (params.split_share <= 0 or decompose.split_by_station(problem) is None)
    )


def _solve_constructed(
    problem: Problem,
    params: SolveParams,
    started: float,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> SolveResult:
    """Construct a roster first, then build the model and go on from it in the time left.

    Instance 24 of the Curtois benchmark (150 people, 364 days) takes about a minute to build;
    when the model cannot be built (or solved from the roster) in time, the constructed roster
    is the answer, scored by ``solver.validate`` and with no proven bound.
    """
    stop = should_stop or (lambda: False)
    deadline = started + params.time_limit
    roster = _constructed(problem, params, started, stop)
    if roster is not None and on_progress is not None:
        on_progress(Progress(validate(problem, roster).objective, 0, time.monotonic() - started))
    proven: int | None = None
    if roster is not None and params.colgen and not stop():
        generated = colgen.generate(
            problem,
            started + params.colgen_until * params.time_limit,
            params.seed,
            start=roster,
            threads=max(1, params.workers),
            debug=params.log,
            should_stop=stop,
            gate=colgen.Gate() if params.colgen_gate else None,
            support=params.colgen_fix,
        )
        roster, proven = generated.roster or roster, generated.bound
        found = _objective_reporter(started, proven, on_progress)

        def report(better: construct.Roster) -> None:
            if on_progress is not None:
                found(validate(problem, better).objective)

        if generated.roster is not None:
            report(generated.roster)
        if generated.support and roster is not None:
            until = started + params.colgen_until * params.time_limit
            restricted = None if on_progress is None else lambda progress: found(progress.objective)
            roster = _round_lp(problem, params, generated, roster, until, restricted, stop)
        # Re-planning a few people at a time against the others mends what the dive left (and
        # takes over the time column generation gave back: under load it improves more than CP-SAT).
        until = started + params.colgen_lns_until * params.time_limit
        roster = construct.improve(
            problem, roster, until, params.seed, on_improvement=report, should_stop=stop, debug=params.log
        )
    try:
        built = build(problem, deadline=deadline - max(JOINT_MIN_SECONDS, JOINT_RESERVE * params.time_limit))
    except BuildTimeout:
        return _with_bound(_roster_result(problem, roster, started), proven)
    _add_hints(built)
    if roster is None:
        return _finish(
            problem,
            built,
            params,
            started,
            _search(built, replace(params, construct=False), started, on_progress, should_stop),
        )
    # Completing the roster and going on from it walk the whole model (presolve, the hint) more
    # than once: with less time left than the build took, CP-SAT only overruns its limit
    # (Instance24, 1.1 M variables, CPU share 0.28: 23 s past 300 s).
    if stop() or deadline - time.monotonic() < max(JOINT_MIN_SECONDS, built.build_seconds):
        return _with_bound(_roster_result(problem, roster, started), proven)
    first = _complete_plan(built, decompose.Plan(roster, {}), params, deadline - time.monotonic())
    if first is None or stop() or deadline - time.monotonic() < JOINT_MIN_SECONDS:
        return _with_bound(_roster_result(problem, roster, started), proven)
    improved = _improve(built, params, started, first, on_progress, stop)
    return _with_bound(_finish(problem, built, params, started, improved), proven)


def _objective_reporter(
    started: float, proven: int | None, on_progress: Callable[[Progress], None] | None
) -> Callable[[int], None]:
    """Reports an objective found before the joint model; the bound is column generation's, never
    a restricted model's."""

    def report(objective: int) -> None:
        if on_progress is not None:
            on_progress(Progress(objective, min(proven or 0, objective), time.monotonic() - started))

    return report


def _round_lp(
    problem: Problem,
    params: SolveParams,
    generated: colgen.Outcome,
    roster: construct.Roster,
    until: float,
    on_progress: Callable[[Progress], None] | None,
    stop: Callable[[], bool],
) -> construct.Roster:
    """The best roster CP-SAT finds by ``until`` with every assignment the master LP decides fixed.

    An assignment in every plan the (near-)converged LP weighs is fixed on, one in none of them off; the
    rest (Curtois 7: 325 of 1,248) is searched on the whole model with the flow model and the
    full-LP worker, from the LP's heaviest plans.  Curtois 7 (LP 1054): 1059, proven optimal for
    these fixings in 3 s, where the dive gave 1362-3179 and SCIP over the columns 1466-1663.  When
    that is proven with time left, only the assignments the LP leaves at 0 stay fixed.
    """
    try:
        built = build(problem, deadline=until - JOINT_MIN_SECONDS)
    except BuildTimeout:
        return roster
    add_run_flow(built.rota)
    best, hint = roster, generated.heaviest
    for fix_on in (True, False):
        solver = cp_model.CpSolver()
        _configure(solver, params, until - time.monotonic())
        status = solver.solve(
            _fixed_by_lp(built, generated.support, hint, fix_on=fix_on), _ProgressReporter(on_progress, stop)
        )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        hint = frozenset(pair for pair, var in built.rota.x.items() if solver.boolean_value(var))
        checked = validate(problem, hint)
        if checked.feasible and checked.objective < validate(problem, best).objective:
            best = hint
        if status != cp_model.OPTIMAL or stop() or until - time.monotonic() < JOINT_MIN_SECONDS:
            break
    return best


def _fixed_by_lp(
    built: BuiltModel,
    support: dict[tuple[str, str], float],
    hint: frozenset[tuple[str, str]],
    *,
    fix_on: bool,
) -> cp_model.CpModel:
    """A copy of the model with the assignments the LP leaves at 0 fixed off (``fix_on``: and at 1 on)."""
    fixed = cp_model.CpModel()
    fixed.proto.copy_from(built.rota.cp.proto)
    fixed.proto.clear_solution_hint()
    for pair, var in built.rota.x.items():
        value = support.get(pair, 0.0)
        if value <= LP_DECIDED or (fix_on and value >= 1 - LP_DECIDED):
            domain = fixed.proto.variables[var.index].domain
            domain.clear()
            domain.extend([int(value > LP_DECIDED)] * 2)
        fixed.proto.solution_hint.vars.append(var.index)
        fixed.proto.solution_hint.values.append(int(pair in hint))
    return fixed


def _with_bound(result: SolveResult, proven: int | None) -> SolveResult:
    """The result with a bound proven elsewhere (column generation) when it is the better one."""
    if proven is None or result.objective is None or (result.bound is not None and result.bound >= proven):
        return result
    bound = min(proven, result.objective)
    return replace(result, bound=bound, status=OPTIMAL if bound >= result.objective else result.status)


def _roster_result(
    problem: Problem, roster: frozenset[tuple[str, str]] | None, started: float
) -> SolveResult:
    """A constructed roster as the result (feasible, nothing proven), or unknown without one."""
    wall = time.monotonic() - started
    if roster is None:
        return SolveResult(UNKNOWN, None, None, wall)
    checked = validate(problem, roster)
    if not checked.feasible:  # never expected: construct validates every plan it keeps
        return SolveResult(UNKNOWN, None, None, wall)
    chosen = tuple(sorted(roster))
    return SolveResult(
        status=FEASIBLE,
        objective=checked.objective,
        bound=None,
        wall_time=wall,
        assignments=chosen,
        breakdown=explain.breakdown_scores(checked.scores),
        holes=explain.holes(problem, chosen),
        person_load=explain.person_load(problem, chosen),
        org_load=explain.org_load(problem, chosen),
    )


@dataclass
class _Outcome:
    """The solver holding the solution to report, its status, and the proven bound if known better."""

    solver: cp_model.CpSolver
    status: cp_model.CpSolverStatus
    bound: int | None = None


def _search(
    built: BuiltModel,
    params: SolveParams,
    started: float,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> _Outcome:
    """Run CP-SAT; on one or two workers, first a solution, then the bound-proving search from it.

    The full-LP worker and the run-flow model prove bounds but slow down the search for a first
    solution on larger rotas.  So CP-SAT's default workers first look for a solution (for at most
    90% of the time, stopping at the first); then the flow model is added and the search goes on
    from that solution (a complete hint) with the full-LP worker (``_improve``).  Without the flow
    model it is one run; on a small model both workers are full-LP workers (``strategy.lp_workers``).
    """
    deadline = started + params.time_limit
    simple = params.hour_price > 0 or not (params.full_lp and params.workers <= 2)
    if simple or not strategy.needs_run_flow(built.rota.problem):
        if params.lp_workers is None:
            size = len(built.rota.cp.proto.variables)
            params = replace(params, lp_workers=strategy.lp_workers(size, params.workers))
        solver, status = _run(
            built, params, deadline - time.monotonic(), _ProgressReporter(on_progress, should_stop)
        )
        return _Outcome(solver, status)
    first = _ProgressReporter(on_progress, should_stop, stop_at_first=True)
    solver, status = _run(built, replace(params, full_lp=False), 0.9 * (deadline - time.monotonic()), first)
    if status == cp_model.UNKNOWN and not first.stopped_by_caller and deadline - time.monotonic() > 0.05:
        reporter = _ProgressReporter(on_progress, should_stop)  # no solution yet: keep looking
        solver, status = _run(built, replace(params, full_lp=False), deadline - time.monotonic(), reporter)
    if status != cp_model.FEASIBLE or first.stopped_by_caller:
        return _Outcome(solver, status)
    return _improve(built, params, started, solver, on_progress, should_stop or (lambda: False))


def _search_split(
    built: BuiltModel,
    params: SolveParams,
    started: float,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> _Outcome | None:
    """Several stations: plan each station's part alone and prove the district's bound from the
    relaxed parts (``solver.decompose``), then re-plan one station's shifts at a time on the
    whole model, district-wide terms included (``solver.station_lns``); None when the problem
    does not split or the united plan breaks a hard rule (then the usual search runs in the
    time left)."""
    split = decompose.split_by_station(built.rota.problem)
    if split is None or params.split_share <= 0:
        return None
    deadline = started + params.time_limit

    def solve_part(
        part: Problem,
        seconds: float,
        first_only: bool,
        start: decompose.Plan | None,
        price: Fraction = Fraction(0),
    ) -> SolveResult:
        part_params = replace(
            params,
            time_limit=seconds,
            workers=1,
            explain_conflicts=False,
            split_share=0.0,
            gap_limit=decompose.PART_GAP,
            hour_price=price,
        )

        def stop() -> bool:
            return first_only or (should_stop is not None and should_stop())

        return solve(part, part_params, should_stop=stop, start_from=start)

    def report_first(plan: decompose.Plan) -> None:
        """Score the quick plan of the whole district and report it as the first solution."""
        if on_progress is None:
            return
        quick = _complete_plan(built, plan, params, deadline - time.monotonic())
        if quick is not None:
            on_progress(Progress(_objective_of(built, quick), 0, time.monotonic() - started))

    seconds = started + params.split_share * params.time_limit - time.monotonic()
    first = started + max(params.split_share, params.first_share) * params.time_limit - time.monotonic()
    # The relaxed parts' hours priced so that their bounds credit the district-wide terms
    # (solver.district_bound); the LPs run on a thread of their own while the parts are solved.
    # The first plans late (a loaded machine): the proofs may be cut short, so a price that
    # cannot bring the bound below the plain one.
    late = started + SAFE_PRICE_AFTER * params.time_limit
    pool = ThreadPoolExecutor(max_workers=1)
    pricing = _pricing(built, pool) if params.price_parts else None
    try:
        planned = decompose.plan_parts(
            split,
            solve_part,
            seconds,
            report_first,
            threads=max(1, params.workers),
            first_seconds=first,
            fair=params.fair_parts,
            prover=None if pricing is None else _prover(built.rota.problem, pricing, solve_part, late),
        )
        bound = planned.bound if pricing is None else pricing.bound(planned.bound)
    finally:  # a late solve does not wait for LPs it no longer needs
        if pricing is not None:
            pricing.close()
        pool.shutdown(wait=False, cancel_futures=True)
    fixed = _complete_plan(built, planned.plan, params, deadline - time.monotonic())
    if fixed is None:
        return None
    objective = _objective_of(built, fixed)
    if on_progress is not None:
        on_progress(Progress(objective, bound, time.monotonic() - started))
    if (should_stop is not None and should_stop()) or deadline - time.monotonic() < JOINT_MIN_SECONDS:
        return _Outcome(fixed, cp_model.OPTIMAL if bound >= objective else cp_model.FEASIBLE, bound)
    # The visits stay as planned (the parts' visit terms are proven optimal or near it); each
    # station's shifts are re-planned in turn under the district-wide rules the parts left out.
    incumbent = search.Incumbent(
        search.read_values(built.rota.cp, fixed), objective, fixed, cp_model.FEASIBLE
    )

    def report(better: search.Incumbent) -> None:
        if on_progress is not None:
            on_progress(Progress(better.objective, bound, time.monotonic() - started))

    best = station_lns.improve_stations(
        built.rota,
        incumbent,
        deadline,
        lambda solver: _objective_of(built, solver),
        seed=params.seed,
        threads=max(1, params.workers),
        on_improvement=report,
        should_stop=should_stop or (lambda: False),
    )
    return _Outcome(best.solver, cp_model.FEASIBLE, bound)


def _pricing(built: BuiltModel, pool: ThreadPoolExecutor) -> district_bound.Pricing:
    """The hour price of the district's relaxed parts, its LPs started on ``pool``."""
    return district_bound.Pricing(
        pool, lambda: district_bound.terms_of(built.rota.problem, district_bound.hour_caps(built.rota))
    )


def _prover(
    problem: Problem, pricing: district_bound.Pricing, solve_part: Callable[..., SolveResult], late: float
) -> Callable[[decompose.Plan], decompose.PartSolver]:
    """Given the first plans united, the relaxed parts' solver at the price for their hours (a
    price whose floor is not below 0 when the first plans came after ``late``, monotonic s)."""

    def prover(plan: decompose.Plan) -> decompose.PartSolver:
        hours = district_bound.fair_hours(problem, plan.assignments)
        price = pricing.choose(hours, safe=time.monotonic() > late)

        def prove(part: Problem, seconds: float, first: bool, start: decompose.Plan | None) -> SolveResult:
            return solve_part(part, seconds, first, start, price)

        return prove

    return prover


def _complete_plan(
    built: BuiltModel, plan: decompose.Plan, params: SolveParams, time_limit: float
) -> cp_model.CpSolver | None:
    """CP-SAT's values of every model variable for a plan (its choices fixed), or None."""
    solver = cp_model.CpSolver()
    _configure(solver, replace(params, workers=1, full_lp=False), max(0.5, time_limit))
    status = solver.solve(_pinned(built, plan, shifts=True))
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _pinned(built: BuiltModel, plan: decompose.Plan, *, shifts: bool) -> cp_model.CpModel:
    """A copy of the model with the plan's visits (and, with ``shifts``, its assignments) fixed."""
    fixed = cp_model.CpModel()
    fixed.proto.copy_from(built.rota.cp.proto)
    fixed.proto.clear_solution_hint()  # the plan fixes the choices; an old hint would only disagree
    rota = built.rota

    def pin(var: cp_model.IntVar, value: int) -> None:
        domain = fixed.proto.variables[var.index].domain  # a start's domain may have several spans
        domain.clear()
        domain.extend([value, value])

    for pair, var in rota.x.items() if shifts else ():
        pin(var, int(pair in plan.assignments))
    for (vid, pid), var in rota.visit_by.items():
        pin(var, int(plan.visits.get(vid, ("", 0))[0] == pid))
    for vid, (_, start) in plan.visits.items():
        pin(rota.visit_start[vid], start)
    return fixed


def _constructed(
    problem: Problem, params: SolveParams, started: float, should_stop: Callable[[], bool]
) -> construct.Roster | None:
    """A first roster from ``solver.construct`` (planned, then improved, a few people at a time).

    CP-SAT's first solution on rotas of a few dozen people is poor, and its LNS improves it
    slowly on two cores shared with the bound proof.  Planning people a few at a time against
    the needs the others leave takes seconds and its sub-models are small; CP-SAT then goes on
    from that roster (a complete hint) with the flow model and the full-LP worker.
    """
    limit = params.time_limit
    # Column generation re-plans everyone against priced coverage: a quick start is enough for it
    # (with a small share per person construct keeps the sequence builder's plans).
    share = min(params.construct_share, COLGEN_CONSTRUCT_SHARE) if params.colgen else params.construct_share
    roster = construct.construct(problem, started + share * limit, params.seed)
    if roster is None or should_stop() or params.colgen:  # column generation improves it instead
        return roster
    until = started + params.construct_lns_until * limit
    return construct.improve(problem, roster, until, params.seed, should_stop=should_stop, debug=params.log)


def _improve(
    built: BuiltModel,
    params: SolveParams,
    started: float,
    first: cp_model.CpSolver,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool],
) -> _Outcome:
    """Continue from the first solution: CP-SAT with the full-LP worker, or (``own_lns``, two workers)
    ``solver.search``'s LNS on this core and the bound proof on the other."""
    cp, deadline = built.rota.cp, started + params.time_limit
    incumbent = search.Incumbent(
        search.read_values(cp, first), _objective_of(built, first), first, cp_model.FEASIBLE
    )
    flow = add_run_flow(built.rota)  # after the first solution: it tightens the LP
    arcs = flow.hint(built.rota, lambda var: incumbent.values[var.index])
    incumbent.values += [arcs.get(i, 0) for i in range(len(incumbent.values), len(cp.proto.variables))]
    search.set_hint(cp, incumbent.values)  # complete: CP-SAT starts from it at once
    if not (params.own_lns and params.workers == 2):
        reporter = _ProgressReporter(on_progress, should_stop)
        solver, status = _run(built, params, deadline - time.monotonic(), reporter)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Outcome(solver, status)
        return _Outcome(first, cp_model.FEASIBLE, math.floor(solver.best_objective_bound + 1e-6))
    bound = search.SharedBound(-math.inf)  # raised by the bound thread (always, when it ends)

    def configure(solver: cp_model.CpSolver, limit: float) -> None:
        _configure(solver, replace(params, workers=1), limit)

    reporter = _ProgressReporter(on_progress, should_stop)
    thread, out = search.run_bound_thread(cp, configure, deadline - time.monotonic(), bound, reporter)

    def report(better: search.Incumbent) -> None:
        if on_progress is not None and math.isfinite(bound.value):
            ceiling = math.ceil(bound.value - 1e-6)
            on_progress(
                Progress(better.objective, min(ceiling, better.objective), time.monotonic() - started)
            )

    incumbent = search.improve(
        built.rota, incumbent, deadline, bound, params.seed, report, should_stop, debug=params.log
    )
    search.stop_bound_thread(out)
    thread.join()
    proof, proof_status = out.get("solver"), out.get("status")
    proven = math.ceil(bound.value - 1e-6)
    solved = proof_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if solved and isinstance(proof, cp_model.CpSolver) and _objective_of(built, proof) <= incumbent.objective:
        return _Outcome(
            proof, cp_model.OPTIMAL if proof_status == cp_model.OPTIMAL else cp_model.FEASIBLE, proven
        )
    status = cp_model.OPTIMAL if incumbent.objective <= proven else cp_model.FEASIBLE
    return _Outcome(incumbent.solver, status, proven)


def _run(
    built: BuiltModel, params: SolveParams, time_limit: float, reporter: _ProgressReporter
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """One CP-SAT run."""
    solver = cp_model.CpSolver()
    _configure(solver, params, time_limit)
    return solver, solver.solve(built.rota.cp, reporter)


def _objective_of(built: BuiltModel, solver: cp_model.CpSolver) -> int:
    """The objective of the solution the solver holds, from its penalty terms.

    After stop_search() with several workers, ``objective_value`` can belong to an earlier
    solution than the one the response holds.
    """
    return sum(p.value(solver) * p.weight for p in built.penalties)


def _result(
    problem: Problem,
    built: BuiltModel,
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    wall: float,
    proven: int | None = None,
) -> SolveResult:
    """Read the assignment and score breakdown out of the solver (``proven``: a better-known bound)."""
    chosen = tuple(sorted(pair for pair, var in built.rota.x.items() if solver.boolean_value(var)))
    amounts = [(p.rule, p.value(solver), p.weight) for p in built.penalties]
    # The objective is recomputed from the penalty terms: a solver that worked on a neighbourhood
    # (LNS) reports its sub-model's objective, the terms are what the rota really costs.
    objective = sum(amount * weight for _, amount, weight in amounts)
    bound = objective if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-6)
    if proven is not None and status != cp_model.OPTIMAL:
        bound = proven  # the solver may have solved a sub-rota: its own bound is not global
    if built.hour_price > 0:  # priced hours: a bound of the priced objective, not of the plain one
        priced = math.ceil(solver.best_objective_bound - 1e-6) / built.objective_scale
        bound, objective_cap = math.floor(priced), None
    else:
        objective_cap = objective
    return SolveResult(
        status=OPTIMAL if status == cp_model.OPTIMAL else FEASIBLE,
        objective=objective,
        bound=bound if objective_cap is None else min(bound, objective_cap),
        wall_time=wall,
        assignments=chosen,
        breakdown=explain.breakdown(amounts),
        holes=explain.holes(problem, chosen),
        person_load=explain.person_load(problem, chosen),
        org_load=explain.org_load(problem, chosen),
        visits=explain.visit_outcomes(problem, chosen, _visit_choices(built, solver)),
    )


def _visit_choices(built: BuiltModel, solver: cp_model.CpSolver) -> dict[str, tuple[str, int]]:
    """visit id -> (person, start) for every served visit."""
    rota = built.rota
    return {
        vid: (pid, int(solver.value(rota.visit_start[vid])))
        for (vid, pid), var in rota.visit_by.items()
        if solver.boolean_value(var)
    }


def find_conflict_keys(
    problem: Problem, params: SolveParams, time_limit: float
) -> list[tuple[str, str | None]]:
    """(rule, person) pairs whose hard rules together cannot hold (a sufficient set, not minimal)."""
    if not params.explain_conflicts:
        return []
    built = build(problem, explain_mode=True)
    keys = list(built.rota.assumptions)
    literals = [built.rota.assumptions[k] for k in keys]
    built.rota.cp.add_assumptions(literals)
    solver = cp_model.CpSolver()
    _configure(solver, SolveParams(workers=1, seed=params.seed, full_lp=False), max(1.0, time_limit))
    if solver.solve(built.rota.cp) != cp_model.INFEASIBLE:
        return []
    core = set(solver.sufficient_assumptions_for_infeasibility())
    return [k for k, lit in zip(keys, literals, strict=True) if lit.index in core]
