"""The sub-model of a neighbourhood: only what it can change, objective exact."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

from ortools.sat.python import cp_model

from solver import search, submodel
from solver.decompose import Plan
from solver.instance import Compound, Organisation, Problem, SkillGrant, Visit, Weights
from solver.model import BuiltModel, SolveParams, _complete_plan, _objective_of, _visit_choices, build
from solver.station_lns import station_hoods
from solver.validate import validate
from tests.solver.factories import day_shift, person, problem

EVERY_TERM = Weights(
    fairness_per_hour=10,
    org_share_per_hour=5,
    weekend_spread=20,
    night_spread=20,
    holiday_spread=20,
    stability_per_change=0,
)


def _district(visits: tuple[Visit, ...] = ()) -> Problem:
    """Stations A and B, two people each in two organisations with quotas, one shift a day for
    three days (weekend included); ``x`` may work at both."""
    orgs = (
        Organisation("o1", "One", "cadre", quota_permille=700),
        Organisation("o2", "Two", "volunteer", 300),
    )
    people = [
        replace(
            person(pid, org, max_shifts=3),
            stations=(pid[0].upper(),),
            fair_share=100,
            skills=(SkillGrant("fix"),),
        )
        for pid, org in (("a1", "o1"), ("a2", "o2"), ("b1", "o1"), ("b2", "o2"))
    ]
    people.append(replace(person("x", "o2"), stations=("A", "B"), fair_share=50))
    shifts = [
        replace(day_shift(d, f"{st}D", length=360, over=1000), id=f"{st}{d}", station=st)
        for st in "AB"
        for d in (4, 5, 6)
    ]
    compounds = (Compound("c1", "Jiangqiao", "A"), Compound("c2", "Riverside", "B"))
    return problem(people, shifts, organisations=orgs, weights=EVERY_TERM, compounds=compounds, visits=visits)


def _visit(vid: str, station: str, day: int) -> Visit:
    start = day * 1440 + 15 * 60
    return Visit(vid, "repair", "fix", "c1" if station == "A" else "c2", 60, ((start, start + 180),), station)


def _start(pr: Problem, pairs: set[tuple[str, str]]) -> tuple[BuiltModel, cp_model.CpSolver]:
    built = build(pr)
    # Any plan of the visits will do: solve once with the shifts free, then fix it.
    solved = _complete_plan(built, Plan(frozenset(pairs), {}), SolveParams(workers=1, seed=1), 5.0)
    assert solved is not None
    return built, solved


def _decisions(built: BuiltModel) -> frozenset[int]:
    rota = built.rota
    return frozenset(
        [v.index for v in rota.x.values()]
        + [v.index for v in rota.visit_by.values()]
        + [v.index for v in rota.visit_start.values()]
    )


def _checked(pr: Problem, built: BuiltModel, solver: cp_model.CpSolver) -> int:
    """The validator's objective of the plan the solver holds (every hard rule kept)."""
    chosen = [pair for pair, var in built.rota.x.items() if solver.boolean_value(var)]
    visits = [(vid, pid, start) for vid, (pid, start) in _visit_choices(built, solver).items()]
    check = validate(pr, chosen, visits)
    assert check.violations == ()
    return check.objective


LOPSIDED = {("a1", "A4"), ("a1", "A5"), ("a1", "A6"), ("b1", "B4"), ("b1", "B5"), ("b1", "B6")}


def test_reach_leaves_out_the_other_stations_rows_and_moves_no_fixed_decision() -> None:
    built = build(_district())
    hood = next(h for h in station_hoods(built.rota) if h.station == "A")

    where = submodel.reach(submodel.index(built.rota.cp), hood.free, _decisions(built))

    x = built.rota.x
    assert {pair for pair, var in x.items() if var.index in where.moving} == {
        pair for pair, var in x.items() if var.index in hood.free
    }
    assert 0 < len(where.constraints) < len(built.rota.cp.proto.constraints)
    # b1's own rows (at most three shifts) hold none of A's free shifts
    b1 = {var.index for pair, var in x.items() if pair[0] == "b1"}
    own = [n for n, held in enumerate(submodel.index(built.rota.cp).variables_of) if set(held) <= b1]
    assert own
    assert not set(own) & set(where.constraints)


def test_sub_model_objective_is_the_whole_models_on_every_plan_of_the_hood() -> None:
    pr = _district()
    built, start = _start(pr, LOPSIDED)
    values = search.read_values(built.rota.cp, start)
    hood = next(h for h in station_hoods(built.rota) if h.station == "A")
    where = submodel.reach(submodel.index(built.rota.cp), hood.free, _decisions(built))
    sub = submodel.sub_model(built.rota.cp)
    a_shifts = sorted(
        i for i in hood.free if i in {built.rota.x[("a1", s)].index for s in ("A4", "A5", "A6")}
    )

    seen = []
    for choice in product((0, 1), repeat=len(a_shifts)):
        sub.load(where, values, fix=dict(zip(a_shifts, choice, strict=True)))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10.0  # a safety net: each is solved in milliseconds
        assert solver.solve(sub.model) == cp_model.OPTIMAL
        seen.append(_objective_of(built, solver))

        assert _objective_of(built, solver) == _checked(pr, built, solver)
    assert len(set(seen)) > 1  # the choices really differ in the district-wide terms


def test_sub_model_with_visits_keeps_every_rule_and_scores_as_the_validator() -> None:
    pr = _district(visits=(_visit("v1", "A", 4), _visit("v2", "A", 5), _visit("v3", "B", 4)))
    built, start = _start(pr, LOPSIDED)
    values = search.read_values(built.rota.cp, start)
    index = submodel.index(built.rota.cp)
    sub = submodel.sub_model(built.rota.cp)

    for hood in station_hoods(built.rota):
        sub.load(submodel.reach(index, hood.free, _decisions(built)), values)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10.0
        assert solver.solve(sub.model) == cp_model.OPTIMAL

        assert _objective_of(built, solver) == _checked(pr, built, solver) <= _objective_of(built, start)
        values = search.read_values(built.rota.cp, solver)
    served = [v for v, var in built.rota.visit_by.items() if values[var.index]]
    assert len(served) == len([v for v, var in built.rota.visit_by.items() if start.boolean_value(var)])
