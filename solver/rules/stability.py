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
    penalties = [
        Penalty("stability", var, weight)
        for pair, var in m.x.items()
        if pair[1] in previous.shifts and pair not in previous.assignments
    ]
    kept = [m.x[pair] for pair in previous.assignments if pair in m.x]
    dropped = len(previous.assignments) - len(kept)
    penalties.extend(Penalty("stability", 1 - var, weight) for var in kept)
    if dropped:
        penalties.append(Penalty("stability", dropped, weight))
    return penalties
