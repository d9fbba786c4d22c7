"""A district split by station: the parts, and the joint solve that starts from their union."""

from __future__ import annotations

from dataclasses import replace

from solver.decompose import Plan, plan_parts, split_by_station
from solver.instance import Compound, Organisation, Pin, Problem, SkillGrant, Visit, Weights
from solver.model import SolveParams, solve
from solver.result import FEASIBLE, OPTIMAL, SolveResult
from solver.validate import validate
from tests.solver.factories import day_shift, person, problem

H = 60
ORGS = (
    Organisation("a1", "A cadres", "cadre", quota_permille=300),
    Organisation("a2", "A clinic", "clinic", quota_permille=200),
    Organisation("b1", "B cadres", "cadre", quota_permille=500),
)


def _district(**fields: object) -> Problem:
    """Two stations A and B, three people each (one of A's may also work at B), a visit at each."""
    people = [
        replace(person("a0", "a1"), stations=("A", "B"), fair_share=100),
        replace(person("a1", "a2"), stations=("A",), fair_share=100),
        replace(person("a2", "a2"), stations=("A",), fair_share=100),
        *(replace(person(f"b{i}", "b1"), stations=("B",), fair_share=100) for i in range(3)),
    ]
    people = [replace(p, skills=(SkillGrant("fix"),)) for p in people]
    shifts = [
        replace(day_shift(d, f"{st}D", count=1), id=f"{st}{d}", station=st) for st in "AB" for d in range(3)
    ]
    visits = tuple(
        Visit(f"v{st}", "repair", "fix", f"c{st}", 60, ((14 * H, 18 * H),), station=st) for st in "AB"
    )
    compounds = tuple(Compound(f"c{st}", st, station=st) for st in "AB")
    fields.setdefault("weights", Weights())
    return problem(people, shifts, days=3, organisations=ORGS, visits=visits, compounds=compounds, **fields)


def test_split_puts_people_at_their_first_station_and_work_at_its_own() -> None:
    parts = split_by_station(_district())

    assert parts is not None
    assert [sorted(p.id for p in part.people) for part in parts] == [["a0", "a1", "a2"], ["b0", "b1", "b2"]]
    assert [sorted(s.id for s in part.shifts) for part in parts] == [["A0", "A1", "A2"], ["B0", "B1", "B2"]]
    assert [[v.id for v in part.visits] for part in parts] == [["vA"], ["vB"]]
    assert [[c.id for c in part.compounds] for part in parts] == [["cA"], ["cB"]]


def test_split_rescales_quotas_to_sum_as_the_whole_districts_do() -> None:
    parts = split_by_station(_district())

    assert parts is not None
    assert [{o.id: o.quota_permille for o in part.organisations} for part in parts] == [
        {"a1": 600, "a2": 400},
        {"b1": 1000},
    ]


def test_split_refuses_one_station_and_pins_away_from_home() -> None:
    one = _district()
    one = replace(
        one,
        shifts=tuple(s for s in one.shifts if s.station == "A"),
        visits=tuple(v for v in one.visits if v.station == "A"),
    )

    assert split_by_station(one) is None
    assert split_by_station(_district(pins=(Pin("a0", "B1"),))) is None
    assert split_by_station(_district(pins=(Pin("a0", "A1"),))) is not None


def test_plan_parts_unites_the_parts_and_leaves_a_failed_part_empty() -> None:
    parts = split_by_station(_district())
    assert parts is not None

    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        if part.shifts[0].station == "B":
            return SolveResult("unknown", None, None, seconds)
        return SolveResult("optimal", 0, 0, seconds, assignments=(("a1", "A0"),))

    assert plan_parts(parts, fake, 1.0) == Plan(frozenset({("a1", "A0")}), {})


def test_plan_parts_reports_a_quick_plan_then_keeps_each_parts_better_plan() -> None:
    parts = split_by_station(_district())
    assert parts is not None
    calls: list[tuple[str, bool, Plan | None]] = []
    quick: list[Plan] = []

    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        station = part.shifts[0].station
        calls.append((station, first_only, start))
        person = "a1" if station == "A" else "b1"
        if first_only:  # A's first plan is better than its second, B's second is better
            cost, shift = (1, f"{station}0") if station == "A" else (9, f"{station}0")
        else:
            cost, shift = (5, f"{station}1") if station == "A" else (2, f"{station}1")
        return SolveResult("feasible", cost, 0, seconds, assignments=((person, shift),))

    plan = plan_parts(parts, fake, 1.0, quick.append)

    a0, b0 = Plan(frozenset({("a1", "A0")}), {}), Plan(frozenset({("b1", "B0")}), {})
    assert calls == [("A", True, None), ("B", True, None), ("A", False, a0), ("B", False, b0)]
    assert quick == [Plan(frozenset({("a1", "A0"), ("b1", "B0")}), {})]
    assert plan == Plan(frozenset({("a1", "A0"), ("b1", "B1")}), {})


def test_district_solve_goes_through_the_split_and_scores_as_the_validator_does() -> None:
    pr = _district()

    result = solve(pr, SolveParams(time_limit=10, workers=1, seed=0))

    assert result.status in (OPTIMAL, FEASIBLE)
    check = validate(pr, result.assignments, [(o.visit, o.person, o.start) for o in result.visits])
    assert check.violations == ()
    assert result.objective == check.objective
    assert {s for _, s in result.assignments} == {s.id for s in pr.shifts}  # every shift covered
    assert all(o.person is not None for o in result.visits)


def test_solve_starts_from_a_given_plan() -> None:
    part = split_by_station(_district())[0]  # type: ignore[index]
    params = SolveParams(time_limit=10, workers=1, seed=0, split_share=0.0)
    best = solve(part, params)
    plan = Plan(
        frozenset(best.assignments), {o.visit: (str(o.person), int(o.start or 0)) for o in best.visits}
    )
    chosen = {o.visit: o.person for o in best.visits}

    first = solve(part, params, should_stop=lambda: True, start_from=plan)  # stops at its first solution

    assert best.status == OPTIMAL
    assert (first.objective, set(first.assignments)) == (best.objective, set(best.assignments))
    assert {o.visit: o.person for o in first.visits} == chosen
