"""Large-neighbourhood search on the rota model, next to a CP-SAT run that proves the bound.

On two cores CP-SAT's own portfolio has to share one thread between its LP worker (which
proves the bound) and its LNS workers (which improve solutions); on rotas of a few dozen
people that leaves solutions far from optimal.  Here the two jobs get a core each:

* the *bound* thread runs CP-SAT on the whole model with one worker that linearises every
  constraint, starting from the first solution as a hint;
* the main thread repeatedly frees a neighbourhood of the incumbent (all shifts of a few
  people, or all shifts of a window of days, or a few people over a window), fixes every
  other assignment, and lets CP-SAT re-solve that sub-rota from the incumbent.  A better or
  equal solution becomes the incumbent; the neighbourhood grows when sub-rotas are solved to
  optimality quickly and shrinks when they time out.

Sub-rotas are copies of the full model with variable domains fixed, so the variable indexes
(and therefore the solution read back by ``solver.model``) are the same as in the full model.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.variables import RotaModel

MIN_SUB_SECONDS = 0.3
MAX_SUB_SECONDS = 5.0
SUB_LINEARIZATION = 1  # sub-rotas are small: cheap nodes beat a full LP there


@dataclass
class Incumbent:
    """The best solution so far: values of every model variable, and where they came from."""

    values: list[int]
    objective: int
    solver: cp_model.CpSolver
    status: cp_model.CpSolverStatus


@dataclass
class SharedBound:
    """The best proven bound, written by the bound thread and read by the LNS loop."""

    value: float = 0.0
    done: bool = False  # the bound thread finished (optimal, or out of time)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def raise_to(self, bound: float) -> None:
        """Record a better bound."""
        with self.lock:
            self.value = max(self.value, bound)


@dataclass
class Neighbourhoods:
    """Chooses which (person, day) cells to free, and adapts the size to the sub-solve outcomes."""

    people: list[str]
    days: int
    rng: random.Random
    size: float = 0.15  # fraction of all cells freed

    def choose(self) -> tuple[set[str], range]:
        """People and days to free: a few people over the horizon, all people over a window, or a mix."""
        kind = self.rng.randrange(3)
        n_people = len(self.people)
        if kind == 0 or self.days < 7:
            k = max(1, min(n_people, round(self.size * n_people)))
            return set(self.rng.sample(self.people, k)), range(self.days)
        if kind == 1:
            width = max(2, min(self.days, round(self.size * self.days)))
            start = self.rng.randrange(self.days - width + 1)
            return set(self.people), range(start, start + width)
        share = min(1.0, 2 * self.size) ** 0.5  # half-and-half: people share x window share ~ 2 * size
        k = max(1, min(n_people, round(share * n_people)))
        width = max(2, min(self.days, round(share * self.days)))
        start = self.rng.randrange(self.days - width + 1)
        return set(self.rng.sample(self.people, k)), range(start, start + width)

    def adapt(self, solved_fast: bool) -> None:
        """Grow after a sub-rota solved to optimality, shrink after a timeout."""
        self.size = min(0.9, self.size * 1.15) if solved_fast else max(0.02, self.size / 1.15)


def read_values(model: cp_model.CpModel, solver: cp_model.CpSolver) -> list[int]:
    """The solver's value of every variable of the model (a complete hint)."""
    return list(solver.response_proto.solution)[: len(model.proto.variables)]


def set_hint(model: cp_model.CpModel, values: list[int]) -> None:
    """Replace the model's hint by a complete assignment."""
    model.proto.clear_solution_hint()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def run_bound_thread(
    model: cp_model.CpModel,
    configure: Callable[[cp_model.CpSolver, float], None],
    time_limit: float,
    bound: SharedBound,
    callback: cp_model.CpSolverSolutionCallback,
) -> tuple[threading.Thread, dict[str, object]]:
    """Start CP-SAT on the whole model in a thread; the dict receives its solver and status."""
    out: dict[str, object] = {}

    def work() -> None:
        solver = cp_model.CpSolver()
        out["running"] = solver
        configure(solver, time_limit)
        solver.best_bound_callback = bound.raise_to
        out["status"] = solver.solve(model, callback)
        out["solver"] = solver
        bound.raise_to(solver.best_objective_bound)
        bound.done = True

    thread = threading.Thread(target=work, name="rota-bound", daemon=True)
    thread.start()
    return thread, out


def stop_bound_thread(out: dict[str, object]) -> None:
    """Ask the bound thread's solver to stop (it returns its best so far)."""
    solver = out.get("running")
    if isinstance(solver, cp_model.CpSolver):
        solver.stop_search()


def improve(
    rota: RotaModel,
    incumbent: Incumbent,
    deadline: float,
    bound: SharedBound,
    seed: int,
    on_improvement: Callable[[Incumbent], None],
    should_stop: Callable[[], bool],
    debug: bool = False,
) -> Incumbent:
    """The LNS loop: until the deadline, a proven optimum, or a stop request."""
    sub = cp_model.CpModel()
    sub.proto.copy_from(rota.cp.proto)
    cells = _cells(rota)
    domains = [sub.proto.variables[i].domain for _, _, i in cells]
    original = {i: (d[0], d[len(d) - 1]) for (_, _, i), d in zip(cells, domains, strict=True)}  # no [-1] here
    hood = Neighbourhoods(sorted({p for p, _, _ in cells}), rota.problem.days, random.Random(seed))
    iteration = improved_count = 0
    while time.monotonic() < deadline - 0.05 and not should_stop():
        if bound.done or incumbent.objective <= bound.value + 1e-6:
            break
        people, days = hood.choose()
        for person, day, index in cells:
            domain = sub.proto.variables[index].domain
            if person in people and day in days:
                domain[0], domain[1] = original[index]
            else:
                domain[0] = domain[1] = incumbent.values[index]
        set_hint(sub, incumbent.values)
        limit = min(MAX_SUB_SECONDS, max(MIN_SUB_SECONDS, 0.05 * (deadline - time.monotonic())))
        limit = min(limit, deadline - time.monotonic())
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, limit)
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = SUB_LINEARIZATION
        solver.parameters.random_seed = seed + iteration
        iteration += 1
        status = solver.solve(sub)
        hood.adapt(status == cp_model.OPTIMAL)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        objective = round(solver.objective_value)
        if objective <= incumbent.objective:
            improved = objective < incumbent.objective
            incumbent = Incumbent(read_values(sub, solver), objective, solver, cp_model.FEASIBLE)
            if improved:
                improved_count += 1
                on_improvement(incumbent)
    if debug:
        print(f"lns: {iteration} sub-rotas, {improved_count} improvements, size {hood.size:.2f}")
    return incumbent


def _cells(rota: RotaModel) -> list[tuple[str, int, int]]:
    """(person, day, variable index) of every assignment variable."""
    shifts = rota.problem.shifts_by_id
    return [(person, shifts[shift].day, var.index) for (person, shift), var in rota.x.items()]
