"""The problem a solve starts from: the week as the database describes it, plus volunteers' sign-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from rota.services.problem import PlanContext, build_problem
from rota.services.selfservice_activities import with_signup_pins
from solver.instance import Problem


def planning_problem(
    session: Session, *, week_start: date, station_id: int | None = None
) -> tuple[Problem, PlanContext]:
    """The week's problem with confirmed activity sign-ups pinned, so the solver fills only what is open."""
    problem, context = build_problem(session, week_start=week_start, station_id=station_id)
    return with_signup_pins(session, problem, context)
