"""Rosters built a few people at a time from small sub-rotas, and improved the same way.

When every hard rule binds one person at a time and every soft rule is a sum over people
plus coverage (no visits, no fairness between people, no organisation quotas), a block of
people can be re-planned exactly with everyone else fixed: coverage needs are reduced by the
fixed people who count towards them, which changes the objective only by a constant.  Such a
*residual* problem is an ordinary ``Problem`` with few people, so its CP-SAT model is small
and quick to build and presolve, unlike a copy of the whole model with most variables fixed.

* ``construct`` plans the people block by block (each against the needs left by the blocks
  before it) and returns a roster that satisfies every hard rule, or None;
* ``improve`` frees a few people at a time, re-plans them against the rest, and keeps the new
  plan when it costs no more (compared by ``solver.validate`` on the residual problem).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from solver import sequence
from solver.instance import PreviousPlan, Problem
from solver.rules.coverage import matches
from solver.validate import validate

Pair = tuple[str, str]
Roster = frozenset[Pair]
MIN_BLOCK_SECONDS = 0.1
MAX_BLOCK_SECONDS = 10.0
MAX_FIND_SECONDS = 600.0  # a block's search for any plan at all, even without a deadline (tests)
IMPROVE_BLOCK_SECONDS = 1.0
FIRST_SLICE_SECONDS = 0.25
STALL_BLOCKS_PER_PERSON = 3
OPTIMISE_MIN_SECONDS = 2.0  # below this share a person keeps the sequence builder's plan (a year's
# one-person model takes about a second to build on Curtois instance 24)
SEED_LIMIT = 2**31  # CP-SAT's random_seed is an int32


def separable(problem: Problem) -> bool:
    """True if re-planning some people with the others fixed changes the objective exactly.

    That holds when no soft rule compares people (fair shares, spreads, organisation quotas)
    and there are no home visits (a visit may go to any of several people).
    """
    w = problem.weights
    compared = sum(p.fair_share > 0 for p in problem.people) >= 2
    spreads = (w.fairness_per_hour, w.weekend_spread, w.night_spread, w.holiday_spread)
    if compared and any(weight > 0 for weight in spreads):
        return False
    if w.org_share_per_hour > 0 and any(o.quota_permille > 0 for o in problem.organisations):
        return False
    return not problem.visits


def residual(problem: Problem, roster: Iterable[Pair], free: set[str]) -> Problem:
    """The problem of planning only the ``free`` people, with the roster's other assignments fixed.

    Each need's count drops by the fixed people who count towards it (down to 0: beyond that
    every further person is surplus either way).
    """
    people = problem.people_by_id
    shifts = problem.shifts_by_id
    fixed: Counter[tuple[str, int]] = Counter()
    for person_id, shift_id in roster:
        if person_id in free:
            continue
        shift = shifts[shift_id]
        for k, need in enumerate(shift.needs):
            if matches(problem, people[person_id], shift, need):
                fixed[(shift_id, k)] += 1
    new_shifts = tuple(
        replace(
            s,
            needs=tuple(replace(n, count=max(0, n.count - fixed[(s.id, k)])) for k, n in enumerate(s.needs)),
        )
        if any(fixed[(s.id, k)] for k in range(len(s.needs)))
        else s
        for s in problem.shifts
    )
    previous = problem.previous
    if previous is not None:
        previous = PreviousPlan(previous.shifts, frozenset(a for a in previous.assignments if a[0] in free))
    return replace(
        problem,
        people=tuple(p for p in problem.people if p.id in free),
        shifts=new_shifts,
        requests=tuple(r for r in problem.requests if r.person in free),
        pins=tuple(p for p in problem.pins if p.person in free),
        previous=previous,
    )


@dataclass(frozen=True)
class BlockResult:
    """A re-planned block: its assignments, and whether CP-SAT proved them optimal for the block."""

    pairs: Roster
    optimal: bool


def plan_block(
    sub: Problem,
    hint: Iterable[Pair],
    time_limit: float,
    seed: int,
    clock: Callable[[], float] = time.monotonic,
    find_limit: float | None = None,
) -> BlockResult | None:
    """Plan the people of a residual problem with CP-SAT (one worker); None if no plan was found.

    Without a hint, a plan meeting the hard rules is looked for first (objective ignored; for up
    to ``find_limit`` seconds, default ``time_limit``) and then used as the hint, so that the
    optimising search always has one; the optimising search stops at ``time_limit`` in all.
    """
    from solver.model import build  # solver.model imports this module

    started = clock()
    rota = build(sub).rota
    hinted = set(hint)
    if not hinted:
        limit = time_limit if find_limit is None else max(time_limit, find_limit)
        found = _find_plan(_without_objective(rota.cp), started + limit, seed, clock)
        if found is None:
            return None
        hinted = {pair for pair, var in rota.x.items() if found.boolean_value(var)}
        if clock() - started >= time_limit - 0.01:
            return BlockResult(frozenset(hinted), False)
    for pair, var in rota.x.items():
        rota.cp.add_hint(var, pair in hinted)
    solved = _solve(rota.cp, time_limit - (clock() - started), seed)
    if solved is None:
        return BlockResult(frozenset(hinted), False) if not hint else None
    solver, optimal = solved
    return BlockResult(frozenset(pair for pair, var in rota.x.items() if solver.boolean_value(var)), optimal)


def _without_objective(model: cp_model.CpModel) -> cp_model.CpModel:
    """A copy of the model that only asks for a solution."""
    copy = cp_model.CpModel()
    copy.proto.copy_from(model.proto)
    copy.proto.clear_objective()
    return copy


def _find_plan(
    model: cp_model.CpModel, deadline: float, seed: int, clock: Callable[[], float]
) -> cp_model.CpSolver | None:
    """A solution by restarts with new seeds and doubling time slices (from 0.25 s) until the deadline.

    The time CP-SAT needs for a first plan of one person varies tenfold between seeds.
    """
    slice_seconds = FIRST_SLICE_SECONDS
    while (remaining := deadline - clock()) > 0.01:
        solver, status = _run(model, min(slice_seconds, remaining), seed)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return solver
        if status == cp_model.INFEASIBLE:  # proven: no seed will find one
            return None
        slice_seconds, seed = 2 * slice_seconds, (seed + 7919) % SEED_LIMIT
    return None


def _solve(model: cp_model.CpModel, time_limit: float, seed: int) -> tuple[cp_model.CpSolver, bool] | None:
    """One-worker CP-SAT run: the solver and whether it proved optimality, if it found a solution."""
    solver, status = _run(model, time_limit, seed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return solver, status == cp_model.OPTIMAL


def _run(
    model: cp_model.CpModel, time_limit: float, seed: int
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """One CP-SAT run on one worker with quick restarts."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % SEED_LIMIT
    # With one worker the default branching often finds no plan at all for one person over
    # months whose minutes must land in a narrow window; quick restarts find one in < 1 s.
    solver.parameters.search_branching = cp_model.PORTFOLIO_WITH_QUICK_RESTART_SEARCH
    return solver, solver.solve(model)


def construct(
    problem: Problem,
    deadline: float,
    seed: int,
    block_size: int = 1,
    clock: Callable[[], float] = time.monotonic,
) -> Roster | None:
    """A roster meeting every hard rule, planned block by block; None if a block found no plan in time.

    A one-person block first gets the plan of ``solver.sequence`` (milliseconds to a fraction of
    a second), which CP-SAT improves when the block's share of the time allows, and CP-SAT looks
    for a plan only when the sequence builder finds none.

    Each block optimises for an equal share of the time left, but may take all of it to find a
    plan that keeps the hard rules: a roster that is poor but complete beats none (the improving
    phases that follow work on it).  Instance 20 of the Curtois benchmark (50 people, 182 days):
    one person's first plan takes 0.1-0.9 s, its optimisation would take any time it is given.
    """
    order = [p.id for p in problem.people]
    random.Random(seed).shuffle(order)
    blocks = [order[i : i + block_size] for i in range(0, len(order), block_size)]
    roster: set[Pair] = set()
    for k, block in enumerate(blocks):
        # People not planned yet hold no shifts, so the residual needs are those left so far.
        sub = residual(problem, roster, set(block))
        quick = sequence.plan_person(sub, seed + k) if len(block) == 1 else None
        remaining = deadline - clock()
        limit = min(MAX_BLOCK_SECONDS, remaining / (len(blocks) - k))
        if quick is not None and limit < OPTIMISE_MIN_SECONDS:  # past the deadline too: it is cheap
            roster |= quick
            continue
        if remaining <= 0:
            return None
        finding = min(remaining, MAX_FIND_SECONDS)
        result = plan_block(sub, quick or (), limit, seed + k, clock, find_limit=finding)
        if result is not None:
            roster |= result.pairs
        elif quick is not None:
            roster |= quick
        else:
            return None
    return frozenset(roster)


@dataclass
class BlockSize:
    """How many people one improvement step frees: grows on quick optimal solves, shrinks on timeouts."""

    value: float
    largest: int

    def adapt(self, optimal: bool) -> None:
        """Grow after a block solved to optimality, shrink after a timeout."""
        self.value = min(self.largest, self.value * 1.2) if optimal else max(1.0, self.value / 1.2)


def improve(
    problem: Problem,
    roster: Roster,
    deadline: float,
    seed: int,
    on_improvement: Callable[[Roster], None] = lambda _: None,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    debug: bool = False,
) -> Roster:
    """Re-plan a few people at a time against the rest; never returns a worse roster.

    Stops at the deadline, on request, or after ``STALL_BLOCKS_PER_PERSON`` blocks per person
    without an improvement (the roster is then a local optimum for these moves, in all likelihood).
    """
    rng = random.Random(seed)
    people = [p.id for p in problem.people]
    size = BlockSize(2.0, len(people))
    step = since_better = 0
    while (
        clock() < deadline - 0.05
        and not should_stop()
        and since_better < STALL_BLOCKS_PER_PERSON * len(people)
    ):
        free = set(rng.sample(people, max(1, min(len(people), round(size.value)))))
        sub = residual(problem, roster, free)
        current = frozenset(pair for pair in roster if pair[0] in free)
        limit = min(IMPROVE_BLOCK_SECONDS, max(MIN_BLOCK_SECONDS, 0.02 * (deadline - clock())))
        result = plan_block(sub, current, min(limit, deadline - clock()), seed + step)
        step, since_better = step + 1, since_better + 1
        if result is None:
            size.adapt(False)
            continue
        size.adapt(result.optimal)
        before, after = validate(sub, current), validate(sub, result.pairs)
        if after.feasible and after.objective <= before.objective:
            roster = (roster - current) | result.pairs
            if after.objective < before.objective:
                since_better = 0
                on_improvement(roster)
    if debug:
        print(f"construct.improve: {step} blocks, size {size.value:.1f}, {since_better} since the last gain")
    return roster
