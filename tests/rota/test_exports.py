"""Exporting a station's rota as rows, CSV and XLSX, read back."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.services.exports import COLUMNS, RotaRow, month_rows, to_csv, to_xlsx, week_rows
from tests.conftest import TinyStation


def _draft(session: Session, tiny: TinyStation) -> None:
    """A draft with the full-timer on Monday morning (pinned) and the part-timer on Tuesday's night."""
    monday = tiny.shift(session, tiny.week, "AM")
    tuesday_night = tiny.shift(session, tiny.week + timedelta(days=1), "NT")
    rows = [(monday, tiny.full_timer, True), (tuesday_night, tiny.part_timer, False)]
    rota = tiny.rota(session, tiny.week, RotaStatus.DRAFT, rows)
    rota.explanation = {"holes": [{"shift": "T1-1201-AM", "missing": 1}]}
    session.flush()


def test_week_rows_in_time_order_with_holes(session: Session, tiny: TinyStation) -> None:
    _draft(session, tiny)

    rows = week_rows(session, tiny.station, tiny.week, english=True)

    assert [(r.date, r.shift_code, r.start, r.end, r.person, r.pinned, r.note) for r in rows] == [
        ("2026-11-30", "AM", "08:00", "12:00", "T1张一", "yes", ""),
        ("2026-12-01", "AM", "08:00", "12:00", "", "", "1 missing"),
        ("2026-12-01", "NT", "20:00", "08:00", "T1李二", "", ""),
    ]
    assert {(r.status, r.version) for r in rows} == {("draft", 1)}


def test_a_week_without_a_rota_has_no_rows(session: Session, tiny: TinyStation) -> None:
    assert week_rows(session, tiny.station, tiny.week) == []


def test_month_rows_keep_only_the_month(session: Session, tiny: TinyStation) -> None:
    _draft(session, tiny)

    rows = month_rows(session, tiny.station, 2026, 12)

    assert [(r.date, r.weekday, r.shift) for r in rows] == [
        ("2026-12-01", "周二", "上午班"),
        ("2026-12-01", "周二", "夜班"),
    ]


def test_csv_reads_back_with_a_bom(session: Session, tiny: TinyStation) -> None:
    _draft(session, tiny)
    rows = week_rows(session, tiny.station, tiny.week)

    text = to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))

    assert text.startswith("\ufeff")
    assert parsed[0] == list(COLUMNS)
    assert parsed[1] == [
        "2026-11-30", "周一", "AM", "上午班", "08:00", "12:00", "T1张一", "T1居委会", "是", "draft", "1", ""
    ]  # fmt: skip
    assert len(parsed) == 4


def test_xlsx_reads_back(session: Session, tiny: TinyStation) -> None:
    _draft(session, tiny)
    rows = week_rows(session, tiny.station, tiny.week)

    book = load_workbook(io.BytesIO(to_xlsx(rows, "T1 2026-W49")))
    sheet = book["T1 2026-W49"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]

    assert values[0] == list(COLUMNS)
    assert values[3][:7] == ["2026-12-01", "周二", "NT", "夜班", "20:00", "08:00", "T1李二"]
    assert (len(values), sheet.freeze_panes) == (4, "A2")


def test_an_empty_export_still_has_its_header() -> None:
    rows: list[RotaRow] = []

    assert to_csv(rows, ["a", "b"]) == "\ufeffa,b\r\n"
