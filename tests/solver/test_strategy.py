"""The search chosen from the problem's shape."""

from __future__ import annotations

import pytest

from solver.strategy import needs_run_flow
from tests.solver.factories import day_shift, person, problem


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({}, False),
        ({"max_consecutive_days": 5}, False),
        ({"min_consecutive_days": 1}, False),
        ({"min_consecutive_days": 2}, True),
        ({"min_consecutive_days_off": 2}, True),
    ],
)
def test_needs_run_flow_only_with_a_minimum_run(limits: dict[str, int], expected: bool) -> None:
    pr = problem([person("a"), person("b", **limits)], [day_shift(d) for d in range(7)])
    assert needs_run_flow(pr) is expected
