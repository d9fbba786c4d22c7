"""The independent Curtois evaluator: one violating and one clean roster per hard rule, the objective,
both roster layouts, the command line, and agreement with ``solver.validate`` on random rosters."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rota.importers.curtois import parse_file, roster_text, shift_id, to_problem
from rota.importers.curtois_eval import UnreadableInput, evaluate, main
from solver.validate import validate
from tests.rota.test_curtois_data import TINY, instance_path

OFF_B = "B" + " -" * 14  # B works nothing; B has no minimum, so B never breaks a rule
BASE_A = "A D D - - D D - - - - - - - -"  # feasible for A: 4 x 480 min, one weekend


def _grid(a_tokens: str) -> str:
    """A two-line grid roster: A as given, B off."""
    return f"A {a_tokens}\n{OFF_B}\n"


def _rules(roster: str) -> list[str]:
    """The rules the roster breaks, in report order."""
    return [v.rule for v in evaluate(TINY, roster).violations]


VIOLATING = [
    ("days_off", _grid("D D D - - - - - - - - - - -")),
    ("shift_rotation", _grid("N D - - - - - - - - - - - -")),
    ("max_shifts", _grid("- - - N N N - - - - - - - -")),
    ("max_total_minutes", _grid("D D - - D D D - - - - - - -")),
    ("min_total_minutes", _grid("D - - - - - - - - - - - - -")),
    ("max_consecutive_shifts", _grid("- - - D D D D - - - - - - -")),
    ("min_consecutive_shifts", _grid("D - - D - - - - - - - - - -")),
    ("min_consecutive_days_off", _grid("D D - D D - - - - - - - - -")),
    ("max_weekends", _grid("- - - - - D D - - - - - D D")),
    ("one_shift_per_day", "A 0 D\nA 0 N\nA 1 N\n"),
]


@pytest.mark.parametrize(("rule", "roster"), VIOLATING)
def test_evaluate_roster_breaking_one_rule_reports_exactly_that_rule(rule: str, roster: str) -> None:
    assert _rules(roster) == [rule]


@pytest.mark.parametrize(
    "b_tokens",
    [
        "D - - - - - - - - - - - - D",  # one-day runs touching day 0 and day H-1 are exempt
        "- D D - - D D - - - - - - -",  # a one-day rest run at day 0 is exempt
        "- - - - - - - - - - - - D D",
    ],
)
def test_evaluate_edge_runs_are_exempt_from_minimum_rules(b_tokens: str) -> None:
    roster = f"{BASE_A}\nB {b_tokens}\n"

    assert _rules(roster) == []


def test_evaluate_clean_roster_prices_each_soft_family() -> None:
    evaluation = evaluate(TINY, f"{BASE_A}\n{OFF_B}\n")

    assert evaluation.feasible
    assert evaluation.penalties == {
        "shift_on_requests": 0,
        "shift_off_requests": 0,
        "cover_under": 100,  # nobody on N on day 1
        "cover_over": 0,
    }
    assert evaluation.objective == 100


def test_evaluate_on_request_broken_by_other_shift_and_off_request_only_by_same_shift() -> None:
    evaluation = evaluate(TINY, "A N N - - D D - - - - - - - -\nB D D - - - - - - - - - - - -\n")

    assert evaluation.penalties == {
        "shift_on_requests": 2,  # A wanted D on day 0 and works N
        "shift_off_requests": 3,  # A did not want N on day 1 and works it
        "cover_under": 0,  # B covers D on day 0, A covers N on day 1
        "cover_over": 0,
    }


def test_evaluate_over_cover_is_priced_per_surplus_person() -> None:
    evaluation = evaluate(TINY, f"{BASE_A}\nB D D - - - - - - - - - - - -\n")

    assert (evaluation.penalties["cover_over"], evaluation.penalties["cover_under"]) == (1, 100)


def test_evaluate_long_layout_equals_grid_layout() -> None:
    grid = f"{BASE_A}\n{OFF_B}\n"
    long = "# employee day shift\nA,0,D\nA 1 D\nA\t4\tD\nA 5 D\n"

    assert evaluate(TINY, long) == evaluate(TINY, grid)


@pytest.mark.parametrize(
    "roster",
    [
        "A D D\n",  # neither a grid line nor a long line
        "Z 0 D\n",  # unknown employee
        "A 0 X\n",  # unknown shift
        "A 14 D\n",  # outside the horizon
        f"{BASE_A}\n{BASE_A}\n",  # an employee twice in a grid
    ],
)
def test_evaluate_unreadable_roster_raises(roster: str) -> None:
    with pytest.raises(UnreadableInput):
        evaluate(TINY, roster)


def test_main_prints_violations_penalties_and_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance, roster = tmp_path / "tiny.txt", tmp_path / "roster.txt"
    instance.write_text(TINY, encoding="utf-8")
    roster.write_text(_grid("D - - - - - - - - - - - - -"), encoding="utf-8")

    code = main([str(instance), str(roster)])

    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        "VIOLATION min_total_minutes A: 480 min, minimum 960",
        "penalty shift_on_requests 0",
        "penalty shift_off_requests 0",
        "penalty cover_under 100",
        "penalty cover_over 0",
        "objective 100",
    ]


@pytest.mark.parametrize(("roster", "code"), [(f"{BASE_A}\n{OFF_B}\n", 0), ("A 0 X\n", 2)])
def test_main_exit_code_feasible_or_unreadable(tmp_path: Path, roster: str, code: int) -> None:
    instance, path = tmp_path / "tiny.txt", tmp_path / "roster.txt"
    instance.write_text(TINY, encoding="utf-8")
    path.write_text(roster, encoding="utf-8")

    assert main([str(instance), str(path)]) == code


def test_main_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert main([str(tmp_path / "absent.txt"), str(tmp_path / "absent.roster")]) == 2


# The evaluator's rule names and the rule catalogue's rule ids, one to one.
CATALOGUE_RULE = {
    "one_shift_per_day": "no_double_booking",
    "days_off": "availability",
    "shift_rotation": "forbidden_succession",
    "max_shifts": "max_shifts_per_type",
    "max_total_minutes": "max_minutes",
    "min_total_minutes": "min_minutes",
    "max_consecutive_shifts": "max_consecutive_days",
    "min_consecutive_shifts": "min_consecutive_days",
    "min_consecutive_days_off": "min_consecutive_days_off",
    "max_weekends": "max_weekends",
}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_evaluate_agrees_with_catalogue_validator_on_random_rosters(number: int) -> None:
    path = instance_path(number)
    instance, text = parse_file(path), path.read_text(encoding="utf-8")
    problem = to_problem(instance)
    rng = random.Random(number)
    for _ in range(40):
        density = rng.random()
        pairs = [
            (e.id, shift_id(d, rng.choice(instance.shift_types).id))
            for e in instance.staff
            for d in range(instance.days)
            if rng.random() < density
        ]

        ours, theirs = evaluate(text, roster_text(problem, pairs)), validate(problem, pairs)

        assert ours.objective == theirs.objective
        assert {(CATALOGUE_RULE[v.rule], v.employee) for v in ours.violations} == {
            (v.rule, v.person) for v in theirs.violations
        }
