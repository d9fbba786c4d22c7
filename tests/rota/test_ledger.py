"""The monthly service ledger against a hand-computed fixture, its XLSX and the ``rota ledger`` command."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rota.domain import RotaStatus, ServiceType, Urgency, VisitStatus
from rota.errors import InvalidInput
from rota.ledger_cli import ledger as ledger_command
from rota.models import Compound, VisitRequest
from rota.services import selfservice_activities as acts
from rota.services.ledger import (
    ActivityRow,
    CountRow,
    OrgShare,
    PersonHours,
    Response,
    build_ledger,
    parse_month,
    write_xlsx,
)
from rota.visits import VisitState
from tests.conftest import TinyStation, make_tiny_station

ZONE = ZoneInfo("Asia/Shanghai")
DEC = date(2026, 12, 1)


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A Shanghai wall-clock time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def _visit(
    compound: Compound,
    service: ServiceType,
    status: VisitStatus,
    called: datetime,
    window: datetime,
    urgency: Urgency = Urgency.NORMAL,
) -> VisitRequest:
    """A visit request of the fixture."""
    return VisitRequest(
        station=compound.station, resident_name="陈秀英", compound=compound, service_type=service,
        status=status, urgency=urgency, requested_at=called, window_start=window,
        window_end=window + timedelta(hours=2),
    )  # fmt: skip


def seed_month(session: Session) -> TinyStation:
    """The tiny station's December so far: published duty, a draft, visits and an activity.

    Hand-computed: 张一 Tue AM (240) + Wed night (720) = 960 min; 王三 Thu AM (240) + the Friday
    activity 14:00-17:00 (180) = 420; 李二 only works on 30 November.  Visits in December: a repair
    in 甲 (done, called 1 Dec 09:00, arrived 2 Dec 10:30 = 1530 min), a consultation in 乙 (done,
    urgent, 60 min) and a cancelled repair in 乙; November's visit is left out.
    """
    tiny = make_tiny_station(session)
    station = tiny.station
    activity = acts.create_activity(
        session, station, title="中秋游园会", kind="gathering", day=date(2026, 12, 4), start=time(14),
        end=time(17), places=2, signup_opens_at=_at(1, 0), signup_closes_at=_at(3, 0),
    )  # fmt: skip
    acts.sign_up(session, activity.id, tiny.on_leave, now=_at(2, 9))
    signup = next(s for s in activity.signups)
    acts.decide_signup(session, signup.id, approve=True, now=_at(2, 9))
    acts.set_attendance(session, activity.id, 35)
    week, shift = tiny.week, tiny.shift
    tiny.rota(session, week, RotaStatus.PUBLISHED, [
        (shift(session, week, "AM"), tiny.full_timer, False),
        (shift(session, week, "AM"), tiny.part_timer, False),
        (shift(session, week + timedelta(days=1), "AM"), tiny.full_timer, False),
        (shift(session, week + timedelta(days=2), "NT"), tiny.full_timer, False),
        (shift(session, week + timedelta(days=3), "AM"), tiny.on_leave, False),
        (activity.shift, tiny.on_leave, True),
    ])  # fmt: skip
    tiny.rota(
        session,
        week,
        RotaStatus.DRAFT,
        [(shift(session, week + timedelta(days=5), "AM"), tiny.part_timer, False)],
        version=2,
    )
    jia, yi = Compound(name="甲小区"), Compound(name="乙小区")
    station.compounds.extend([jia, yi])
    visits = [
        _visit(jia, ServiceType.APPLIANCE_REPAIR, VisitStatus.DONE, _at(1, 9), _at(2, 10)),
        _visit(yi, ServiceType.HEALTH_CONSULT, VisitStatus.DONE, _at(5, 8), _at(5, 9), Urgency.URGENT),
        _visit(yi, ServiceType.APPLIANCE_REPAIR, VisitStatus.CANCELLED, _at(8, 8), _at(10, 9)),
        _visit(jia, ServiceType.HOUSEKEEPING, VisitStatus.DONE, _at(28, 8, month=11), _at(30, 9, month=11)),
    ]
    session.add_all(visits)
    session.flush()
    session.add_all([
        VisitState(visit_id=visits[0].id, reference="V1", started_at=_at(2, 10, 30)),
        VisitState(visit_id=visits[1].id, reference="V2", started_at=_at(5, 9)),
        VisitState(visit_id=visits[3].id, reference="V4", started_at=_at(30, 9, month=11)),
    ])  # fmt: skip
    session.flush()
    return tiny


def test_ledger_matches_the_hand_computed_month(session: Session) -> None:
    tiny = seed_month(session)

    found = build_ledger(session, tiny.station, DEC)

    assert found.visits == 3
    assert found.by_service == (CountRow("appliance_repair", 2, 1), CountRow("health_consult", 1, 1))
    assert found.by_compound == (CountRow("乙小区", 2, 1), CountRow("甲小区", 1, 1))
    assert found.by_outcome == (("cancelled", 1), ("done", 2))
    assert found.response == Response(2, 795.0, 795.0, 1530)
    assert found.response_by_urgency == (
        ("normal", Response(1, 1530.0, 1530, 1530)),
        ("urgent", Response(1, 60.0, 60, 60)),
    )
    assert found.people == (
        PersonHours("T1张一", "T1居委会", 2, 960),
        PersonHours("T1王三", "T1居委会", 2, 420),
    )
    assert found.orgs == (
        OrgShare("T1居委会", "cadre", 1380, 1000, 600),
        OrgShare("T1中医馆", "clinic", 0, 0, 400),
    )
    assert found.activities == (ActivityRow("中秋游园会", "gathering", date(2026, 12, 4), 1, 1, 35),)


def test_ledger_xlsx_holds_the_same_numbers(session: Session, tmp_path: Path) -> None:
    tiny = seed_month(session)
    path = tmp_path / "ledger.xlsx"

    write_xlsx(build_ledger(session, tiny.station, DEC), str(path))
    book = load_workbook(path)

    assert book.sheetnames[0] == "汇总 Summary"
    summary = {row[0]: row[1] for row in book["汇总 Summary"].iter_rows(min_row=2, values_only=True)}
    assert (
        summary["上门服务 Visits"],
        summary["值班总时数 Duty hours"],
        summary["活动参与人次 Attendance"],
    ) == (3, 23, 35)
    hours = list(book["人员时数 Hours"].iter_rows(min_row=2, values_only=True))
    assert hours == [("T1张一", "T1居委会", 2, 16), ("T1王三", "T1居委会", 2, 7)]


@pytest.mark.parametrize("text", ["2026-13", "December", "2026-12-01", ""])
def test_bad_month_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_month(text)

    assert [e.where for e in caught.value.errors] == ["month"]


def test_ledger_command_writes_the_workbook(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session, session.begin():
        seed_month(session)
    monkeypatch.setenv("ROTA_DATABASE_URL", database_url)
    out = tmp_path / "ledger.xlsx"

    result = CliRunner().invoke(ledger_command, ["--month", "2026-12", "--station", "T1", "-o", str(out)])

    assert (result.exit_code, result.output) == (0, f"T1测试站 2026-12: 3 visits, 2 people -> {out}\n")
    assert load_workbook(out)["轮值 Rotation"]["D2"].value == 1000


def test_ledger_command_refuses_a_bad_month_writing_nothing(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTA_DATABASE_URL", database_url)
    out = tmp_path / "ledger.xlsx"

    result = CliRunner().invoke(ledger_command, ["--month", "12/2026", "-o", str(out)])

    assert (result.exit_code, out.exists()) == (2, False)
    assert "month" in result.output
