"""Coverage: the number of people each shift needs, per skill or organisation kind."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.instance import Need, Person, Problem, Shift
from solver.variables import Penalty, RotaModel


def matches(problem: Problem, person: Person, shift: Shift, need: Need) -> bool:
    """True if the person counts towards the need on that shift."""
    if need.skill is not None and not person.qualified(need.skill, shift.day):
        return False
    if need.org_kind is not None:
        org = problem.organisations_by_id.get(person.org)
        return org is not None and org.kind == need.org_kind
    return True


def add_coverage(m: RotaModel) -> list[Penalty]:
    """Soft: each missing person costs the need's under_weight, each surplus person its over_weight.

    Penalty unit: one person short of (or beyond) the need's count.
    """
    penalties: list[Penalty] = []
    for shift in m.problem.shifts:
        for k, need in enumerate(shift.needs):
            if need.skill is None and need.org_kind is None:
                on = [v for _, v in m.people_on(shift.id)]
            else:
                on = [v for p, v in m.people_on(shift.id) if matches(m.problem, p, shift, need)]
            assigned = cp_model.LinearExpr.sum(on)
            if need.under_weight > 0 and need.count > 0:
                under = m.cp.new_int_var(0, need.count, f"understaffed(shift={shift.id},need={k})")
                m.cp.add_max_equality(under, [need.count - assigned, 0])
                penalties.append(Penalty("coverage_under", under, need.under_weight))
            if need.over_weight > 0 and len(on) > need.count:
                over = m.cp.new_int_var(0, len(on) - need.count, f"overstaffed(shift={shift.id},need={k})")
                m.cp.add_max_equality(over, [assigned - need.count, 0])
                penalties.append(Penalty("coverage_over", over, need.over_weight))
    return penalties
