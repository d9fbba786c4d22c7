"""The CP-SAT model under construction: decision variables plus domain-language queries.

``x(person, shift)`` is the one decision: is this person on this shift.  Everything else
(working days, weekends, minutes) is derived from it here, once, and named so that the
variable names read as the explanation of the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.instance import Person, Problem, Shift

Literal = cp_model.IntVar  # a Boolean variable (or its negation)


@dataclass(frozen=True)
class Penalty:
    """A soft-rule term of the objective: ``weight`` times the integer expression ``amount``.

    With ``at_least`` the model only bounds ``amount`` from below by each of these expressions
    (minimising pushes it down to their maximum, so the optimum is unchanged); the term's true
    value in a solution is that maximum.  Rows ``amount >= e`` leave CP-SAT's search free where
    an exact max-equality blocks it.  Amounts are never negative, so the value is at least 0.
    """

    rule: str
    amount: cp_model.LinearExprT
    weight: int
    at_least: tuple[cp_model.LinearExprT, ...] = ()

    def value(self, solver: cp_model.CpSolver) -> int:
        """The term's amount (unweighted) in the solver's solution."""
        if self.at_least:
            return max(0, *(int(solver.value(e)) for e in self.at_least))
        return int(solver.value(self.amount))


@dataclass
class RotaModel:
    """A CpModel plus the assignment variables and their derived quantities.

    ``explain`` mode guards each hard rule of each person with an assumption literal so
    that an infeasible problem can name the rules that conflict.
    """

    problem: Problem
    cp: cp_model.CpModel
    explain: bool = False
    x: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    excluded: dict[tuple[str, str], str] = field(default_factory=dict)  # pair -> rule that excludes it
    assumptions: dict[tuple[str, str | None], cp_model.IntVar] = field(default_factory=dict)
    _by_person: dict[str, list[tuple[Shift, cp_model.IntVar]]] = field(default_factory=dict)
    _by_shift: dict[str, list[tuple[Person, cp_model.IntVar]]] = field(default_factory=dict)
    _by_person_day: dict[tuple[str, int], list[tuple[Shift, cp_model.IntVar]]] = field(default_factory=dict)
    _by_person_type: dict[tuple[str, str], list[tuple[Shift, cp_model.IntVar]]] = field(default_factory=dict)
    _work: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    _type_work: dict[tuple[str, int, str], cp_model.IntVar] = field(default_factory=dict)
    # Home visits (see solver/rules/visits.py): who serves each visit, when it starts, its interval.
    visit_by: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)  # (visit, person)
    visit_start: dict[str, cp_model.IntVar] = field(default_factory=dict)
    visit_interval: dict[tuple[str, str], cp_model.IntervalVar] = field(default_factory=dict)

    def add_pair(self, person: Person, shift: Shift, excluded_by: str | None = None) -> cp_model.IntVar:
        """Create the decision variable for (person, shift)."""
        var = self.cp.new_bool_var(f"assigned(person={person.id},shift={shift.id})")
        self.x[(person.id, shift.id)] = var
        if excluded_by is not None:
            self.excluded[(person.id, shift.id)] = excluded_by
        self._by_person.setdefault(person.id, []).append((shift, var))
        self._by_shift.setdefault(shift.id, []).append((person, var))
        self._by_person_day.setdefault((person.id, shift.day), []).append((shift, var))
        self._by_person_type.setdefault((person.id, shift.type), []).append((shift, var))
        return var

    def guard(self, rule: str, person: str | None) -> list[cp_model.IntVar]:
        """Enforcement literals for a hard rule of a person: none normally, one in explain mode."""
        if not self.explain:
            return []
        key = (rule, person)
        if key not in self.assumptions:
            self.assumptions[key] = self.cp.new_bool_var(f"hard({rule},person={person})")
        return [self.assumptions[key]]

    def shifts_of(self, person_id: str) -> list[tuple[Shift, cp_model.IntVar]]:
        """The shifts a person could be on, each with its variable."""
        return self._by_person.get(person_id, [])

    def shifts_of_type(self, person_id: str, type_id: str) -> list[tuple[Shift, cp_model.IntVar]]:
        """A person's candidate shifts of one type."""
        return self._by_person_type.get((person_id, type_id), [])

    def people_on(self, shift_id: str) -> list[tuple[Person, cp_model.IntVar]]:
        """The people who could be on a shift, each with its variable."""
        return self._by_shift.get(shift_id, [])

    def shifts_on_day(self, person_id: str, day: int) -> list[tuple[Shift, cp_model.IntVar]]:
        """A person's candidate shifts on one day."""
        return self._by_person_day.get((person_id, day), [])

    def works(self, person: Person, day: int) -> cp_model.IntVar | int:
        """1 if the person works any shift on the day (a literal, or the constant 0)."""
        key = (person.id, day)
        if key not in self._work:
            options = [v for _, v in self.shifts_on_day(person.id, day)]
            if not options:
                return 0
            self._work[key] = self._or(f"works(person={person.id},day={day})", options, person)
        return self._work[key]

    def works_type(self, person: Person, day: int, type_id: str) -> cp_model.IntVar | int:
        """1 if the person works a shift of the given type on the day."""
        key = (person.id, day, type_id)
        if key not in self._type_work:
            options = [v for s, v in self.shifts_on_day(person.id, day) if s.type == type_id]
            if not options:
                return 0
            name = f"works_type(person={person.id},day={day},type={type_id})"
            self._type_work[key] = self._or(name, options, person)
        return self._type_work[key]

    def works_weekend(self, person: Person, days: list[int]) -> cp_model.IntVar | int:
        """1 if the person works on any of the given weekend days."""
        options = [w for w in (self.works(person, d) for d in days) if not isinstance(w, int)]
        if not options:
            return 0
        if len(options) == 1:
            return options[0]
        lit = self.cp.new_bool_var(f"works_weekend(person={person.id},days={days[0]}-{days[-1]})")
        self.cp.add_max_equality(lit, options)
        return lit

    def _or(self, name: str, options: list[cp_model.IntVar], person: Person) -> cp_model.IntVar:
        """A literal equal to the OR of the options (their sum when at most one can hold)."""
        if len(options) == 1:
            return options[0]
        lit = self.cp.new_bool_var(name)
        if person.limits.max_shifts_per_day == 1 and not self.explain:
            # One shift a day at most (a hard rule), so the sum is the OR and propagates better.
            self.cp.add(cp_model.LinearExpr.sum(options) == lit)
        else:
            self.cp.add_max_equality(lit, options)
        return lit
