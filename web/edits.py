"""Hand edits of a draft rota (pin, move, add, remove), each checked against the hard rules first.

An edit is tried on the solver's view of the week: the independent validator re-checks every
hard rule on the edited plan, and the edit is refused with the validator's words if it breaks a
rule that the plan did not already break.  Edits of a published week start a new draft from it.
Manual placements are pinned, so that re-planning keeps them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import FieldError, InvalidInput, NotFound, StateConflict
from rota.models import Assignment, Person, Rota, Shift
from rota.services.problem import PlanContext, build_problem
from rota.services.rotas import explanation_json, latest_version, rota_with_status
from solver import explain
from solver.instance import Pin, Problem
from solver.result import RuleScore, SolveResult
from solver.rules import RULES, SOFT_RULE_IDS
from solver.validate import Validation, validate

Row = tuple[int, int, bool]  # (shift id, person id, pinned)


def editable_draft(session: Session, station_id: int, week_start: date, now: datetime) -> Rota:
    """The week's draft; a copy of the published rota as a new draft when there is none."""
    draft = rota_with_status(session, station_id, week_start, RotaStatus.DRAFT)
    if draft is not None:
        return draft
    published = rota_with_status(session, station_id, week_start, RotaStatus.PUBLISHED)
    if published is None:
        raise NotFound("this week has no rota to edit yet: generate one first")
    copy = Rota(
        station_id=station_id,
        week_start=week_start,
        status=RotaStatus.DRAFT,
        version=latest_version(session, station_id, week_start) + 1,
        created_at=now,
        solver_status=published.solver_status,
        objective=published.objective,
        bound=published.bound,
        gap=published.gap,
        explanation=dict(published.explanation),
        assignments=[
            Assignment(shift_id=a.shift_id, person_id=a.person_id, pinned=a.pinned)
            for a in published.assignments
        ],
    )
    session.add(copy)
    session.flush()
    return copy


def assignment_in_draft(session: Session, assignment_id: int, now: datetime) -> tuple[Rota, Assignment]:
    """The draft holding an assignment, and the assignment (copied into a new draft if it was published)."""
    found = session.get(Assignment, assignment_id)
    if found is None or found.rota.status == RotaStatus.SUPERSEDED:
        raise NotFound(f"assignment {assignment_id} not found in a current rota")
    rota = found.rota
    if rota.status == RotaStatus.DRAFT:
        return rota, found
    draft = editable_draft(session, rota.station_id, rota.week_start, now)
    twin = next(
        a for a in draft.assignments if (a.shift_id, a.person_id) == (found.shift_id, found.person_id)
    )
    return draft, twin


def require_version(rota: Rota | None, expected: int | None) -> None:
    """StateConflict if the coordinator edited an older state of the draft than the stored one (or none)."""
    if expected is not None and (rota is None or expected != rota.lock_version):
        raise StateConflict("the rota changed since this page was loaded; reload and try again")


def set_pinned(session: Session, assignment_id: int, pinned: bool, now: datetime) -> Rota:
    """Pin or unpin an assignment (no rule can break: the plan itself stays the same)."""
    rota, assignment = assignment_in_draft(session, assignment_id, now)
    assignment.pinned = pinned
    session.flush()
    return rota


def move(session: Session, assignment_id: int, to_shift_id: int, now: datetime) -> Rota:
    """Move an assignment's person to another shift of the same week and station (pinned there)."""
    rota, assignment = assignment_in_draft(session, assignment_id, now)
    target = session.get(Shift, to_shift_id)
    if target is None or target.station_id != rota.station_id or not _in_week(target.date, rota.week_start):
        raise InvalidInput(
            "cannot move there", [FieldError("shift_id", "not a shift of this station's week")]
        )
    rows = [r for r in _rows(rota) if r[:2] != (assignment.shift_id, assignment.person_id)]
    rows.append((to_shift_id, assignment.person_id, True))
    return apply(session, rota, rows)


def remove(session: Session, assignment_id: int, now: datetime) -> Rota:
    """Take a person off a shift."""
    rota, assignment = assignment_in_draft(session, assignment_id, now)
    rows = [r for r in _rows(rota) if r[:2] != (assignment.shift_id, assignment.person_id)]
    return apply(session, rota, rows)


def add(session: Session, rota: Rota, shift_id: int, person_id: int) -> Rota:
    """Put a person on a shift of the draft (pinned)."""
    shift, person = session.get(Shift, shift_id), session.get(Person, person_id)
    if shift is None or shift.station_id != rota.station_id or not _in_week(shift.date, rota.week_start):
        raise InvalidInput("cannot add there", [FieldError("shift_id", "not a shift of this station's week")])
    if person is None:
        raise InvalidInput("cannot add", [FieldError("person_id", "no such person")])
    return apply(session, rota, [*_rows(rota), (shift_id, person_id, True)])


def _in_week(day: date, week_start: date) -> bool:
    """True if the day falls in the week starting on ``week_start``."""
    return 0 <= (day - week_start).days < 7


def _rows(rota: Rota) -> list[Row]:
    """The rota's assignments as rows."""
    return [(a.shift_id, a.person_id, a.pinned) for a in rota.assignments]


def apply(session: Session, rota: Rota, rows: list[Row]) -> Rota:
    """Replace the draft's assignments with ``rows`` if no new hard-rule violation appears."""
    problem, context = build_problem(session, week_start=rota.week_start, station_id=rota.station_id)
    before = _check(problem, context, _rows(rota))
    after = _check(problem, context, rows)
    new = [v for v in after.violations if v not in set(before.violations)]
    if new:
        raise InvalidInput(
            "the edit would break a hard rule",
            [FieldError(RULES[v.rule].en if v.rule in RULES else v.rule, v.detail) for v in new],
        )
    kept = {(s, p): pinned for s, p, pinned in rows}
    for assignment in list(rota.assignments):
        if (assignment.shift_id, assignment.person_id) not in kept:
            rota.assignments.remove(assignment)
    session.flush()
    existing = {(a.shift_id, a.person_id): a for a in rota.assignments}
    for (shift_id, person_id), pinned in kept.items():
        if (shift_id, person_id) in existing:
            existing[shift_id, person_id].pinned = pinned
        else:
            rota.assignments.append(Assignment(shift_id=shift_id, person_id=person_id, pinned=pinned))
    _explain(rota, problem, context, rows, after)
    session.flush()
    return rota


def _pairs(context: PlanContext, rows: list[Row]) -> list[tuple[str, str]]:
    """Rows as the problem's (person, shift) ids."""
    people = {v: k for k, v in context.people.items()}
    shifts = {v: k for k, v in context.shifts.items()}
    return [(people.get(p, f"P{p}"), shifts.get(s, f"S{s}")) for s, p, _ in rows]


def _check(problem: Problem, context: PlanContext, rows: list[Row]) -> Validation:
    """Validate rows against the problem, with the rows' own pins in place of the stored ones."""
    people = {v: k for k, v in context.people.items()}
    shifts = {v: k for k, v in context.shifts.items()}
    pins = [p for p in problem.pins if not p.assigned]
    pins += [Pin(people[p], shifts[s]) for s, p, pinned in rows if pinned and p in people and s in shifts]
    return validate(replace(problem, pins=tuple(pins)), _pairs(context, rows))


def _explain(
    rota: Rota, problem: Problem, context: PlanContext, rows: list[Row], checked: Validation
) -> None:
    """Recompute the stored explanation and objective of an edited draft."""
    pairs = tuple(sorted(_pairs(context, rows)))
    breakdown = tuple(
        RuleScore(r, RULES[r].zh, RULES[r].en, *checked.scores[r])
        for r in SOFT_RULE_IDS
        if r in checked.scores
    )
    result = SolveResult(
        status=rota.solver_status or "feasible",
        objective=checked.objective,
        bound=None,
        wall_time=0.0,
        assignments=pairs,
        breakdown=breakdown,
        holes=explain.holes(problem, pairs),
        person_load=explain.person_load(problem, pairs),
        org_load=explain.org_load(problem, pairs),
    )
    people = set(context.people)
    data = explanation_json(result, set(context.shifts), people, set(context.org_station))
    rota.explanation = data | {"scope": sorted(context.stations.values()), "edited": True}
    rota.objective, rota.bound, rota.gap = checked.objective, None, None
