"""Exporting a station's rota for a week or a month as rows, CSV text or an XLSX workbook.

Each week contributes its current version (the draft if there is one, else the published rota),
the one the coordinator sees in the grid.  One row per person on a shift, plus one row per
unfilled need, in time order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rota.domain import WEEKDAYS_EN, WEEKDAYS_ZH, week_start_of
from rota.models import Assignment, Person, Shift, Station
from rota.services.problem import shift_key
from rota.services.rotas import current_rota

COLUMNS = (
    "date",
    "weekday",
    "shift_code",
    "shift",
    "start",
    "end",
    "person",
    "organisation",
    "pinned",
    "status",
    "version",
    "note",
)


@dataclass(frozen=True)
class RotaRow:
    """One line of an exported rota."""

    date: str
    weekday: str
    shift_code: str
    shift: str
    start: str
    end: str
    person: str
    organisation: str
    pinned: str
    status: str
    version: int
    note: str


def week_rows(session: Session, station: Station, week_start: date, english: bool = False) -> list[RotaRow]:
    """The rows of a station's week (its current version), in time order."""
    rota = current_rota(session, station.id, week_start)
    if rota is None:
        return []
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.rota_id == rota.id)
        .options(
            selectinload(Assignment.shift).selectinload(Shift.template),
            selectinload(Assignment.person).selectinload(Person.org),
        )
    ).all()
    zone = ZoneInfo(station.timezone)
    rows = [
        _row(
            a.shift,
            zone,
            english,
            a.person.name,
            a.person.org.name,
            a.pinned,
            rota.status.value,
            rota.version,
        )
        for a in assignments
    ]
    shifts = {shift_key(a.shift): a.shift for a in assignments} | _shifts_by_key(session, station, week_start)
    for hole in rota.explanation.get("holes", []):
        shift = shifts.get(hole.get("shift"))
        if shift is not None and hole.get("missing", 0) > 0:
            note = f"{hole['missing']} missing" if english else f"缺 {hole['missing']} 人"
            rows.append(_row(shift, zone, english, "", "", False, rota.status.value, rota.version, note))
    return sorted(rows, key=lambda r: (r.date, r.start, r.shift_code, r.person == "", r.person))


def _shifts_by_key(session: Session, station: Station, week_start: date) -> dict[str, Shift]:
    """The week's shifts by their problem key."""
    shifts = session.scalars(
        select(Shift)
        .where(
            Shift.station_id == station.id,
            Shift.date >= week_start,
            Shift.date < week_start + timedelta(days=7),
        )
        .options(selectinload(Shift.template))
    )
    return {shift_key(s): s for s in shifts}


def _row(
    shift: Shift,
    zone: ZoneInfo,
    english: bool,
    person: str,
    org: str,
    pinned: bool,
    status: str,
    version: int,
    note: str = "",
) -> RotaRow:
    """One row for a shift."""
    names = WEEKDAYS_EN if english else WEEKDAYS_ZH
    template = shift.template
    return RotaRow(
        date=shift.date.isoformat(),
        weekday=names[shift.date.weekday()],
        shift_code=template.code,
        shift=template.name_en if english else template.name_zh,
        start=shift.start_at.astimezone(zone).strftime("%H:%M"),
        end=shift.end_at.astimezone(zone).strftime("%H:%M"),
        person=person,
        organisation=org,
        pinned="yes" if pinned and english else ("是" if pinned else ""),
        status=status,
        version=version,
        note=note,
    )


def month_rows(
    session: Session, station: Station, year: int, month: int, english: bool = False
) -> list[RotaRow]:
    """The rows of every day of a calendar month (weeks overlapping it, cut to its days)."""
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    rows: list[RotaRow] = []
    week = week_start_of(first)
    while week < after:
        rows += week_rows(session, station, week, english)
        week += timedelta(weeks=1)
    return [r for r in rows if first.isoformat() <= r.date < after.isoformat()]


def to_csv(rows: Sequence[RotaRow], headers: Sequence[str] = COLUMNS) -> str:
    """CSV text with a byte-order mark so that spreadsheet programs read it as UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(astuple(r) for r in rows)
    return "\ufeff" + out.getvalue()


def to_xlsx(rows: Sequence[RotaRow], title: str, headers: Sequence[str] = COLUMNS) -> bytes:
    """An XLSX workbook with one sheet: a bold header row, frozen, then the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(astuple(row)))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header)), *(len(str(v)) for v in (astuple(r)[index - 1] for r in rows))])
        sheet.column_dimensions[get_column_letter(index)].width = min(40, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
