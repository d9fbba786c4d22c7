"""A district split by station: the parts, and the joint solve that starts from their union."""

from __future__ import annotations

from dataclasses import replace

from solver.decompose import PartSolver, Plan, Split, plan_parts, relax_by_station, split_by_station
from solver.instance import Compound, Limits, Organisation, Pin, Problem, Request, SkillGrant, Visit, Weights
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


def _split(pr: Problem) -> Split:
    split = split_by_station(pr)
    assert split is not None
    return split


def test_split_puts_people_at_their_first_station_and_work_at_its_own() -> None:
    parts = _split(_district()).parts

    assert [sorted(p.id for p in part.people) for part in parts] == [["a0", "a1", "a2"], ["b0", "b1", "b2"]]
    assert [sorted(s.id for s in part.shifts) for part in parts] == [["A0", "A1", "A2"], ["B0", "B1", "B2"]]
    assert [[v.id for v in part.visits] for part in parts] == [["vA"], ["vB"]]
    assert [[c.id for c in part.compounds] for part in parts] == [["cA"], ["cB"]]


def test_split_parts_leave_out_the_district_wide_rules() -> None:
    split = _split(_district())

    assert {(part.weights.fairness_per_hour, part.weights.org_share_per_hour) for part in split.parts} == {
        (0, 0)
    }
    assert [[o.id for o in part.organisations] for part in split.parts] == [["a1", "a2"], ["b1"]]


def test_split_fair_parts_keep_the_district_wide_rules_with_quotas_rescaled() -> None:
    split = _split(_district())

    assert {part.weights for part in split.fair} == {Weights()}
    assert [{o.id: o.quota_permille for o in part.organisations} for part in split.fair] == [
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


def test_relaxed_parts_hold_everyone_who_may_work_there_without_minimums_or_their_requests() -> None:
    pr = _district(
        requests=(Request("a0", 0, None, on=True, weight=5), Request("a1", 0, None, on=True, weight=5))
    )
    pr = replace(pr, people=tuple(replace(p, limits=Limits(min_shifts=1, max_shifts=2)) for p in pr.people))

    relaxed = relax_by_station(pr)

    assert [sorted(p.id for p in part.people) for part in relaxed] == [
        ["a0", "a1", "a2"],
        ["a0", "b0", "b1", "b2"],
    ]
    assert {(p.limits.min_shifts, p.limits.max_shifts) for part in relaxed for p in part.people} == {
        (None, 2)
    }
    assert [[r.person for r in part.requests] for part in relaxed] == [["a1"], []]
    assert {part.weights.fairness_per_hour + part.weights.org_share_per_hour for part in relaxed} == {0}


def test_relaxed_parts_optima_sum_to_at_most_the_districts_optimum() -> None:
    """a0 may help at B in the district; each relaxed part may use a0 fully, so their sum is lower."""
    pr = _district(weights=Weights(fairness_per_hour=0, org_share_per_hour=5))
    pr = replace(pr, people=tuple(p for p in pr.people if p.id not in ("b1", "b2")))
    exact = SolveParams(time_limit=20, workers=1, seed=0, split_share=0.0)

    whole = solve(pr, exact)
    parts = [solve(part, exact) for part in relax_by_station(pr)]

    assert whole.status == OPTIMAL
    assert {r.status for r in parts} == {OPTIMAL}
    assert sum(r.objective or 0 for r in parts) <= (whole.objective or 0)


def test_plan_parts_unites_the_parts_and_leaves_a_failed_part_empty() -> None:
    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        if part.shifts[0].station == "B":
            return SolveResult("unknown", None, None, seconds)
        return SolveResult("optimal", 0, 0, seconds, assignments=(("a1", "A0"),))

    planned = plan_parts(_split(_district()), fake, 2.0)

    assert planned.plan == Plan(frozenset({("a1", "A0")}), {})
    assert planned.bound == 0


def test_plan_parts_proves_the_bound_on_the_relaxed_parts_and_takes_the_fair_parts_plans() -> None:
    split = _split(_district())
    calls: list[tuple[str, bool, bool, Plan | None]] = []
    quick: list[Plan] = []

    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        station, relaxed = part.shifts[0].station, any(part is r for r in split.relaxed)
        calls.append((station, relaxed, first_only, start))
        person = "a1" if station == "A" else "b1"
        if first_only:  # A's first plan is proven optimal, B's is not
            cost, bound, shift = (1, 1, "A0") if station == "A" else (9, 2, "B0")
        elif relaxed:  # the proofs
            cost, bound, shift = (1, 1, "A0") if station == "A" else (3, -5, "B0")
        else:
            cost, bound, shift = (5, 2, f"{station}1")
        return SolveResult("feasible", cost, bound, seconds, assignments=((person, shift),))

    planned = plan_parts(split, fake, 2.0, quick.append)

    a0, b0 = Plan(frozenset({("a1", "A0")}), {}), Plan(frozenset({("b1", "B0")}), {})
    assert calls == [
        ("A", False, True, None),
        ("B", False, True, None),
        ("A", True, False, a0),
        ("B", True, False, b0),
        ("B", False, False, b0),  # the fair parts, the one that may win most first
        ("A", False, False, a0),
    ]
    assert quick == [Plan(frozenset({("a1", "A0"), ("b1", "B0")}), {})]
    assert planned.plan == Plan(frozenset({("a1", "A1"), ("b1", "B1")}), {})  # the fair parts' plans
    assert planned.bound == 1  # B's negative bound counts as 0


def test_district_solve_goes_through_the_split_and_scores_as_the_validator_does() -> None:
    pr = _district()

    result = solve(pr, SolveParams(time_limit=10, workers=1, seed=0))

    assert result.status in (OPTIMAL, FEASIBLE)
    check = validate(pr, result.assignments, [(o.visit, o.person, o.start) for o in result.visits])
    assert check.violations == ()
    assert result.objective == check.objective
    assert result.bound is not None
    assert 0 <= result.bound <= check.objective  # here only the district-wide terms cost anything
    assert {s for _, s in result.assignments} == {s.id for s in pr.shifts}  # every shift covered
    assert all(o.person is not None for o in result.visits)


def test_solve_starts_from_a_given_plan() -> None:
    part = _split(_district()).parts[0]
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


def test_plan_parts_without_fair_parts_takes_a_proofs_plan_that_fits_the_part() -> None:
    split = _split(_district())

    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        station, relaxed = part.shifts[0].station, any(part is r for r in split.relaxed)
        if first_only:
            return SolveResult(
                "feasible", 9, 0, seconds, assignments=((f"{station.lower()}1", f"{station}0"),)
            )
        if relaxed:  # A's better plan has only A's people, B's uses a0 (home at A)
            person = "a2" if station == "A" else "a0"
            return SolveResult("optimal", 5, 5, seconds, assignments=((person, f"{station}1"),))
        return SolveResult("feasible", 7, 5, seconds, assignments=(("b2", "B2"),))  # the plain parts

    planned = plan_parts(split, fake, 2.0, fair=False)

    # A: the proof's plan (and A has nothing left to win); B: the plain part's second plan
    assert planned.plan == Plan(frozenset({("a2", "A1"), ("b2", "B2")}), {})
    assert planned.bound == 10


def test_plan_parts_proves_the_relaxed_parts_with_the_provers_solver_given_the_first_plans() -> None:
    split = _split(_district())
    seen: list[Plan] = []

    def fake(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
        station = part.shifts[0].station
        return SolveResult("optimal", 1, 1, seconds, assignments=((f"{station.lower()}1", f"{station}0"),))

    def prover(plan: Plan) -> PartSolver:
        seen.append(plan)

        def priced(part: Problem, seconds: float, first_only: bool, start: Plan | None) -> SolveResult:
            assert any(part is r for r in split.relaxed)
            return SolveResult("optimal", 1, 4, seconds)

        return priced

    planned = plan_parts(split, fake, 2.0, fair=False, prover=prover)

    assert seen == [Plan(frozenset({("a1", "A0"), ("b1", "B0")}), {})]
    assert planned.bound == 8  # the priced bounds, 4 at each station
