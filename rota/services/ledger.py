"""The monthly service ledger (服务台账) the community office receives, and its XLSX form.

A month is a calendar month in the station's zone.  Visits count by the day their window starts;
a visit's response time runs from the resident's call (``requested_at``) to the butler's arrival
(``started_at`` of its live state).  Duty hours come from the published rotas (paid minutes, as in
planning); an organisation's rotation share is its part of all duty minutes, set against its quota.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rota.domain import RotaStatus, VisitStatus
from rota.errors import FieldError, InvalidInput
from rota.models import Assignment, Rota, Shift, Station, VisitRequest
from rota.selfservice import Activity, SignupStatus
from rota.services.stations import shift_minutes
from rota.visits import VisitState

SERVED = (VisitStatus.DONE,)


@dataclass(frozen=True)
class CountRow:
    """Visits of one kind (service type, compound): all of them and those served."""

    key: str
    total: int
    done: int


@dataclass(frozen=True)
class Response:
    """Minutes from call to arrival over the visits that started."""

    count: int
    mean: float | None
    median: float | None
    longest: int | None


@dataclass(frozen=True)
class PersonHours:
    """One butler's duty in the month."""

    name: str
    org: str
    shifts: int
    minutes: int


@dataclass(frozen=True)
class OrgShare:
    """An organisation's duty in the month against its rotation quota (both in permille)."""

    name: str
    kind: str
    minutes: int
    share_permille: int
    quota_permille: int


@dataclass(frozen=True)
class ActivityRow:
    """An activity held in the month with who staffed it and how many came."""

    title: str
    kind: str
    day: date
    staff: int
    signups: int
    attendance: int | None


@dataclass(frozen=True)
class Ledger:
    """Everything the month's ledger shows."""

    station: str
    month: date
    visits: int
    by_service: tuple[CountRow, ...]
    by_compound: tuple[CountRow, ...]
    by_outcome: tuple[tuple[str, int], ...]
    response: Response
    response_by_urgency: tuple[tuple[str, Response], ...]
    people: tuple[PersonHours, ...]
    orgs: tuple[OrgShare, ...]
    activities: tuple[ActivityRow, ...]

    @property
    def label(self) -> str:
        """The month as ``YYYY-MM``."""
        return f"{self.month:%Y-%m}"


def parse_month(text: str) -> date:
    """The first day of a month written ``YYYY-MM``."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput(
            "bad month", [FieldError("month", f"{text!r} is not a month like 2026-12")]
        ) from None


def _next_month(month: date) -> date:
    """The first day of the following month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def build_ledger(session: Session, station: Station, month: date) -> Ledger:
    """The station's ledger of the month starting on ``month`` (its first day)."""
    zone = ZoneInfo(station.timezone)
    first, after = (datetime.combine(d, time(), tzinfo=zone) for d in (month, _next_month(month)))
    visits = list(
        session.scalars(
            select(VisitRequest)
            .where(
                VisitRequest.station_id == station.id,
                VisitRequest.window_start >= first,
                VisitRequest.window_start < after,
            )
            .options(selectinload(VisitRequest.compound))
            .order_by(VisitRequest.id)
        )
    )
    states = {
        s.visit_id: s
        for s in session.scalars(select(VisitState).where(VisitState.visit_id.in_([v.id for v in visits])))
    }
    people, orgs = _duty(session, station, month, _next_month(month))
    return Ledger(
        station=station.name,
        month=month,
        visits=len(visits),
        by_service=_counts(visits, lambda v: v.service_type.value),
        by_compound=_counts(visits, lambda v: v.compound.name),
        by_outcome=tuple(sorted(Counter(v.status.value for v in visits).items())),
        response=_response(visits, states),
        response_by_urgency=tuple(
            (u, _response([v for v in visits if v.urgency.value == u], states))
            for u in sorted({v.urgency.value for v in visits})
        ),
        people=people,
        orgs=orgs,
        activities=_activities(session, station, month, _next_month(month)),
    )


def _counts(visits: list[VisitRequest], key: object) -> tuple[CountRow, ...]:
    """Visits grouped by ``key(visit)``: all and served."""
    total: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for visit in visits:
        k = key(visit)  # type: ignore[operator]
        total[k] += 1
        done[k] += visit.status in SERVED
    return tuple(CountRow(k, total[k], done[k]) for k in sorted(total))


def _response(visits: list[VisitRequest], states: dict[int, VisitState]) -> Response:
    """Response statistics of the visits whose butler arrived."""
    minutes = [
        int((state.started_at - v.requested_at).total_seconds() // 60)
        for v in visits
        if (state := states.get(v.id)) is not None and state.started_at is not None
    ]
    if not minutes:
        return Response(0, None, None, None)
    return Response(len(minutes), statistics.fmean(minutes), statistics.median(minutes), max(minutes))


def _month_assignments(session: Session, station: Station, first: date, after: date) -> list[Assignment]:
    """Assignments of the station's published rotas on shifts dated in the month."""
    return list(
        session.scalars(
            select(Assignment)
            .join(Rota, Rota.id == Assignment.rota_id)
            .join(Shift, Shift.id == Assignment.shift_id)
            .where(
                Rota.station_id == station.id,
                Rota.status == RotaStatus.PUBLISHED,
                Shift.date >= first,
                Shift.date < after,
            )
            .options(
                selectinload(Assignment.person), selectinload(Assignment.shift).selectinload(Shift.template)
            )
            .order_by(Assignment.id)
        )
    )


def _duty(
    session: Session, station: Station, first: date, after: date
) -> tuple[tuple[PersonHours, ...], tuple[OrgShare, ...]]:
    """Hours per person and the organisations' shares of the month's published duty."""
    shifts: Counter[int] = Counter()
    minutes: Counter[int] = Counter()
    people = {}
    for a in _month_assignments(session, station, first, after):
        shifts[a.person_id] += 1
        minutes[a.person_id] += shift_minutes(a.shift)
        people[a.person_id] = a.person
    by_org: dict[int, int] = defaultdict(int)
    for pid, person in people.items():
        by_org[person.org_id] += minutes[pid]
    total = sum(by_org.values())
    rows = sorted(people.values(), key=lambda p: (-minutes[p.id], p.id))
    hours = tuple(PersonHours(p.name, p.org.name, shifts[p.id], minutes[p.id]) for p in rows)
    orgs = {o.id: o for o in station.organisations} | {p.org_id: p.org for p in people.values()}
    shares = tuple(
        OrgShare(
            o.name, o.kind.value, by_org[o.id], by_org[o.id] * 1000 // total if total else 0, o.quota_permille
        )
        for o in sorted(orgs.values(), key=lambda o: o.id)
    )
    return hours, shares


def _activities(session: Session, station: Station, first: date, after: date) -> tuple[ActivityRow, ...]:
    """The activities held in the month."""
    found = session.scalars(
        select(Activity)
        .join(Shift, Shift.id == Activity.shift_id)
        .where(Activity.station_id == station.id, Shift.date >= first, Shift.date < after)
        .order_by(Shift.start_at)
    )
    staffed = Counter(a.shift_id for a in _month_assignments(session, station, first, after))
    return tuple(
        ActivityRow(
            a.title,
            a.kind.value,
            a.shift.date,
            staffed[a.shift_id],
            sum(1 for s in a.signups if s.status == SignupStatus.CONFIRMED),
            a.attendance,
        )
        for a in found
    )


def _hours(minutes: int) -> float:
    """Minutes as hours with two decimals."""
    return round(minutes / 60, 2)


def write_xlsx(ledger: Ledger, out: IO[bytes] | str) -> None:
    """The ledger as a workbook: a summary sheet, then one sheet per table."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has its first sheet
    summary.title = "汇总 Summary"
    _rows(
        summary,
        ("项目 Item", "值 Value"),
        [
            ("服务站 Station", ledger.station),
            ("月份 Month", ledger.label),
            ("上门服务 Visits", ledger.visits),
            ("已到达 Arrived", ledger.response.count),
            ("平均响应(分钟) Mean response (min)", _round(ledger.response.mean)),
            ("响应中位数(分钟) Median response (min)", _round(ledger.response.median)),
            ("最长响应(分钟) Longest response (min)", ledger.response.longest),
            ("值班总时数 Duty hours", _hours(sum(p.minutes for p in ledger.people))),
            ("活动场次 Activities", len(ledger.activities)),
            ("活动参与人次 Attendance", sum(a.attendance or 0 for a in ledger.activities)),
        ],
    )
    _sheet(
        book,
        "服务类型 Services",
        ("服务 Service", "总数 Total", "完成 Done"),
        [(r.key, r.total, r.done) for r in ledger.by_service],
    )
    _sheet(
        book,
        "小区 Compounds",
        ("小区 Compound", "总数 Total", "完成 Done"),
        [(r.key, r.total, r.done) for r in ledger.by_compound],
    )
    _sheet(book, "结果 Outcomes", ("结果 Outcome", "数量 Count"), list(ledger.by_outcome))
    _sheet(
        book,
        "响应 Response",
        ("紧急程度 Urgency", "到达 Arrived", "平均 Mean", "中位 Median", "最长 Longest"),
        [(u, r.count, _round(r.mean), _round(r.median), r.longest) for u, r in ledger.response_by_urgency],
    )
    _sheet(
        book, "人员时数 Hours", ("姓名 Name", "单位 Organisation", "班次 Shifts", "小时 Hours"),
        [(p.name, p.org, p.shifts, _hours(p.minutes)) for p in ledger.people],
    )  # fmt: skip
    _sheet(
        book, "轮值 Rotation", ("单位 Organisation", "类别 Kind", "小时 Hours", "占比‰ Share", "配额‰ Quota"),
        [(o.name, o.kind, _hours(o.minutes), o.share_permille, o.quota_permille) for o in ledger.orgs],
    )  # fmt: skip
    _sheet(
        book,
        "活动 Activities",
        ("活动 Activity", "类别 Kind", "日期 Date", "值班 Staff", "报名 Sign-ups", "参与 Attendance"),
        [(a.title, a.kind, a.day, a.staff, a.signups, a.attendance) for a in ledger.activities],
    )
    book.save(out)


def _round(value: float | None) -> float | None:
    """One decimal, or empty."""
    return None if value is None else round(value, 1)


def _sheet(book: Workbook, title: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Add a sheet with a bold header row."""
    _rows(book.create_sheet(title), header, rows)


def _rows(sheet: object, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Write a bold header and the rows."""
    sheet.append(header)  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)  # type: ignore[attr-defined]
