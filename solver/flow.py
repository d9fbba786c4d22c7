"""A network-flow formulation of each person's work/off pattern (a redundant, LP-strong model).

The run rules (``max_consecutive_days``, ``min_consecutive_days``, ``min_consecutive_days_off``)
are clauses in ``solver.rules.sequences``: exact, but their linear relaxation is weak, so the
LP bound of a rostering problem stays far below its optimum.  Here the same rules are the
language of a small automaton whose states remember the current run (working for ``l`` days,
off for ``k`` days, or still in the run that started before day 0).  Unrolled over the horizon it
is a layered graph; one unit of flow through it is one work/off pattern the rules allow, and the
flow polytope is integral, so its LP relaxation is the convex hull of the allowed patterns.

Every arc is a Boolean; the arcs of a day that enter working states sum to ``works(person, day)``.
The formulation is only added next to the clauses (never instead of them) and only outside
explain mode: it changes no solution, only the bound and the search.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.instance import Person
from solver.variables import RotaModel

# A state: ("W", l) working for l days, ("O", k) off for k days, ("W*", l)/("O*", 0) the run that
# was already going at day 0 (exempt from the minimum-run rules), ("S", 0) the start.
State = tuple[str, int]
START: State = ("S", 0)

DEFAULT_MAX_ARCS = 400_000  # above this the problem is too large for the extra rows to pay off


@dataclass(frozen=True)
class RunRules:
    """The run rules of one person, in the automaton's terms."""

    max_work: int | None  # longest allowed work run
    min_work: int  # shortest enclosed work run (1 = no rule)
    min_off: int  # shortest enclosed off run (1 = no rule)
    start: State  # the state at the end of day -1

    @property
    def work_cap(self) -> int:
        """Work runs are counted up to here (the longest that still matters)."""
        return self.max_work if self.max_work is not None else max(self.min_work, 1)


def run_rules(person: Person) -> RunRules | None:
    """The person's run rules, or None when there are none worth a flow model."""
    limits, history = person.limits, person.history
    max_work = limits.max_consecutive_days
    min_work = max(1, limits.min_consecutive_days or 1)
    min_off = max(1, limits.min_consecutive_days_off or 1)
    if max_work is None and min_work == 1 and min_off == 1:
        return None
    worked = history.consecutive_days_worked if history else 0
    rested = history.consecutive_days_off if history else 0
    if worked > 0:
        start: State = ("HW", worked)
    elif rested > 0:
        start = ("HO", rested)
    else:
        start = START
    return RunRules(max_work, min_work, min_off, start)


def successors(rules: RunRules, state: State) -> list[tuple[State, bool]]:
    """(next state, works that day) for every move the rules allow from ``state``.

    Work states count up to ``work_cap``; off states up to ``min_off``.  The run that was
    going on at day 0 is checked as docs/rules.md says: without history it is exempt from
    the minimum rules ("W*"/"O*"); with history its earlier days count ("HW"/"HO" start).
    """
    kind, n = state
    cap = rules.work_cap
    moves: list[tuple[State, bool]] = []
    if kind in ("S", "W*", "O*"):
        work_kind, length = ("W*", n) if kind in ("S", "W*") else ("W", 0)
        off: State = ("O*", 0) if kind in ("S", "O*") else ("O", 1)
    elif kind in ("W", "HW"):
        work_kind, length = "W", n
        off = ("O", 1) if (kind == "HW" or n >= rules.min_work) else ("", 0)
    else:  # "O", "HO"
        work_kind, length = "W", 0
        off = ("O", min(n + 1, rules.min_off))
        if kind == "O" and n < rules.min_off:
            length = -1  # an enclosed off run must reach min_off before work resumes
    if off[0]:
        moves.append((off, False))
    if length >= 0 and (rules.max_work is None or length + 1 <= rules.max_work):
        moves.append(((work_kind, min(length + 1, cap)), True))
    return moves


@dataclass
class RunFlow:
    """The arcs of every person's unrolled automaton, to complete a hint from a work pattern."""

    rules: dict[str, RunRules] = field(default_factory=dict)
    arcs: dict[tuple[str, int], dict[tuple[State, State], cp_model.IntVar]] = field(default_factory=dict)

    def hint(self, m: RotaModel, value: Callable[[cp_model.IntVar], int]) -> dict[int, int]:
        """Arc values (by variable index) of the paths that the assignment ``value`` takes."""
        values: dict[int, int] = {}
        for person in m.problem.people:
            rules = self.rules.get(person.id)
            if rules is None:
                continue
            state = rules.start
            for day in range(m.problem.days):
                working = any(value(v) for _, v in m.shifts_on_day(person.id, day))
                works = m.works(person, day)
                if not isinstance(works, int):
                    values[works.index] = int(working)  # it may be newer than the pattern's values
                nxt = next((s for s, w in successors(rules, state) if w == working), None)
                for (a, b), arc in self.arcs.get((person.id, day), {}).items():
                    values[arc.index] = int(a == state and b == nxt)
                if nxt is None:
                    return {}  # the pattern breaks a run rule: no hint from it
                state = nxt
        return values


def add_run_flow(m: RotaModel, max_arcs: int = DEFAULT_MAX_ARCS) -> RunFlow:
    """Add the flow model for every person with run rules (none if it would exceed ``max_arcs``)."""
    flow = RunFlow()
    plans = [(p, r) for p in m.problem.people if (r := run_rules(p)) is not None]
    estimate = sum(2 * (r.work_cap + r.min_off + 2) * m.problem.days for _, r in plans)
    if estimate > max_arcs:
        return flow
    for person, rules in plans:
        flow.rules[person.id] = rules
        _person_flow(m, person, rules, flow)
    return flow


def _person_flow(m: RotaModel, person: Person, rules: RunRules, flow: RunFlow) -> None:
    """Unroll the automaton over the horizon for one person."""
    cp = m.cp
    layer: dict[State, list[cp_model.IntVar] | None] = {rules.start: None}  # state -> arcs into it
    for day in range(m.problem.days):
        todays = flow.arcs.setdefault((person.id, day), {})
        works = m.works(person, day)
        arcs_in: dict[State, list[cp_model.IntVar]] = defaultdict(list)
        working_arcs: list[cp_model.IntVar] = []
        for state, into in layer.items():
            out = []
            for nxt, working in successors(rules, state):
                if working and isinstance(works, int):
                    continue
                arc = cp.new_bool_var(f"run(person={person.id},day={day},{_name(state)}->{_name(nxt)})")
                todays[(state, nxt)] = arc
                out.append(arc)
                arcs_in[nxt].append(arc)
                if working:
                    working_arcs.append(arc)
            if into is None:
                cp.add_exactly_one(out)
            else:
                cp.add(sum(out) == sum(into))
        cp.add(sum(working_arcs) == works)
        layer = dict(arcs_in)


def _name(state: State) -> str:
    return f"{state[0]}{state[1]}"
