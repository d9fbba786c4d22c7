"""Stability: a re-plan changes as little of the published rota as it can."""

from __future__ import annotations

from solver.variables import Penalty, RotaModel


def add_stability(m: RotaModel) -> list[Penalty]:
    """Soft: each published assignment dropped, and each new one on a published shift, is a change.

    Penalty unit: one changed assignment.
    """
    previous, weight = m.problem.previous, m.problem.weights.stability_per_change
    if previous is None or weight <= 0:
        return []
    penalties = []
    for (person, shift), var in m.x.items():
        if shift not in previous.shifts:
            continue
        changed = 1 - var if (person, shift) in previous.assignments else var
        penalties.append(Penalty("stability", changed, weight))
    dropped = sum(1 for pair in previous.assignments if pair not in m.x)
    if dropped:
        penalties.append(Penalty("stability", dropped, weight))
    return penalties
