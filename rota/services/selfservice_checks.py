"""Checking a changed week against the hard rules, and its effect on coverage.

A change (a swap, a sign-up, a leave) is tried on the solver's view of the station's week: the
independent validator re-checks every hard rule on the changed plan, and only violations the plan
did not already have count against it.  Coverage effects compare the holes before and after.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import FieldError, InvalidInput
from rota.models import Person, Rota, Shift
from rota.services.problem import PlanContext, build_problem
from rota.services.rotas import current_rota, rota_with_status
from solver import explain
from solver.instance import Pin, Problem
from solver.rules import RULES
from solver.validate import Violation, validate

Row = tuple[int, int, bool]  # (shift id, person id, pinned)
Change = Callable[[list[Row]], list[Row]]
_PERSON = re.compile(r"\bperson (P\d+)\b")


@dataclass(frozen=True)
class Refusal:
    """A hard rule a change would break, in both languages, with the validator's detail."""

    rule: str
    zh: str
    en: str
    detail: str


class Refused(InvalidInput):
    """A change that would break hard rules; ``refusals`` say which and why."""

    def __init__(self, message: str, refusals: tuple[Refusal, ...]) -> None:
        super().__init__(message, [FieldError(r.en, r.detail) for r in refusals])
        self.refusals = refusals


@dataclass(frozen=True)
class Effect:
    """How a change moves one shift's coverage: negative = more people missing, positive = fewer."""

    shift: Shift
    delta: int


@dataclass(frozen=True)
class WeekCheck:
    """The outcome of trying a change on a week: refusals and coverage effects."""

    refusals: tuple[Refusal, ...]
    effects: tuple[Effect, ...]


def live_rota(session: Session, station_id: int, week_start: date) -> Rota | None:
    """The rota in force: the published one, else the draft being prepared."""
    published = rota_with_status(session, station_id, week_start, RotaStatus.PUBLISHED)
    return published or current_rota(session, station_id, week_start)


def rows_of(rota: Rota | None) -> list[Row]:
    """A rota's assignments as rows (none without a rota)."""
    return [(a.shift_id, a.person_id, a.pinned) for a in rota.assignments] if rota else []


def check_change(
    session: Session, station_id: int, week_start: date, change: Change, *, problem: Problem | None = None
) -> WeekCheck:
    """Try ``change`` on the week's live rota: new hard-rule violations and coverage effects."""
    built, context = build_problem(session, week_start=week_start, station_id=station_id)
    problem = problem or built
    before = rows_of(live_rota(session, station_id, week_start))
    after = change(list(before))
    old = set(_validate(problem, context, before))
    new = [v for v in _validate(problem, context, after) if v not in old]
    names = {key: session.get_one(Person, pid).name for key, pid in context.people.items()}
    refusals = tuple(_refusal(v, names) for v in new)
    return WeekCheck(refusals, _effects(session, problem, context, before, after))


def _pairs(context: PlanContext, rows: Iterable[Row]) -> list[tuple[str, str]]:
    """Rows as the problem's (person, shift) ids; rows outside the problem are dropped."""
    people = {v: k for k, v in context.people.items()}
    shifts = {v: k for k, v in context.shifts.items()}
    return [(people[p], shifts[s]) for s, p, _ in rows if p in people and s in shifts]


def _validate(problem: Problem, context: PlanContext, rows: list[Row]) -> tuple[Violation, ...]:
    """Hard-rule violations of rows, with the rows' own pins in place of the stored ones."""
    people = {v: k for k, v in context.people.items()}
    shifts = {v: k for k, v in context.shifts.items()}
    pins = [p for p in problem.pins if not p.assigned]
    pins += [Pin(people[p], shifts[s]) for s, p, pinned in rows if pinned and p in people and s in shifts]
    return validate(replace(problem, pins=tuple(pins)), _pairs(context, rows)).violations


def _refusal(violation: Violation, names: Mapping[str, str]) -> Refusal:
    """A violation with the person's name in place of their problem id."""
    detail = _PERSON.sub(lambda m: names.get(m.group(1), m.group(1)), violation.detail)
    info = RULES.get(violation.rule)
    return Refusal(
        violation.rule, info.zh if info else violation.rule, info.en if info else violation.rule, detail
    )


def _effects(
    session: Session, problem: Problem, context: PlanContext, before: list[Row], after: list[Row]
) -> tuple[Effect, ...]:
    """Per shift, the largest change in people missing for any of its needs."""
    missing_before = _missing(problem, context, before)
    missing_after = _missing(problem, context, after)
    deltas: dict[str, int] = {}
    for key in set(missing_before) | set(missing_after):
        delta = missing_before.get(key, 0) - missing_after.get(key, 0)
        shift = key[0]
        if delta and abs(delta) > abs(deltas.get(shift, 0)):
            deltas[shift] = delta
    found = [Effect(session.get_one(Shift, context.shifts[s]), d) for s, d in deltas.items()]
    return tuple(sorted(found, key=lambda e: (e.shift.start_at, e.shift.id)))


def _missing(problem: Problem, context: PlanContext, rows: list[Row]) -> dict[tuple[str, int], int]:
    """People missing per (shift, need)."""
    holes = explain.holes(problem, tuple(sorted(_pairs(context, rows))))
    return {(h.shift, h.need): h.missing for h in holes}
