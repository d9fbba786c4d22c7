"""Re-planning a district one station at a time under the exact district-wide terms."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from solver import search, submodel
from solver.decompose import Plan
from solver.instance import Organisation, Problem, Weights
from solver.model import BuiltModel, SolveParams, _complete_plan, _objective_of, build
from solver.station_lns import district_order, improve_stations, station_hoods
from solver.validate import validate
from tests.solver.factories import day_shift, person, problem

ONLY_FAIRNESS = Weights(
    fairness_per_hour=10,
    org_share_per_hour=0,
    weekend_spread=0,
    night_spread=0,
    holiday_spread=0,
    stability_per_change=0,
)


def _district(weights: Weights = ONLY_FAIRNESS) -> Problem:
    """Stations A and B, two people each with the same share, one shift a day for three days;
    ``x`` may work at both."""
    people = [
        replace(person(pid, "o1"), stations=(pid[0].upper(),), fair_share=100)
        for pid in ("a1", "a2", "b1", "b2")
    ]
    people.append(replace(person("x", "o1"), stations=("A", "B"), fair_share=0))
    shifts = [
        replace(day_shift(d, f"{st}D", over=1000), id=f"{st}{d}", station=st) for st in "AB" for d in range(3)
    ]
    orgs = (Organisation("o1", "One", "cadre"),)
    return problem(people, shifts, days=3, organisations=orgs, weights=weights)


def _start(pr: Problem, pairs: set[tuple[str, str]]) -> tuple[BuiltModel, search.Incumbent]:
    built = build(pr)
    known = _complete_plan(built, Plan(frozenset(pairs), {}), SolveParams(workers=1), 5.0)
    assert known is not None
    values = search.read_values(built.rota.cp, known)
    return built, search.Incumbent(values, _objective_of(built, known), known, cp_model.FEASIBLE)


def _improve(built: BuiltModel, start: search.Incumbent, threads: int) -> search.Incumbent:
    # Each station is proven optimal in a fraction of a second: the rounds end long before this.
    deadline = time.monotonic() + 30.0
    return improve_stations(built.rota, start, deadline, lambda s: _objective_of(built, s), threads=threads)


def test_station_hoods_free_the_people_of_their_home_station_wherever_they_work() -> None:
    built = build(_district())

    hoods = station_hoods(built.rota)

    freed = {h.station: {p for p, var in built.rota.x.items() if var.index in h.free} for h in hoods}
    assert {station: sorted({p for p, _ in pairs}) for station, pairs in freed.items()} == {
        "A": ["a1", "a2", "x"],
        "B": ["b1", "b2"],
    }
    assert sorted(s for p, s in freed["A"] if p == "x") == ["A0", "A1", "A2", "B0", "B1", "B2"]


def test_district_order_puts_the_station_farthest_from_the_shares_first() -> None:
    pr = _district()
    hoods = station_hoods(build(pr).rota)

    order = district_order(pr, {"a1": 8, "a2": 16, "b1": 24, "b2": 0}, hoods)

    assert [h.station for h in order] == ["B", "A"]


def test_improve_stations_rebalances_each_station_and_scores_as_the_validator_does() -> None:
    pr = _district()
    lopsided = {("a1", "A0"), ("a1", "A1"), ("a1", "A2"), ("b1", "B0"), ("b1", "B1"), ("b1", "B2")}
    built, start = _start(pr, lopsided)

    best = _improve(built, start, threads=1)

    chosen = [pair for pair, var in built.rota.x.items() if best.values[var.index]]
    check = validate(pr, chosen, [])
    assert check.violations == ()
    assert best.objective == check.objective < start.objective
    shifts = {p: sum(1 for q, _ in chosen if q == p) for p in ("a1", "a2", "b1", "b2", "x")}
    # x (no share) takes the third shift at A and at B, so everyone with a share is on target
    assert shifts == {"a1": 1, "a2": 1, "b1": 1, "b2": 1, "x": 2}
    assert check.objective == 0


def test_improve_stations_on_two_threads_merges_both_stations_changes() -> None:
    pr = _district()
    lopsided = {("a1", "A0"), ("a1", "A1"), ("a1", "A2"), ("b1", "B0"), ("b1", "B1"), ("b1", "B2")}
    built, start = _start(pr, lopsided)

    one, two = _improve(built, start, threads=1), _improve(built, start, threads=2)

    assert two.objective == one.objective


def test_improve_stations_without_a_readable_index_re_plans_on_the_whole_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pr = _district()
    lopsided = {("a1", "A0"), ("a1", "A1"), ("a1", "A2"), ("b1", "B0"), ("b1", "B1"), ("b1", "B2")}
    built, start = _start(pr, lopsided)
    expected = _improve(built, start, threads=1).objective

    def unreadable(_: object) -> submodel.ModelIndex:
        raise submodel.UnsupportedConstraint("table")

    monkeypatch.setattr(submodel, "index", unreadable)
    best = _improve(built, start, threads=1)

    assert best.objective == expected == 0
