"""The run automaton of solver.flow accepts exactly the work/off patterns the validator accepts."""

from __future__ import annotations

import itertools

import pytest

from solver.flow import run_rules, successors
from solver.instance import History, Limits, Person
from solver.validate import validate
from tests.solver.factories import day_shift, problem

DAYS = 7
RUN_RULES = ("max_consecutive_days", "min_consecutive_days", "min_consecutive_days_off")


def _accepts(person: Person, pattern: tuple[bool, ...]) -> bool:
    """Walk the automaton over the pattern (any path that reaches the end accepts)."""
    rules = run_rules(person)
    assert rules is not None
    states = {rules.start}
    for works in pattern:
        states = {nxt for s in states for nxt, w in successors(rules, s) if w == works}
    return bool(states)


def _valid(person: Person, pattern: tuple[bool, ...]) -> bool:
    """The validator's verdict on the run rules alone."""
    pr = problem([person], [day_shift(d) for d in range(DAYS)], days=DAYS)
    pairs = [(person.id, f"D{d}") for d, w in enumerate(pattern) if w]
    return not [v for v in validate(pr, pairs).violations if v.rule in RUN_RULES]


HISTORIES = [
    None,
    History(),
    History(consecutive_days_worked=2),
    History(consecutive_days_off=1),
    History(consecutive_days_worked=5),
    History(consecutive_days_off=3),
]
LIMITS = [
    Limits(max_consecutive_days=3),
    Limits(min_consecutive_days=2),
    Limits(min_consecutive_days_off=2),
    Limits(max_consecutive_days=4, min_consecutive_days=2, min_consecutive_days_off=3),
    Limits(max_consecutive_days=2, min_consecutive_days=3),
    Limits(min_consecutive_days=3, min_consecutive_days_off=2),
    Limits(max_consecutive_days=0),
]


@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize("limits", LIMITS)
def test_automaton_matches_validator_on_every_pattern(limits: Limits, history: History | None) -> None:
    person = Person(id="a", name="A", org="o1", limits=limits, history=history)
    for pattern in itertools.product((False, True), repeat=DAYS):
        assert _accepts(person, pattern) == _valid(person, pattern), pattern
