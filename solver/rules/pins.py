"""Coordinators' fixed decisions."""

from __future__ import annotations

from solver.variables import Penalty, RotaModel


def add_pins(m: RotaModel) -> list[Penalty]:
    """Hard: a pinned assignment holds; a pin with ``assigned=false`` keeps the person off the shift."""
    for pin in m.problem.pins:
        var = m.x.get((pin.person, pin.shift))
        guard = m.guard("pins", pin.person)
        if var is None:
            if pin.assigned:  # the pair cannot exist at all (unknown ids are rejected on load)
                m.cp.add_bool_or([]).only_enforce_if(guard)
            continue
        m.cp.add(var == int(pin.assigned)).only_enforce_if(guard)
    return []
