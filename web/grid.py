"""The week grid a coordinator looks at: days x shift templates, people in cells, holes with reasons.

A read model only: it queries one station-week with eager loading and shapes it for the
templates and the API; it never writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rota.domain import DAYS_PER_WEEK, RotaStatus
from rota.models import Assignment, Organisation, Person, Rota, Shift, ShiftTemplate, Station
from rota.services.problem import org_key, person_key, shift_key
from rota.services.rotas import rota_with_status


@dataclass
class Cell:
    """One shift on one day: who is on it and what is missing."""

    shift: Shift
    key: str
    assignments: list[Assignment] = field(default_factory=list)
    holes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class LoadRow:
    """One bar of a load chart."""

    label: str
    minutes: int
    target: int | None
    css: str = ""


@dataclass
class WeekGrid:
    """Everything the week page shows."""

    station: Station
    week_start: date
    templates: list[ShiftTemplate]
    cells: dict[tuple[int, date], Cell]
    draft: Rota | None
    published: Rota | None

    @property
    def days(self) -> list[date]:
        """The seven dates of the week."""
        return [self.week_start + timedelta(days=d) for d in range(DAYS_PER_WEEK)]

    @property
    def rota(self) -> Rota | None:
        """The version being shown: the draft if there is one, else the published rota."""
        return self.draft or self.published

    @property
    def explanation(self) -> dict[str, Any]:
        """The shown version's stored explanation."""
        return self.rota.explanation if self.rota is not None else {}

    def cell(self, template: ShiftTemplate, day: date) -> Cell | None:
        """The cell of a template on a day (None where the template does not run)."""
        return self.cells.get((template.id, day))

    def hole_count(self) -> int:
        """People missing over the week."""
        return sum(h["missing"] for c in self.cells.values() for h in c.holes if h["missing"] > 0)


def load_week(session: Session, station: Station, week_start: date) -> WeekGrid:
    """Query a station's week: shifts, the draft and published versions, and their assignments."""
    last = week_start + timedelta(days=DAYS_PER_WEEK - 1)
    shifts = session.scalars(
        select(Shift)
        .where(Shift.station_id == station.id, Shift.date >= week_start, Shift.date <= last)
        .options(selectinload(Shift.template))
        .order_by(Shift.start_at)
    ).all()
    draft = rota_with_status(session, station.id, week_start, RotaStatus.DRAFT)
    published = rota_with_status(session, station.id, week_start, RotaStatus.PUBLISHED)
    cells = {(s.template_id, s.date): Cell(s, shift_key(s)) for s in shifts}
    shown = draft or published
    if shown is not None:
        _fill(session, shown, cells)
    templates = sorted({s.template for s in shifts}, key=lambda t: (t.start_time, t.code))
    return WeekGrid(station, week_start, templates, cells, draft, published)


def _fill(session: Session, rota: Rota, cells: dict[tuple[int, date], Cell]) -> None:
    """Put the rota's assignments and holes into their cells."""
    by_shift = {cell.shift.id: cell for cell in cells.values()}
    by_key = {cell.key: cell for cell in cells.values()}
    rows = session.scalars(
        select(Assignment)
        .where(Assignment.rota_id == rota.id)
        .options(selectinload(Assignment.person).selectinload(Person.org))
        .order_by(Assignment.id)
    )
    for assignment in rows:
        cell = by_shift.get(assignment.shift_id)
        if cell is not None:
            cell.assignments.append(assignment)
    for hole in rota.explanation.get("holes", []):
        cell = by_key.get(hole.get("shift"))
        if cell is not None:
            cell.holes.append(hole)


def person_loads(session: Session, grid: WeekGrid) -> list[LoadRow]:
    """Minutes per person against their fair-share target, busiest first."""
    loads = grid.explanation.get("person_load", [])
    ids = {int(load["id"][1:]) for load in loads if load["id"].startswith("P")}
    people = {person_key(p.id): p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    rows = [
        LoadRow(people[load["id"]].name, load["minutes"], load.get("target_minutes"), "")
        for load in loads
        if load["id"] in people
    ]
    return sorted(rows, key=lambda r: (-r.minutes, r.label))


def org_shares(grid: WeekGrid) -> list[tuple[Organisation, int, int, int]]:
    """(organisation, minutes, share permille, quota permille) of the station's organisations."""
    loads = {load["id"]: load["minutes"] for load in grid.explanation.get("org_load", [])}
    orgs = grid.station.organisations
    total = sum(loads.get(org_key(org.id), 0) for org in orgs) or 1
    return [
        (
            org,
            loads.get(org_key(org.id), 0),
            1000 * loads.get(org_key(org.id), 0) // total,
            org.quota_permille,
        )
        for org in orgs
    ]


def diff(session: Session, grid: WeekGrid) -> dict[str, list[tuple[Shift, Person]]]:
    """Assignments the draft adds to and removes from the published rota."""
    if grid.draft is None or grid.published is None:
        return {"added": [], "removed": []}
    pairs: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for rota in (grid.draft, grid.published):
        rows = session.execute(
            select(Assignment.shift_id, Assignment.person_id).where(Assignment.rota_id == rota.id)
        )
        pairs[rota.id] = {(shift_id, person_id) for shift_id, person_id in rows}
    added = pairs[grid.draft.id] - pairs[grid.published.id]
    removed = pairs[grid.published.id] - pairs[grid.draft.id]
    return {"added": _rows(session, added), "removed": _rows(session, removed)}


def _rows(session: Session, pairs: set[tuple[int, int]]) -> list[tuple[Shift, Person]]:
    """(shift, person) objects for id pairs, in time order (two queries, however many pairs)."""
    if not pairs:
        return []
    query = select(Shift).where(Shift.id.in_({s for s, _ in pairs})).options(selectinload(Shift.template))
    shifts = {shift.id: shift for shift in session.scalars(query)}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({p for _, p in pairs})))}
    found = [(shifts[s], people[p]) for s, p in pairs]
    return sorted(found, key=lambda sp: (sp[0].start_at, sp[1].id))
