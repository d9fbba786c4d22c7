"""The hour price of a district's relaxed parts and the floor under the district-wide terms."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import district_bound
from solver.decompose import relax_by_station
from solver.district_bound import (
    FLOAT_SLACK,
    NEAR_BEST,
    DualLP,
    Pricing,
    Terms,
    best_price,
    floor_under,
    floor_with,
    grid,
    hour_caps,
    never_whole,
    terms_of,
)
from solver.instance import Organisation, Problem, Weights
from solver.model import SolveParams, build, solve
from solver.result import OPTIMAL
from solver.validate import validate
from tests.solver.factories import day_shift, person, problem

FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXACT = SolveParams(time_limit=20, workers=1, seed=0, split_share=0.0)


def _terms_value(terms: Terms, hours: list[int]) -> Fraction:
    """Fairness and quota terms as the rules define them (whole hours), from the hours alone."""
    fair = [n for n, share in enumerate(terms.shares) if share > 0]
    total, shares = sum(hours[n] for n in fair), sum(terms.shares)
    value = Fraction(0)
    for n in fair:
        value += terms.w_fair * math.ceil(abs(hours[n] - Fraction(terms.shares[n] * total, shares)))
    org_hours = [
        k + sum(h for h, o in zip(hours, terms.org, strict=True) if o == n)
        for n, k in enumerate(terms.carried)
    ]
    quota_total = sum(org_hours, Fraction(0))
    for n, quota in enumerate(terms.quotas):
        value += terms.w_quota * math.floor(abs(org_hours[n] - quota * quota_total / 1000))
    return value


@st.composite
def terms_and_hours(draw: st.DrawFn) -> tuple[Terms, list[int], Fraction]:
    """Up to six people in up to three quota organisations (or none), their hours in their box."""
    count = draw(st.integers(2, 6))
    orgs = draw(st.integers(1, 3))
    caps = [draw(st.integers(0, 40)) for _ in range(count)]
    quotas = tuple(draw(st.integers(1, 999)) for _ in range(orgs))
    terms = Terms(
        people=tuple(f"p{n}" for n in range(count)),
        caps=tuple(Fraction(c) for c in caps),
        shares=tuple(draw(st.integers(0, 600)) for _ in range(count)),
        org=tuple(draw(st.one_of(st.none(), st.integers(0, orgs - 1))) for _ in range(count)),
        quotas=quotas,
        carried=tuple(Fraction(draw(st.integers(-20, 20))) for _ in range(orgs)),
        w_fair=draw(st.integers(0, 3)),
        w_quota=draw(st.integers(0, 6)),
    )
    if sum(terms.shares) == 0:
        terms = replace(terms, shares=(1, *terms.shares[1:]))
    if draw(st.booleans()):  # with whole-hour shifts: the rounding-up hour of fractional targets
        most = int(sum(c for c, share in zip(caps, terms.shares, strict=True) if share > 0))
        flags = tuple(never_whole(share, sum(terms.shares), most) for share in terms.shares)
        terms = replace(terms, never_whole=flags)
    hours = [draw(st.integers(0, c)) for c in caps]
    price = Fraction(draw(st.integers(0, 12)), 4)
    return terms, hours, price


@settings(max_examples=200, deadline=None)
@given(terms_and_hours())
def test_floor_under_is_below_the_terms_minus_the_price_for_any_hours(
    case: tuple[Terms, list[int], Fraction],
) -> None:
    terms, hours, price = case
    worked = sum(h for h, share in zip(hours, terms.shares, strict=True) if share > 0)

    floor = floor_under(terms, price)

    assert floor <= _terms_value(terms, hours) - price * worked


def _two_kinds() -> Terms:
    """Two people of equal share in two organisations whose quotas say 80% / 20%."""
    return Terms(
        people=("a", "b"),
        caps=(Fraction(40), Fraction(40)),
        shares=(100, 100),
        org=(0, 1),
        quotas=(800, 200),
        carried=(Fraction(0), Fraction(0)),
        w_fair=2,
        w_quota=5,
    )


def test_floor_credits_the_disagreement_of_shares_and_quotas() -> None:
    """At 20 hours the shares say 10 / 10 and the quotas 16 / 4: the best split costs 24 (16 / 4,
    6 hours of fairness off each way); priced at 1 per hour the floor credits most of it."""
    terms = _two_kinds()

    gain = 20 + floor_under(terms, Fraction(1))

    assert floor_under(terms, Fraction(0)) == 0
    assert 16 < gain <= min(_terms_value(terms, [a, 20 - a]) for a in range(21)) == 24


def test_floor_counts_an_hour_for_each_target_that_is_never_whole() -> None:
    """Shares 1 and 2 of at most 2 hours: targets T/3 and 2T/3 are whole for no T in 1..2, so
    anyone working costs both people an hour (2 each): 4 - 2·T ≥ 0 at a price of 2 per hour."""
    terms = Terms(("a", "b"), (Fraction(1), Fraction(1)), (1, 2), (None, None), (), (), 2, 0)
    flagged = replace(terms, never_whole=(True, True))

    assert floor_under(flagged, Fraction(2)) == 0
    assert floor_under(terms, Fraction(2)) < 0
    assert never_whole(1, 3, 2)
    assert not never_whole(1, 3, 3)


def test_floor_with_refuses_multipliers_outside_the_weights() -> None:
    terms = _two_kinds()

    try:
        floor_with(terms, Fraction(0), [Fraction(3), Fraction(0)], [Fraction(0), Fraction(0)])
    except ValueError:
        return
    raise AssertionError("a multiplier above the fairness weight was accepted")


def test_best_price_is_zero_without_district_terms_and_positive_with_them() -> None:
    off = replace(_two_kinds(), w_fair=0, w_quota=0)

    assert best_price(off, Fraction(20)) == 0
    assert best_price(_two_kinds(), Fraction(20)) > 0


def test_safe_price_is_the_highest_whose_floor_is_zero() -> None:
    """As above: 4 - 2·T ≥ 0 up to a price of 2 for T ≤ 2; without the rounding-up hour (two
    kinds) every positive price has a floor below 0."""
    terms = replace(
        Terms(("a", "b"), (Fraction(1), Fraction(1)), (1, 2), (None, None), (), (), 2, 0),
        never_whole=(True, True),
    )

    assert best_price(terms, Fraction(2), safe=True) == 2
    assert floor_under(terms, Fraction(2)) == 0
    assert best_price(_two_kinds(), Fraction(20), safe=True) == 0


def test_hour_caps_keep_each_persons_daily_and_weekly_limits() -> None:
    people = [
        person("free"),
        person("weekly", max_minutes_per_week=960),
        person("three", max_shifts_per_week=3),
        person("total", max_minutes=300),
    ]
    shifts = [day_shift(d, length=480) for d in range(7)] + [day_shift(d, "E", start=960) for d in range(7)]

    caps = hour_caps(build(problem(people, shifts, days=7)).rota)

    assert caps == {"free": 56, "weekly": 16, "three": 24, "total": 5}


def _district(shares: tuple[int, ...], quotas: tuple[int, int], needs: tuple[int, ...]) -> Problem:
    """Two stations; people alternate between two quota organisations and between the stations
    (the first may work at both); shifts of 4 to 8 hours at each station over three days."""
    orgs = (
        Organisation("o1", "cadres", "cadre", quota_permille=quotas[0]),
        Organisation("o2", "clinic", "clinic", quota_permille=quotas[1]),
    )
    people = [
        replace(
            person(f"p{n}", f"o{1 + n % 2}", max_shifts_per_day=1),
            stations=("A", "B") if n == 0 else ("AB"[n // 2 % 2],),
            fair_share=share,
        )
        for n, share in enumerate(shares)
    ]
    shifts = [
        replace(
            day_shift(d, f"{st}{k}", count=count, length=240 + 120 * k, start=360 + 600 * k),
            station=st,
        )
        for (st, d, k), count in zip(
            [(st, d, k) for st in "AB" for d in range(3) for k in range(2)], needs, strict=False
        )
    ]
    return problem(people, shifts, days=3, organisations=orgs, weights=Weights(weekend_spread=0))


@st.composite
def districts(draw: st.DrawFn) -> tuple[Problem, Fraction]:
    """A small two-station district with fairness and quotas on, and a price."""
    count = draw(st.integers(3, 5))
    shares = tuple(draw(st.sampled_from([100, 200, 600, 7, 13])) for _ in range(count))
    first = draw(st.integers(100, 900))
    needs = tuple(draw(st.integers(0, 2)) for _ in range(12))
    price = Fraction(draw(st.integers(0, 8)), 4)
    return _district(shares, (first, 1000 - first), needs), price


def _pricing(pr: Problem, pool: ThreadPoolExecutor) -> Pricing:
    return Pricing(pool, lambda: terms_of(pr, hour_caps(build(pr).rota)))


@FEW
@given(districts())
def test_priced_parts_and_floor_never_exceed_the_districts_optimum(case: tuple[Problem, Fraction]) -> None:
    pr, price = case
    whole = solve(pr, EXACT)
    floor = floor_under(terms_of(pr, hour_caps(build(pr).rota)), price)

    parts = [solve(part, replace(EXACT, hour_price=price)) for part in relax_by_station(pr)]

    assert whole.status == OPTIMAL
    assert {r.status for r in parts} == {OPTIMAL}
    assert validate(pr, whole.assignments).objective == whole.objective
    assert math.ceil(sum(r.bound or 0 for r in parts) + floor) <= (whole.objective or 0)


def test_priced_solve_reports_the_plain_objective_and_the_priced_bound() -> None:
    """One 8-hour shift for one of two people (fairness off): priced at 3/4, 6 more in the bound."""
    pr = problem([replace(person(p), fair_share=100) for p in "ab"], [day_shift(0)], days=1)

    plain = solve(pr, EXACT)
    priced = solve(pr, replace(EXACT, hour_price=Fraction(3, 4)))

    assert (plain.objective, plain.bound) == (0, 0)
    assert (priced.objective, priced.bound) == (0, 6)


def test_price_chosen_for_the_demo_shape_lifts_the_bound_and_stays_below_the_optimum() -> None:
    """Cadres share more than their quota at both stations (as in the demo district): the priced
    parts and the floor prove more than the plain relaxed parts, and no more than the optimum."""
    pr = _district((600, 100, 600, 100), (300, 700), (1,) * 12)
    whole = solve(pr, EXACT)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pricing = _pricing(pr, pool)
        price = pricing.choose(district_bound.fair_hours(pr, whole.assignments))
        relaxed = relax_by_station(pr)

        plain = sum(solve(part, EXACT).bound or 0 for part in relaxed)
        priced = pricing.bound(
            sum(solve(part, replace(EXACT, hour_price=price)).bound or 0 for part in relaxed)
        )

    assert price > 0
    assert plain < priced <= (whole.objective or 0)


def test_pricing_without_district_terms_keeps_the_plain_bound() -> None:
    pr = replace(_district((600, 100, 600, 100), (300, 700), (1,) * 12), weights=Weights(0, 0, 0, 0, 0))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pricing = _pricing(pr, pool)

        price = pricing.choose(Fraction(40))

        assert (price, pricing.floor, pricing.bound(17), pricing.bound(0)) == (0, 0, 17, 0)


@pytest.mark.parametrize("hours", [Fraction(5), Fraction(20), Fraction(37, 2), Fraction(60)])
def test_best_price_finds_what_a_scan_of_the_grid_finds(hours: Fraction) -> None:
    terms = replace(_two_kinds(), never_whole=(True, False))
    lp = DualLP(terms)
    values = {c: lp.value(c) or 0.0 for c in grid()}
    gains = {c: float(c * hours) + v for c, v in values.items()}
    top = max(gains.values())

    scanned = min(c for c, g in gains.items() if g >= (1 - NEAR_BEST) * top) if top > 0 else 0
    safe = max(c for c, v in values.items() if v >= -FLOAT_SLACK)

    assert best_price(terms, hours) == scanned
    assert best_price(terms, hours, safe=True) == safe


def test_priced_solve_of_a_problem_without_terms_or_hours() -> None:
    pr = problem([person("a")], [], days=1)

    result = solve(pr, replace(EXACT, hour_price=Fraction(1)))

    assert (result.objective, result.bound) == (0, 0)
