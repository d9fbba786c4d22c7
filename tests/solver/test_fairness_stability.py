"""Fairness between people and organisations, weekend/night/holiday spread, stability."""

from dataclasses import replace

from solver.instance import History, Organisation, PreviousPlan, ShiftType, Weights
from solver.model import build
from tests.solver.factories import (
    NO_FAIRNESS,
    day_shift,
    on,
    person,
    problem,
    run,
    score,
    trivial_objective_bound,
)


def shared(pid: str, share: int = 1000, **kw: object):  # type: ignore[no-untyped-def]
    return replace(person(pid, **kw), fair_share=share)


def test_fairness_splits_shifts_evenly() -> None:
    weights = replace(NO_FAIRNESS, fairness_per_hour=2)
    result = run(problem([shared("a"), shared("b")], [day_shift(d) for d in range(4)], weights=weights))
    assert len(on(result, "a")) == len(on(result, "b")) == 2
    assert score(result, "fairness") == (0, 0)


def test_fairness_exact_penalty_when_uneven_forced() -> None:
    # b is on leave by limit (max 0 shifts): a works 480 min, b 0; S = 2000, T = 480.
    # |480*2000 - 1000*480| / (60*2000) = 4 hours each -> 8 hours x weight 2 = 16.
    weights = replace(NO_FAIRNESS, fairness_per_hour=2)
    result = run(problem([shared("a"), shared("b", max_shifts=0)], [day_shift(0)], days=1, weights=weights))
    assert score(result, "fairness") == (8, 16)


def test_fairness_relative_to_share() -> None:
    weights = replace(NO_FAIRNESS, fairness_per_hour=2)
    result = run(
        problem([shared("a", 2000), shared("b", 1000)], [day_shift(d) for d in range(3)], weights=weights)
    )
    assert (len(on(result, "a")), len(on(result, "b"))) == (2, 1)


def test_org_share_follows_quota_with_carry_over() -> None:
    orgs = (
        Organisation("o1", "A", "cadre", 500, carried_minutes=960),
        Organisation("o2", "B", "clinic", 500),
    )
    weights = replace(NO_FAIRNESS, org_share_per_hour=5)
    pr = problem(
        [person("a"), person("b", org="o2")],
        [day_shift(d) for d in range(4)],
        organisations=orgs,
        weights=weights,
    )
    result = run(pr)
    # o1 already did 2 shifts' worth more than its half, so this week o2 does 3 of 4.
    assert (len(on(result, "a")), len(on(result, "b"))) == (1, 3)
    assert score(result, "org_share") == (0, 0)


def test_org_share_counts_whole_hours_only() -> None:
    # Three 1-hour shifts, quotas 50/50: 1.5 hours each is impossible; 2 and 1 are half an hour
    # off each, which costs nothing (the minutes are carried over); 3 and 0 are 1.5 off: 1 hour each.
    orgs = (Organisation("o1", "A", "cadre", 500), Organisation("o2", "B", "clinic", 500))
    weights = replace(NO_FAIRNESS, org_share_per_hour=5)
    shifts = [day_shift(d, length=60) for d in range(3)]
    even = run(problem([person("a"), person("b", org="o2")], shifts, organisations=orgs, weights=weights))
    assert sorted((len(on(even, "a")), len(on(even, "b")))) == [1, 2]
    assert score(even, "org_share") == (0, 0)
    alone = problem(
        [person("a"), person("b", org="o2", max_shifts=0)], shifts, organisations=orgs, weights=weights
    )
    assert score(run(alone), "org_share") == (2, 10)


def test_weekend_fairness_uses_history() -> None:
    weights = replace(NO_FAIRNESS, weekend_spread=20)
    a = replace(shared("a"), history=History(weekends_worked=2))
    result = run(problem([a, shared("b")], [day_shift(5), day_shift(6)], weights=weights))
    assert sorted(on(result, "b")) == ["D5", "D6"]
    assert score(result, "weekend_fairness") == (0, 0)


def test_night_fairness_exact_spread_penalty() -> None:
    weights = replace(NO_FAIRNESS, night_spread=7)
    types = (ShiftType("N", "Night", night=True),)
    a = shared("a")
    b = shared("b", max_shifts=0)
    result = run(problem([a, b], [day_shift(0, "N"), day_shift(2, "N")], weights=weights, shift_types=types))
    assert score(result, "night_fairness") == (2, 14)


def test_holiday_fairness() -> None:
    weights = replace(NO_FAIRNESS, holiday_spread=20)
    pr = problem(
        [shared("a"), shared("b")],
        [day_shift(0, count=1, over=1), day_shift(1, count=1, over=1)],  # surplus costs: one each
        holidays=frozenset({0, 1}),
        weights=weights,
    )
    result = run(pr)
    assert len(on(result, "a")) == len(on(result, "b")) == 1


def test_stability_keeps_published_assignment() -> None:
    weights = replace(NO_FAIRNESS, stability_per_change=50)
    previous = PreviousPlan(frozenset({"D0"}), frozenset({("b", "D0")}))
    result = run(
        problem([person("a"), person("b")], [day_shift(0)], days=1, previous=previous, weights=weights)
    )
    assert result.assignments == (("b", "D0"),)
    assert score(result, "stability") == (0, 0)


def test_stability_counts_each_change() -> None:
    weights = replace(NO_FAIRNESS, stability_per_change=50)
    previous = PreviousPlan(frozenset({"D0"}), frozenset({("b", "D0")}))
    b_on_leave = person("b", max_shifts=0)
    result = run(
        problem([person("a"), b_on_leave], [day_shift(0)], days=1, previous=previous, weights=weights)
    )
    assert result.assignments == (("a", "D0"),)
    assert score(result, "stability") == (2, 100)


def test_default_weights_are_all_positive() -> None:
    assert all(v > 0 for v in vars(Weights()).values())


def test_spread_terms_are_never_negative_from_domains_alone() -> None:
    """As ``most - least`` a spread's trivial bound was -top (a district's bound showed -600)."""
    nights = ShiftType("N", "Night", night=True)
    pr = problem(
        [replace(person(f"p{i}"), fair_share=100) for i in range(3)],
        [day_shift(d, "N", count=1) for d in range(7)],
        shift_types=(nights,),
        weights=Weights(fairness_per_hour=0, org_share_per_hour=0),
    )
    built = build(pr)
    assert {p.rule for p in built.penalties} >= {"weekend_fairness", "night_fairness"}
    assert trivial_objective_bound(built.rota.cp) >= 0
