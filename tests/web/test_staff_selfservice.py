"""Self-service and the coordinator's queue through the web: leave, swaps, activities, changes, ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import LeaveStatus, OrgKind, RotaStatus
from rota.models import Assignment, Leave, Person, Rota, Shift, ShiftTemplate, VisitRequest
from rota.selfservice import Activity, ActivitySignup, LeaveDecision, SignupStatus, SwapRequest, SwapStatus
from rota.services.stations import materialise_shifts
from tests.web.conftest import Demo, login
from tests.web.helpers import read
from web.db import database

W51 = date(2026, 12, 14)


@pytest.fixture
def staff(client: FlaskClient) -> FlaskClient:
    """A client logged in as the demo staff member."""
    login(client, "staff")
    return client


def coordinator_of(app: Flask) -> FlaskClient:
    """A second client, logged in as the coordinator."""
    other = app.test_client()
    login(other, "coordinator")
    return other


def publish_rows(app: Flask, week: date, rows: list[tuple[str, int]]) -> None:
    """Publish a hand-made rota of the demo station's week: (template code on Monday + n days, person)."""
    with database(app).sessions() as session, session.begin():
        station_id = session.get_one(Person, rows[0][1]).station_id
        station = session.get_one(Person, rows[0][1]).station
        materialise_shifts(session, station, week)
        session.flush()
        stamp = datetime(2026, 12, 1, tzinfo=UTC)
        rota = Rota(station_id=station_id, week_start=week, status=RotaStatus.PUBLISHED, version=1,
                    created_at=stamp, published_at=stamp)  # fmt: skip
        for key, person in rows:
            code, offset = key.split("+")
            shift = session.scalars(
                select(Shift).join(ShiftTemplate).where(
                    Shift.station_id == station_id, ShiftTemplate.code == code,
                    Shift.date == week + timedelta(days=int(offset)),
                )
            ).one()  # fmt: skip
            rota.assignments.append(Assignment(shift_id=shift.id, person_id=person))
        session.add(rota)


def cadres(app: Flask, demo: Demo) -> list[int]:
    """Ids of the demo station's cadres (the staff account is the first)."""

    def query(session: Session) -> list[int]:
        people = session.scalars(
            select(Person).where(Person.station_id == demo.station_id).order_by(Person.id)
        )
        return [p.id for p in people if p.org.kind == OrgKind.CADRE]

    return read(app, query)  # type: ignore[return-value]


def test_leave_request_then_approval_with_its_effect(app: Flask, staff: FlaskClient, demo: Demo) -> None:
    publish_rows(app, W51, [("AM+1", demo.staff_person_id)])

    response = staff.post("/me/leave", data={"first": "2026-12-15", "last": "2026-12-16", "reason": "体检"})
    assert response.status_code == 303
    queue = coordinator_of(app).get("/approvals/").text
    assert "体检" in queue
    assert "上午班 将缺 1 人" in queue

    leave_id = read(app, lambda s: s.scalars(select(Leave.id).order_by(Leave.id.desc())).first())
    coordinator_of(app).post(f"/approvals/leave/{leave_id}", data={"decision": "approve", "note": ""})

    leave = read(app, lambda s: (s.get_one(Leave, leave_id).status, s.get_one(LeaveDecision, leave_id).note))
    assert leave == (LeaveStatus.APPROVED, None)
    assert "已批准" in staff.get("/me/requests").text


def test_declining_leave_without_a_reason_is_refused(app: Flask, staff: FlaskClient) -> None:
    staff.post("/me/leave", data={"first": "2026-12-20", "last": "2026-12-20", "reason": ""})
    leave_id = read(app, lambda s: s.scalars(select(Leave.id).order_by(Leave.id.desc())).first())
    coordinator = coordinator_of(app)

    refused = coordinator.post(f"/approvals/leave/{leave_id}", data={"decision": "decline", "note": ""})
    page = coordinator.get("/approvals/").text
    coordinator.post(f"/approvals/leave/{leave_id}", data={"decision": "decline", "note": "人手不足"})

    assert (refused.status_code, "a declined request needs a reason" in page) == (303, True)
    assert "人手不足" in staff.get("/me/requests").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first": "2026-12-20", "last": "2026-12-19"}, "the last day is before the first"),
        ({"first": "2026-12-01", "last": "2026-12-02"}, "leave cannot start in the past"),
        ({"first": "", "last": "2026-12-02"}, "该字段是必填字段"),
    ],
)
def test_bad_leave_request_says_why(staff: FlaskClient, data: dict[str, str], message: str) -> None:
    response = staff.post("/me/leave", data=data, follow_redirects=True)

    assert message in response.text


def test_availability_and_preferences_are_saved_and_removed(
    app: Flask, staff: FlaskClient, demo: Demo
) -> None:
    staff.post("/me/availability", data={"weekday": "2", "start": "08:00", "end": "12:00"})
    staff.post("/me/preferences", data={"wants_work": "0", "weekday": "6", "template_id": "0", "weight": "5"})

    def mine(session: Session) -> tuple[list[tuple[int, str]], list[tuple[int | None, bool, int]]]:
        person = session.get_one(Person, demo.staff_person_id)
        return (
            [(w.weekday, f"{w.start_time:%H:%M}") for w in person.availability],
            [(p.weekday, p.wants_work, p.weight) for p in person.preferences],
        )

    windows, prefs = mine_before = read(app, mine)  # type: ignore[misc]
    assert (windows, prefs) == ([(2, "08:00")], [(6, False, 5)])
    window_id = read(app, lambda s: s.get_one(Person, demo.staff_person_id).availability[0].id)
    staff.post(f"/me/availability/{window_id}/delete")
    assert read(app, mine) != mine_before


def test_handover_refused_for_too_little_rest_shows_the_reason(
    app: Flask, staff: FlaskClient, demo: Demo
) -> None:
    colleague = cadres(app, demo)[2]
    publish_rows(app, W51, [("HLN+0", demo.staff_person_id), ("AM+1", colleague)])
    night = read(app, lambda s: s.scalars(select(Assignment.shift_id).join(Rota).where(
        Rota.week_start == W51, Assignment.person_id == demo.staff_person_id)).one())  # fmt: skip

    response = staff.post(
        "/me/swaps",
        data={"shift_id": night, "colleague_id": colleague, "other_shift_id": "0"},
        follow_redirects=True,
    )

    assert "不允许" in response.text
    assert "最短休息时间" in response.text
    assert read(app, lambda s: s.scalars(select(SwapRequest)).all()) == []


def test_swap_accepted_and_approved_publishes_a_new_version(
    app: Flask, staff: FlaskClient, demo: Demo
) -> None:
    colleague = cadres(app, demo)[2]
    publish_rows(app, W51, [("AM+2", demo.staff_person_id), ("AM+4", colleague)])
    mine, theirs = (
        read(app, lambda s, p=p: s.scalars(  # type: ignore[misc]
            select(Assignment.shift_id).join(Rota).where(Rota.week_start == W51, Assignment.person_id == p)
        ).one())
        for p in (demo.staff_person_id, colleague)
    )  # fmt: skip

    staff.post("/me/swaps", data={"shift_id": mine, "colleague_id": colleague, "other_shift_id": theirs})
    swap_id = read(app, lambda s: s.scalars(select(SwapRequest.id)).one())
    other = app.test_client()
    with database(app).sessions() as session, session.begin():
        from rota.accounts import create_user

        create_user(session, username="colleague", password="demo-password-1", role="staff",
                    person=session.get_one(Person, colleague))  # fmt: skip
    login(other, "colleague")
    assert "接受" in other.get("/me/swaps").text
    other.post(f"/me/swaps/{swap_id}/accept")
    coordinator_of(app).post(f"/approvals/swaps/{swap_id}", data={"decision": "approve"})

    def published(session: Session) -> tuple[int, set[tuple[int, int]], SwapStatus]:
        rota = session.scalars(
            select(Rota).where(Rota.week_start == W51, Rota.status == RotaStatus.PUBLISHED)
        ).one()
        pairs = {(a.shift_id, a.person_id) for a in rota.assignments}
        return rota.version, pairs, session.get_one(SwapRequest, swap_id).status

    assert read(app, published) == (
        2,
        {(mine, colleague), (theirs, demo.staff_person_id)},
        SwapStatus.APPROVED,
    )
    changes = staff.get("/me/changes").text
    assert "换班" in changes


def test_activity_planned_signed_up_and_confirmed(app: Flask, staff: FlaskClient, demo: Demo) -> None:
    coordinator = coordinator_of(app)
    response = coordinator.post("/approvals/activities", data={
        "title": "中秋游园会", "kind": "gathering", "day": "2026-12-19", "start": "09:00", "end": "11:00",
        "places": "2", "skill": "", "signup_until": "2026-12-17",
    })  # fmt: skip
    assert response.status_code == 303
    activity_id = read(app, lambda s: s.scalars(select(Activity.id)).one())
    assert "中秋游园会" in staff.get("/me/activities").text

    staff.post(f"/me/activities/{activity_id}/signup")
    queue = coordinator.get("/approvals/").text
    signup_id = read(app, lambda s: s.scalars(select(ActivitySignup.id)).one())
    coordinator.post(f"/approvals/signups/{signup_id}", data={"decision": "approve"})

    assert "填补" in queue
    assert read(app, lambda s: s.get_one(ActivitySignup, signup_id).status) == SignupStatus.CONFIRMED


def test_changes_page_lists_new_shifts_then_nothing_once_seen(
    app: Flask, staff: FlaskClient, demo: Demo
) -> None:
    publish_rows(app, W51, [("AM+1", demo.staff_person_id)])

    first = staff.get("/me/changes").text
    staff.post("/me/changes/seen")
    second = staff.get("/me/changes").text

    assert ('class="added"' in first, 'id="no-changes"' in second) == (True, True)


def december_visits(session: Session) -> int:
    """Visit requests whose window starts in December, Shanghai time."""
    zone = ZoneInfo("Asia/Shanghai")
    first, after = datetime(2026, 12, 1, tzinfo=zone), datetime(2027, 1, 1, tzinfo=zone)
    starts = session.scalars(select(VisitRequest.window_start))
    return sum(1 for start in starts if first <= start < after)


def test_ledger_page_and_xlsx(app: Flask, demo: Demo) -> None:
    publish_rows(app, W51, [("AM+1", demo.staff_person_id)])
    coordinator = coordinator_of(app)

    page = coordinator.get(f"/ledger/{demo.station}/2026-12").text
    workbook = coordinator.get(f"/ledger/{demo.station}/2026-12.xlsx")

    assert 'id="by-service"' in page
    assert 'id="org-shares"' in page
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    summary = load_workbook(BytesIO(workbook.data))["汇总 Summary"]
    assert summary["B4"].value == read(app, december_visits)


def test_ledger_start_goes_to_this_month(app: Flask, demo: Demo) -> None:
    assert coordinator_of(app).get("/ledger/").location == f"/ledger/{demo.station}/2026-12"
