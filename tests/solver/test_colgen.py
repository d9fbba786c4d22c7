"""solver.colgen: the master LP, its duals, the Lagrangian bound and the rosters of price-and-branch."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import colgen
from solver.instance import Problem, Request
from solver.model import SolveParams, solve
from solver.result import OPTIMAL
from solver.validate import validate
from tests.rota.test_curtois_data import instance_path
from tests.solver.factories import day_shift, person, problem
from tests.solver.test_construct import separable_problems

FEW = settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SAFETY = 30.0  # seconds: a safety net only, the small problems converge in a fraction of it


def _generate(pr: Problem, seed: int = 0) -> colgen.Outcome:
    """Column generation from scratch on one thread, converging long before the safety deadline."""
    return colgen.generate(pr, deadline=_now() + SAFETY, seed=seed, threads=1, master_share=0.0)


def _now() -> float:
    import time

    return time.monotonic()


def _all_columns(pr: Problem) -> dict[str, list[colgen.Column]]:
    """Every plan of every person that keeps their hard rules, by brute force over their shifts."""
    columns: dict[str, list[colgen.Column]] = {}
    for p in pr.people:
        pricer = colgen.pricer(pr, p.id)
        own = pricer.rota.problem  # the person alone, needs removed
        pairs = list(pricer.rota.x)
        for size in range(len(pairs) + 1):
            for chosen in itertools.combinations(pairs, size):
                checked = validate(own, chosen)
                if checked.feasible:
                    columns.setdefault(p.id, []).append(pricer.column(frozenset(chosen), checked.objective))
    return columns


def _two_people() -> Problem:
    """Two people over four days, one able to work at most twice, with requests that pull apart."""
    return problem(
        [person("a", max_shifts=2, max_consecutive_days=1), person("b", max_shifts=3)],
        [day_shift(d, count=1 + (d == 2), over=3) for d in range(4)],
        days=4,
        requests=(
            Request("a", 0, None, False, 40),
            Request("b", 1, None, False, 7),
            Request("b", 2, "D", True, 5),
        ),
    )


def test_master_lp_duals_price_every_column_non_negative() -> None:
    pr = _two_people()
    columns = _all_columns(pr)
    needs = colgen.need_terms(pr)

    lp = colgen.solve_master_lp(needs, columns)

    for cols in columns.values():
        mu = min(c.cost - sum(lp.duals[k] for k in c.covers) for c in cols)
        chosen = [c for c, w in lp.weights[cols[0].person] if w > 1e-9]
        assert all(c.cost - sum(lp.duals[k] for k in c.covers) == pytest.approx(mu) for c in chosen)
    value = sum(n.count * lp.duals[n.key] for n in needs) + sum(
        min(c.cost - sum(lp.duals[k] for k in c.covers) for c in cols) for cols in columns.values()
    )
    assert value == pytest.approx(lp.value)  # strong duality: the Lagrangian at the LP's duals


def test_generate_reaches_the_brute_force_lp_and_its_bound() -> None:
    pr = _two_people()
    brute = colgen.solve_master_lp(colgen.need_terms(pr), _all_columns(pr))

    outcome = _generate(pr)

    assert outcome.converged
    assert outcome.lp_value == pytest.approx(brute.value)
    assert outcome.bound == math.ceil(brute.value - 1e-6)


def test_generate_roster_is_valid_and_scored_by_validate() -> None:
    pr = _two_people()
    optimum = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))

    outcome = _generate(pr)

    assert optimum.status == OPTIMAL
    assert outcome.roster is not None
    checked = validate(pr, outcome.roster)
    assert checked.violations == ()
    assert outcome.objective == checked.objective
    assert outcome.bound is not None
    assert outcome.bound <= optimum.objective <= outcome.objective


def test_generate_keeps_a_better_start() -> None:
    pr = _two_people()
    best = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, start=best.assignments, threads=1)

    assert outcome.objective is not None
    assert outcome.objective <= best.objective


def test_generate_finds_nothing_when_a_person_has_no_plan() -> None:
    pr = problem([person("a", min_shifts=5)], [day_shift(d) for d in range(3)], days=3)

    outcome = _generate(pr)

    assert outcome.roster is None
    assert outcome.bound is None


def test_scaled_duals_stay_inside_the_need_weights() -> None:
    needs = [colgen.NeedTerm(("s", 0), 1, 100, 1), colgen.NeedTerm(("t", 0), 0, 100, 1)]

    scaled = colgen.scaled_duals(needs, {("s", 0): 250.0, ("t", 0): -7.5})

    assert scaled == {("s", 0): 100 * colgen.SCALE, ("t", 0): -1 * colgen.SCALE}


@FEW
@given(separable_problems())
def test_bound_never_exceeds_the_optimum(pr: Problem) -> None:
    optimum = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))

    outcome = _generate(pr)

    if optimum.status != OPTIMAL:  # infeasible, or (never seen) not proven in time
        return
    assert outcome.bound is not None
    assert outcome.bound <= optimum.objective
    assert outcome.roster is not None
    assert validate(pr, outcome.roster).violations == ()


@pytest.mark.parametrize(("number", "optimum"), [(1, 607), (2, 828)])
def test_curtois_bound_below_the_proven_optimum(number: int, optimum: int) -> None:
    from rota.importers.curtois import parse_file, to_problem

    pr = to_problem(parse_file(instance_path(number)))  # skips where the benchmark is absent

    outcome = colgen.generate(pr, deadline=_now() + 15.0, seed=0, threads=1)

    assert outcome.bound is not None
    assert 0 < outcome.bound <= optimum
    assert outcome.roster is not None
    assert validate(pr, outcome.roster).violations == ()


def _runs_problem() -> Problem:
    """Three people over a week with minimum runs (so solve takes the constructive path)."""
    people = [person(pid, max_shifts=4, min_consecutive_days=2, min_consecutive_days_off=2) for pid in "abc"]
    return problem(
        people,
        [day_shift(d, count=2 - (d % 3 == 0), over=2) for d in range(7)],
        requests=(Request("a", 2, None, False, 30), Request("c", 5, "D", True, 8)),
    )


@pytest.mark.parametrize(
    ("use_colgen", "colgen_fix"),
    [(False, False), (True, False), (True, True)],
    ids=["cp-sat", "dive", "round-lp"],
)
def test_solve_objective_is_validates_and_bound_below_it(use_colgen: bool, colgen_fix: bool) -> None:
    pr = _runs_problem()
    reference = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))

    params = SolveParams(time_limit=6.0, workers=2, seed=0, colgen=use_colgen, colgen_fix=colgen_fix)
    result = solve(pr, params)

    assert reference.status == OPTIMAL
    assert validate(pr, result.assignments).violations == ()
    assert result.objective == validate(pr, result.assignments).objective
    assert result.bound is not None
    assert result.bound <= reference.objective <= result.objective
    if use_colgen:  # with column generation (rounding its LP or diving) the optimum is found
        assert result.objective == reference.objective


@pytest.mark.parametrize("rounds", [1, 2, 3])
def test_bound_after_few_rounds_of_a_few_people_is_valid(
    monkeypatch: pytest.MonkeyPatch, rounds: int
) -> None:
    monkeypatch.setattr(colgen, "PEOPLE_PER_ROUND", 1)
    pr = _two_people()
    optimum = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))
    start = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1).roster
    assert start is not None

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, start=start, threads=1, max_rounds=rounds)

    assert not outcome.converged
    assert outcome.bound is not None
    assert outcome.bound <= optimum.objective


@FEW
@given(separable_problems(), st.integers(0, 2**16))
def test_relaxed_bound_never_exceeds_the_pricing_minimum(pr: Problem, seed: int) -> None:
    rng = random.Random(seed)
    needs = colgen.need_terms(pr)
    duals = {n.key: rng.randint(-colgen.SCALE * n.over, colgen.SCALE * max(0, n.under)) for n in needs}
    for p in pr.people:
        pricer = colgen.pricer(pr, p.id)
        exact = pricer.price(duals, None, SAFETY, 0)
        if exact.bound == math.inf:  # the person has no plan at all
            continue
        assert exact.optimal
        assert pricer.relaxed_bound(duals) <= exact.bound


def test_a_stop_request_ends_column_generation_before_its_next_round() -> None:
    pr = problem(
        [person("A"), person("B")],
        [day_shift(0), day_shift(1), day_shift(2)],
    )
    calls = itertools.count()

    def stop() -> bool:  # asked once per person while the pricers are built, then before each round
        return next(calls) >= len(pr.people)

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1, should_stop=stop)

    assert outcome.rounds == 0
    assert outcome.roster is None or validate(pr, outcome.roster).violations == ()


def _pace(elapsed: float, priced: int, lp: float) -> colgen.RootPace:
    """The root after ``elapsed`` of its 10 seconds, 20 people, an LP that began at 1000."""
    return colgen.RootPace(elapsed=elapsed, span=10.0, priced=priced, people=20, first_lp=1000.0, lp=lp)


@pytest.mark.parametrize(
    ("pace", "gives_way"),
    [
        (_pace(5.0, 30, 900.0), True),  # 3 passes at this pace, LP down 10 %: slow and unproductive
        (_pace(5.0, 30, 400.0), False),  # slow, but the LP came down 60 %
        (_pace(5.0, 100, 900.0), False),  # 10 passes at this pace: it may still converge
    ],
)
def test_gate_gives_way_only_when_the_root_is_slow_and_its_lp_barely_moved(
    pace: colgen.RootPace, gives_way: bool
) -> None:
    assert colgen.Gate().gives_way(pace) is gives_way


def test_gate_counts_passes_at_the_roots_pace() -> None:
    gate = colgen.Gate(min_passes=8.0, min_drop=0.5)

    assert gate.gives_way(_pace(elapsed=5.0, priced=70, lp=900.0))  # 3.5 passes in half: 7 in all
    assert not gate.gives_way(_pace(elapsed=4.0, priced=70, lp=900.0))  # 3.5 passes in 40 %: 8.75


def test_gate_builds_the_pricers_only_when_they_take_at_most_their_share_of_the_root() -> None:
    gate = colgen.Gate(build_share=0.5)

    assert gate.builds_in_time(built=0, seconds=0.0, people=100, span=10.0)
    assert gate.builds_in_time(built=10, seconds=0.5, people=100, span=10.0)  # 5 s of 10
    assert not gate.builds_in_time(built=10, seconds=0.6, people=100, span=10.0)  # 6 s of 10


def test_generate_gives_way_to_the_caller_with_no_roster() -> None:
    pr = _two_people()
    start = _generate(pr).roster
    assert start is not None
    always = colgen.Gate(at=0.0, min_rounds=1, min_passes=math.inf, min_drop=math.inf)

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, start=start, threads=1, gate=always)

    assert outcome.gave_way
    assert outcome.roster is None
    assert outcome.rounds == 1


def test_generate_gives_way_before_building_pricers_that_take_too_long() -> None:
    pr = _two_people()
    ticks = itertools.count()
    never = colgen.Gate(build_share=0.0)  # any time spent building is too much

    outcome = colgen.generate(
        pr, deadline=100.0, seed=0, threads=1, gate=never, clock=lambda: float(next(ticks))
    )

    assert outcome.gave_way
    assert outcome.rounds == 0
    assert outcome.roster is None


def test_generate_without_a_gate_goes_on_to_a_roster() -> None:
    pr = _two_people()
    always = colgen.Gate(at=0.0, min_rounds=1, min_passes=math.inf, min_drop=math.inf)

    gated = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1, master_share=0.0, gate=always)
    ungated = _generate(pr)

    assert gated.gave_way
    assert not ungated.gave_way
    assert ungated.roster is not None


@pytest.mark.parametrize("rounds", [1, 2])
def test_bound_is_never_negative(monkeypatch: pytest.MonkeyPatch, rounds: int) -> None:
    monkeypatch.setattr(colgen, "PEOPLE_PER_ROUND", 1)
    pr = _two_people()

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1, max_rounds=rounds)

    assert outcome.bound is None or outcome.bound >= 0


def test_bound_round_with_timed_out_pricing_stays_below_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(colgen, "PRICING_SECONDS", 0.0)  # every first run at the floor: some may time out
    pr = _two_people()
    optimum = solve(pr, SolveParams(time_limit=SAFETY, workers=1, seed=1, construct=False))

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1, max_rounds=1)

    assert optimum.status == OPTIMAL
    assert outcome.bound is not None
    assert 0 <= outcome.bound <= optimum.objective


def test_gate_judges_the_root_only_after_its_first_rounds() -> None:
    pr = _two_people()
    start = _generate(pr).roster
    assert start is not None
    after_many = colgen.Gate(at=0.0, min_rounds=10**6, min_passes=math.inf, min_drop=math.inf)

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, start=start, threads=1, gate=after_many)

    assert not outcome.gave_way
    assert outcome.roster is not None


def test_lp_support_sums_the_weights_of_the_plans_holding_each_assignment() -> None:
    early = colgen.Column("a", frozenset({("a", "D0"), ("a", "D1")}), 0, ())
    late = colgen.Column("a", frozenset({("a", "D1"), ("a", "D2")}), 0, ())
    unused = colgen.Column("a", frozenset({("a", "D3")}), 0, ())
    alone = colgen.Column("b", frozenset({("b", "D0")}), 0, ())
    lp = colgen.MasterLP(0.0, {}, {"a": [(early, 0.25), (late, 0.75), (unused, 0.0)], "b": [(alone, 1.0)]})

    support = colgen.lp_support(lp)

    assert support == {("a", "D0"): 0.25, ("a", "D1"): 1.0, ("a", "D2"): 0.75, ("b", "D0"): 1.0}
    assert colgen.heaviest_plans(lp) == late.pairs | alone.pairs


def test_generate_with_support_hands_the_converged_lp_to_the_caller() -> None:
    pr = _two_people()

    outcome = colgen.generate(pr, deadline=_now() + SAFETY, seed=0, threads=1, master_share=0.0, support=True)

    assert outcome.converged or outcome.settled
    assert outcome.support
    assert all(0 < value <= 1 + 1e-9 for value in outcome.support.values())
    assert validate(pr, outcome.heaviest).violations == ()
    assert outcome.heaviest <= frozenset(outcome.support)
    assert outcome.roster is not None
    assert outcome.objective == validate(pr, outcome.roster).objective
    assert outcome.objective <= validate(pr, outcome.heaviest).objective


def test_generate_without_support_leaves_it_empty() -> None:
    outcome = _generate(_two_people())

    assert outcome.converged
    assert outcome.support == {}
    assert outcome.heaviest == frozenset()


@pytest.mark.parametrize(
    ("lp", "bound", "near"),
    [(1000.0, 951, True), (1000.0, 949, False), (1000.0, None, False), (None, 900, False), (0.04, 0, True)],
)
def test_near_optimal_when_the_lp_is_within_its_share_of_the_bound(
    lp: float | None, bound: int | None, near: bool
) -> None:
    outcome = colgen.Outcome(None, None, bound, lp_value=lp)

    assert colgen.near_optimal(outcome) is near


def test_converged_root_pricing_a_few_people_a_round_proves_the_lp_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pr = _two_people()
    brute = colgen.solve_master_lp(colgen.need_terms(pr), _all_columns(pr))
    monkeypatch.setattr(colgen, "PEOPLE_PER_ROUND", 1)  # no round prices everyone at once

    outcome = _generate(pr)

    assert outcome.converged
    assert outcome.bound == math.ceil(brute.value - 1e-6)


def test_root_settles_once_its_bound_rounds_up_to_its_lp() -> None:
    from rota.importers.curtois import parse_file, to_problem

    pr = to_problem(parse_file(instance_path(2)))  # skips where the benchmark is absent; optimum 828

    settled = colgen.generate(pr, deadline=_now() + 15.0, seed=0, threads=1, support=True)

    assert settled.settled or settled.converged
    assert settled.support
    assert settled.bound is not None
    assert settled.lp_value is not None
    assert settled.bound == math.ceil(settled.lp_value - 1e-6)  # no bound lost by settling
    assert settled.bound <= 828


def test_tuner_tries_each_parameter_set_before_comparing_them() -> None:
    tuner = colgen.PricingTuner(("slow", "fast"))
    first = [tuner.choose() for _ in range(2 * colgen.TUNER_SAMPLES)]
    for choice in first:
        tuner.record(choice, 1.0 if choice == "slow" else 0.1)

    assert sorted(first) == ["fast"] * colgen.TUNER_SAMPLES + ["slow"] * colgen.TUNER_SAMPLES


def _run_tuner(tuner: colgen.PricingTuner, seconds: dict[str, float], runs: int) -> list[str]:
    """Choose and record ``runs`` times, each set taking its ``seconds``."""
    picks = []
    for _ in range(runs):
        choice = tuner.choose()
        tuner.record(choice, seconds[choice])
        picks.append(choice)
    return picks


def test_tuner_prefers_the_faster_set_and_now_and_then_tries_the_other() -> None:
    tuner = colgen.PricingTuner(("slow", "fast"))
    _run_tuner(tuner, {"slow": 1.0, "fast": 0.1}, 2 * colgen.TUNER_SAMPLES)

    picks = _run_tuner(tuner, {"slow": 1.0, "fast": 0.1}, 3 * colgen.TUNER_EXPLORE)

    assert picks.count("slow") == 3


def test_tuner_follows_the_latest_runs() -> None:
    tuner = colgen.PricingTuner(("a", "b"))
    _run_tuner(tuner, {"a": 0.1, "b": 0.5}, 4 * colgen.TUNER_WINDOW)

    picks = _run_tuner(tuner, {"a": 1.0, "b": 0.5}, 4 * colgen.TUNER_WINDOW)  # "a" became slow

    assert picks[-colgen.TUNER_EXPLORE :].count("a") == 1  # the one exploring run


def test_pricing_records_its_time_under_the_parameters_it_used() -> None:
    pr = _two_people()
    tuner = colgen.PricingTuner()
    pricer = colgen.pricer(pr, pr.people[0].id)
    duals = {n.key: 50 for n in colgen.need_terms(pr)}

    priced = pricer.price(duals, None, SAFETY, 0, tuner=tuner)

    assert priced.optimal
    assert sum(len(times) for times in tuner.times.values()) == 1


def test_short_horizons_price_with_cp_sat_and_long_ones_with_the_builder_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pr = _two_people()
    called: list[str] = []
    real = colgen.Pricer.quick

    def quick(self: colgen.Pricer, duals: dict[colgen.NeedKey, int], seed: int) -> colgen.Column | None:
        called.append(self.person)
        return real(self, duals, seed)

    monkeypatch.setattr(colgen.Pricer, "quick", quick)
    assert _generate(pr).converged
    assert called == []

    monkeypatch.setattr(colgen, "QUICK_PRICING_DAYS", pr.days - 1)
    assert _generate(pr).converged
    assert called
