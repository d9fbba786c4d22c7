"""Planning a week as a job: build in one transaction, solve with none open, save in another.

The web app runs this in a background thread; it takes a session factory rather than a session
because it owns its two short transactions itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from rota.services.planning_input import planning_problem
from rota.services.problem import save_plan
from rota.services.stations import find_stations, materialise_shifts
from solver.model import Progress, SolveParams, solve


@dataclass(frozen=True)
class PlanOutcome:
    """What a planning job stored: the new drafts and the solver's verdict."""

    rota_ids: list[int]
    status: str
    objective: int | None
    bound: int | None
    holes: int


def plan_week(
    sessions: sessionmaker[Session],
    *,
    station_id: int | None,
    week_start: date,
    params: SolveParams,
    now: Callable[[], datetime],
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PlanOutcome:
    """Create the week's shifts if needed, solve the station's week and store the result as a draft.

    Without a station the whole district is planned as one problem, a draft per station.
    """
    with sessions() as session, session.begin():
        for station in find_stations(session, None if station_id is None else str(station_id)):
            materialise_shifts(session, station, week_start)
        session.flush()
        problem, context = planning_problem(session, week_start=week_start, station_id=station_id)
    result = solve(problem, params, on_progress, should_stop)
    with sessions() as session, session.begin():
        rotas = save_plan(session, context, result, now=now())
        rota_ids = [rota.id for rota in rotas]
    return PlanOutcome(rota_ids, result.status, result.objective, result.bound, len(result.holes))
