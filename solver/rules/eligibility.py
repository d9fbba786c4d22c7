"""Who may be on which shift at all: skills, certificates, stations, availability, leave.

Pairs that fail these rules get no variable (the cheapest way to keep them off), except
when a pin asks for them: then the variable exists and the rule forces it to 0, so that
the conflict between the pin and the rule can be named.
"""

from __future__ import annotations

from solver.instance import Person, Shift
from solver.variables import Penalty, RotaModel


def qualification_problem(person: Person, shift: Shift) -> bool:
    """True if the person lacks a required skill valid on the day, or may not work at the station."""
    if person.stations and shift.station not in person.stations:
        return True
    return not all(person.qualified(skill, shift.day) for skill in shift.required_skills)


def availability_problem(person: Person, shift: Shift) -> bool:
    """True if the shift falls on a fixed day off or overlaps leave or unavailability."""
    if shift.day in person.days_off:
        return True
    return any(u.start < shift.end and shift.start < u.end for u in person.unavailable)


def exclusion(person: Person, shift: Shift) -> str | None:
    """The rule that keeps this person off this shift, if any."""
    if qualification_problem(person, shift):
        return "qualification"
    if availability_problem(person, shift):
        return "availability"
    return None


def add_qualification(m: RotaModel) -> list[Penalty]:
    """Hard: every assignee holds the shift's required skills, valid on its day, at an allowed station."""
    return _forbid_excluded(m, "qualification")


def add_availability(m: RotaModel) -> list[Penalty]:
    """Hard: nobody works on a fixed day off or during leave or stated unavailability."""
    return _forbid_excluded(m, "availability")


def _forbid_excluded(m: RotaModel, rule: str) -> list[Penalty]:
    """Force to 0 the variables that exist only because a pin asked for an excluded pair."""
    for (person, _), var in ((k, m.x[k]) for k, r in m.excluded.items() if r == rule):
        m.cp.add(var == 0).only_enforce_if(m.guard(rule, person))
    return []
