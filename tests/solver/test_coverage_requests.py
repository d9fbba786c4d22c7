"""Coverage under/over per need and shift-on/off requests: exact penalties."""

from dataclasses import replace

from solver.instance import Need, Organisation, Request, SkillGrant
from tests.solver.factories import day_shift, on, person, problem, run, score


def test_coverage_under_costs_weight_per_missing_person() -> None:
    result = run(problem([person("a")], [day_shift(0, count=3, under=70)], days=1))
    assert score(result, "coverage_under") == (2, 140)
    assert result.objective == 140


def test_coverage_over_costs_weight_per_surplus_person() -> None:
    pr = problem(
        [person("a", min_shifts=1), person("b", min_shifts=1)], [day_shift(0, count=1, over=9)], days=1
    )
    result = run(pr)
    assert score(result, "coverage_over") == (1, 9)


def test_coverage_skill_need_counts_only_qualified() -> None:
    shift = replace(
        day_shift(0, count=2), needs=(Need(2, under_weight=100), Need(1, skill="bp", under_weight=50))
    )
    nurse = replace(person("n"), skills=(SkillGrant("bp"),))
    result = run(problem([person("a"), person("b"), nurse], [shift], days=1))
    assert "n" in {p for p, _ in result.assignments}
    assert result.objective == 0


def test_coverage_org_kind_need() -> None:
    orgs = (Organisation("o1", "Office", "cadre"), Organisation("o2", "Clinic", "clinic"))
    shift = replace(day_shift(0), needs=(Need(1, org_kind="clinic", under_weight=100),))
    result = run(problem([person("a"), person("c", org="o2")], [shift], days=1, organisations=orgs))
    assert result.assignments == (("c", "D0"),)


def test_shift_on_request_unmet_costs_weight() -> None:
    requests = (Request("a", 0, "D", True, 4), Request("b", 0, "D", True, 3))
    result = run(
        problem([person("a"), person("b")], [day_shift(0, count=1, over=100)], days=1, requests=requests)
    )
    assert result.assignments == (("a", "D0"),)
    assert score(result, "shift_on_request") == (1, 3)


def test_shift_on_request_any_shift() -> None:
    result = run(
        problem(
            [person("a")], [day_shift(0, count=0, over=2)], days=1, requests=(Request("a", 0, None, True, 5),)
        )
    )
    assert on(result, "a") == ["D0"]
    assert result.objective == 2


def test_shift_off_request_honoured_when_someone_else_can() -> None:
    requests = (Request("a", 0, "D", False, 6),)
    result = run(problem([person("a"), person("b")], [day_shift(0)], days=1, requests=requests))
    assert result.assignments == (("b", "D0"),)
    assert score(result, "shift_off_request") == (0, 0)


def test_shift_off_request_violated_when_coverage_matters_more() -> None:
    requests = (Request("a", 0, None, False, 6),)
    result = run(problem([person("a")], [day_shift(0, under=100)], days=1, requests=requests))
    assert score(result, "shift_off_request") == (1, 6)
