"""Staff wishes: to work, or not to work, a shift type (or any shift) on a day."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.instance import Request
from solver.variables import Penalty, RotaModel


def _requested(m: RotaModel, r: Request) -> list[cp_model.IntVar]:
    """The variables of the shifts a request speaks about."""
    return [v for s, v in m.shifts_on_day(r.person, r.day) if r.shift_type is None or s.type == r.shift_type]


def add_shift_on_requests(m: RotaModel) -> list[Penalty]:
    """Soft: a wish to work (that type / any shift) on a day is unmet if the person does not.

    Penalty unit: one unmet request, times its weight.
    """
    penalties = []
    for i, r in enumerate(m.problem.requests):
        if not r.on or r.weight <= 0:
            continue
        options = _requested(m, r)
        unmet = m.cp.new_bool_var(f"unmet_on_request(person={r.person},day={r.day},n={i})")
        m.cp.add_bool_or([unmet, *options])
        for v in options:
            m.cp.add_implication(v, unmet.Not())
        penalties.append(Penalty("shift_on_request", unmet, r.weight))
    return penalties


def add_shift_off_requests(m: RotaModel) -> list[Penalty]:
    """Soft: a wish not to work (that type / any shift) on a day is unmet if the person does.

    Penalty unit: one unmet request, times its weight.
    """
    penalties = []
    for i, r in enumerate(m.problem.requests):
        if r.on or r.weight <= 0:
            continue
        options = _requested(m, r)
        if not options:
            continue
        unmet = m.cp.new_bool_var(f"unmet_off_request(person={r.person},day={r.day},n={i})")
        m.cp.add_max_equality(unmet, options)
        penalties.append(Penalty("shift_off_request", unmet, r.weight))
    return penalties
