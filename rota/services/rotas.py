"""Rota versions: storing a solve as a new draft, publishing it, and finding the current versions.

Planning never overwrites anything: every solve adds a version.  An older draft of the same
station and week becomes superseded; a published rota stays published until a newer draft is
published in its place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus, iso_week_label
from rota.errors import InfeasibleRota, NotFound, SolverTimeout, StateConflict
from rota.feeds import SyncReport, sync_published_events
from rota.models import Assignment, Rota, Station
from rota.services.visits import apply_published_plan
from solver.result import FEASIBLE, INFEASIBLE, OPTIMAL, SolveResult


@dataclass(frozen=True)
class RotaMark:
    """What a planner saw of a station's week when it built the problem: checked again on saving."""

    latest_version: int  # 0 when the week had no rota yet
    draft_lock: int | None  # lock_version of the draft then current, None without a draft


def rota_with_status(session: Session, station_id: int, week_start: date, status: RotaStatus) -> Rota | None:
    """The station's draft or published rota of a week (there is at most one of each)."""
    return session.scalars(
        select(Rota).where(
            Rota.station_id == station_id, Rota.week_start == week_start, Rota.status == status
        )
    ).one_or_none()


def current_rota(session: Session, station_id: int, week_start: date) -> Rota | None:
    """The version a coordinator is working on: the draft if there is one, else the published rota."""
    draft = rota_with_status(session, station_id, week_start, RotaStatus.DRAFT)
    return draft or rota_with_status(session, station_id, week_start, RotaStatus.PUBLISHED)


def latest_version(session: Session, station_id: int, week_start: date) -> int:
    """The highest version number of a station's week (0 without any rota)."""
    found = session.scalar(
        select(func.max(Rota.version)).where(Rota.station_id == station_id, Rota.week_start == week_start)
    )
    return found or 0


def mark(session: Session, station_id: int, week_start: date) -> RotaMark:
    """Record the state of a station's week before a solve."""
    draft = rota_with_status(session, station_id, week_start, RotaStatus.DRAFT)
    return RotaMark(latest_version(session, station_id, week_start), draft.lock_version if draft else None)


def save_draft(
    session: Session,
    *,
    week_start: date,
    marks: Mapping[int, RotaMark],
    assignments: Mapping[int, list[tuple[int, int, bool]]],
    result: SolveResult,
    explanations: Mapping[int, dict[str, Any]],
    now: datetime,
) -> list[Rota]:
    """Store a solve as a new draft per station; ``assignments`` maps a station to (shift, person, pinned).

    Fails with ``StateConflict`` if any of the weeks changed since ``marks`` were taken, and
    stores nothing when the solve found no rota.
    """
    _require_solution(result)
    for station_id, seen in marks.items():
        if mark(session, station_id, week_start) != seen:
            week = iso_week_label(week_start)
            raise StateConflict(
                f"the rota of station {station_id} for {week} changed while solving; plan again"
            )
    return [
        _new_draft(session, station_id, week_start, result, rows, explanations.get(station_id, {}), now)
        for station_id, rows in assignments.items()
    ]


def _require_solution(result: SolveResult) -> None:
    """Raise the typed error for a solve that produced no rota."""
    if result.status in (OPTIMAL, FEASIBLE):
        return
    if result.status == INFEASIBLE:
        reasons = [f"{c.rule}: {c.message.en}" for c in result.conflicts]
        raise InfeasibleRota("the hard rules cannot all hold; nothing was saved", reasons)
    raise SolverTimeout("no rota was found within the time limit; nothing was saved")


def _new_draft(
    session: Session,
    station_id: int,
    week_start: date,
    result: SolveResult,
    rows: list[tuple[int, int, bool]],
    explanation: dict[str, Any],
    now: datetime,
) -> Rota:
    """Supersede the current draft (if any) and add the next version as the draft."""
    old = rota_with_status(session, station_id, week_start, RotaStatus.DRAFT)
    if old is not None:
        old.status = RotaStatus.SUPERSEDED
        session.flush()  # at most one draft per week: the old one must change first
    rota = Rota(
        station_id=station_id,
        week_start=week_start,
        status=RotaStatus.DRAFT,
        version=latest_version(session, station_id, week_start) + 1,
        created_at=now,
        solver_status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        explanation=explanation,
        assignments=[Assignment(shift_id=s, person_id=p, pinned=pinned) for s, p, pinned in rows],
    )
    session.add(rota)
    session.flush()
    return rota


def publish(session: Session, *, stations: list[Station], week_start: date, now: datetime) -> list[Rota]:
    """Publish the draft of each station's week; the previously published version becomes superseded.

    With several stations, those without a draft are left alone; it is an error if none has one.
    """
    drafts = [
        draft
        for station in stations
        if (draft := rota_with_status(session, station.id, week_start, RotaStatus.DRAFT)) is not None
    ]
    if not drafts:
        names = ", ".join(s.code for s in stations)
        raise NotFound(
            f"no draft rota to publish for {iso_week_label(week_start)} at {names} (run `rota plan`)"
        )
    for draft in drafts:
        _publish_one(session, draft, now)
    return drafts


def _publish_one(session: Session, draft: Rota, now: datetime) -> SyncReport:
    """Make one draft the published version of its week and update the calendar feeds' events."""
    old = rota_with_status(session, draft.station_id, draft.week_start, RotaStatus.PUBLISHED)
    if old is not None:
        old.status = RotaStatus.SUPERSEDED
        session.flush()  # at most one published version per week: retire the old one first
    draft.status = RotaStatus.PUBLISHED
    draft.published_at = now
    session.flush()
    apply_published_plan(session, draft, now=now)  # the version's visit plan becomes the live one
    return sync_published_events(session, draft.station_id, draft.week_start, now)


def publish_station_week(session: Session, station: Station, week_start: date, now: datetime) -> SyncReport:
    """Publish one station's draft of a week; returns what changed in the staff's calendars."""
    draft = rota_with_status(session, station.id, week_start, RotaStatus.DRAFT)
    if draft is None:
        raise NotFound(f"no draft rota to publish for {iso_week_label(week_start)} at {station.code}")
    return _publish_one(session, draft, now)


def explanation_json(
    result: SolveResult, shifts: set[str], people: set[str], orgs: set[str]
) -> dict[str, Any]:
    """The parts of a solve's explanation that concern one station, as JSON-ready data."""
    return {
        "breakdown": [asdict(score) for score in result.breakdown],
        "holes": [asdict(hole) for hole in result.holes if hole.shift in shifts],
        "conflicts": [asdict(conflict) for conflict in result.conflicts],
        "person_load": [asdict(load) for load in result.person_load if load.id in people],
        "org_load": [asdict(load) for load in result.org_load if load.id in orgs],
        "wall_time": result.wall_time,
    }
