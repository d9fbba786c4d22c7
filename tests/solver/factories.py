"""Small hand-built problems for the solver tests."""

from __future__ import annotations

from dataclasses import replace

from solver.instance import Limits, Need, Organisation, Person, Pin, Problem, Shift, ShiftType, Weights
from solver.model import SolveParams, solve
from solver.result import SolveResult

NO_FAIRNESS = Weights(
    fairness_per_hour=0,
    org_share_per_hour=0,
    weekend_spread=0,
    night_spread=0,
    holiday_spread=0,
    stability_per_change=0,
)


def person(pid: str, org: str = "o1", **limits: object) -> Person:
    """A person with the given limits and no other restriction."""
    return Person(id=pid, name=pid.upper(), org=org, limits=Limits(**limits))  # type: ignore[arg-type]


def day_shift(
    day: int,
    type_id: str = "D",
    count: int = 1,
    start: int = 480,
    length: int = 480,
    under: int = 100,
    over: int = 0,
    **fields: object,
) -> Shift:
    """A shift of ``type_id`` on ``day`` needing ``count`` people."""
    base = Shift(
        id=f"{type_id}{day}",
        type=type_id,
        day=day,
        start=day * 1440 + start,
        end=day * 1440 + start + length,
        needs=(Need(count, under_weight=under, over_weight=over),),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def problem(people: list[Person], shifts: list[Shift], days: int = 7, **fields: object) -> Problem:
    """A problem over ``days`` days starting on a Monday, fairness off unless weights are given."""
    types = sorted({s.type for s in shifts})
    fields.setdefault("weights", NO_FAIRNESS)
    fields.setdefault("organisations", (Organisation("o1", "Org", "cadre"),))
    fields.setdefault("shift_types", tuple(ShiftType(t, t) for t in types))
    return Problem(
        name="t",
        start_date="2026-11-30",
        days=days,
        people=tuple(people),
        shifts=tuple(shifts),
        **fields,
    )  # type: ignore[arg-type]


def run(pr: Problem) -> SolveResult:
    """Solve a tiny problem deterministically (one worker, fixed seed, time limit as a safety net)."""
    return solve(pr, SolveParams(time_limit=20, workers=1, seed=1))


def pinned(pr: Problem, *pairs: tuple[str, str]) -> Problem:
    """The problem with (person, shift) pins added."""
    return replace(pr, pins=pr.pins + tuple(Pin(p, s) for p, s in pairs))


def conflict_rules(result: SolveResult) -> set[str]:
    """The hard rules named as conflicting."""
    assert result.status == "infeasible"
    return {c.rule for c in result.conflicts}


def score(result: SolveResult, rule: str) -> tuple[int, int]:
    """(count, penalty) of a soft rule in the breakdown, (0, 0) if absent."""
    for s in result.breakdown:
        if s.rule == rule:
            return s.count, s.penalty
    return 0, 0


def on(result: SolveResult, person_id: str) -> list[str]:
    """The shifts a person got."""
    return [s for p, s in result.assignments if p == person_id]


def trivial_objective_bound(cp: object) -> int:
    """The objective's lower bound from variable domains alone (what CP-SAT knows before any row)."""
    proto = cp.proto  # type: ignore[attr-defined]
    total = 0
    for var, coef in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        domain = proto.variables[var].domain
        total += coef * (domain[0] if coef > 0 else domain[len(domain) - 1])  # no negative index here
    return total
