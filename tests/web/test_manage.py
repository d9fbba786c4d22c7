"""The coordinator's management pages: forms that show each bad field and store nothing, the CSV
import with its preview, exports read back, and CSRF on every form."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.models import Compound, Leave, Organisation, Person, ShiftTemplate, TravelTime, WeeklyAvailability
from tests.web.conftest import WEEK, Demo, make_app
from tests.web.helpers import read
from web.db import dispose
from web.jobs import registry


def _count(app: Flask, model: type[object]) -> int:
    """Rows of a model in the app's database."""
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))  # type: ignore[return-value]


def _field_errors(page: str) -> list[str]:
    """The messages shown next to fields."""
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', page)


def _first_org(app: Flask) -> Organisation:
    """The demo station's first organisation."""
    return read(app, lambda s: s.scalars(select(Organisation).order_by(Organisation.id)).first())  # type: ignore[return-value]


def test_station_page_lists_everything_and_warns_of_certificates(
    coordinator: FlaskClient, demo: Demo
) -> None:
    page = coordinator.get(f"/manage/{demo.station}").text

    assert 'id="certificates"' in page
    assert "已过期" in page or "天后到期" in page
    assert page.count('class="cert-flag"') >= 1
    assert page.count("/manage/S01/people/") >= 25
    assert 'id="travel"' in page


def test_start_goes_to_the_first_station(coordinator: FlaskClient, demo: Demo) -> None:
    assert coordinator.get("/manage/").location == f"/manage/{demo.station}"


def test_the_switcher_goes_to_the_chosen_station(coordinator: FlaskClient) -> None:
    assert coordinator.get("/manage/?station=S09").location == "/manage/S09"


def test_a_new_person_is_saved(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    org = _first_org(app)
    before = _count(app, Person)

    response = coordinator.post(
        f"/manage/{demo.station}/people/new",
        data={"name": "测试员", "org": str(org.id), "skills": "intake, first_aid:2027-03-31", "fte": "0.5"},
    )

    assert response.status_code == 303
    assert _count(app, Person) == before + 1
    page = coordinator.get(response.location).text
    assert 'value="intake, first_aid:2027-03-31"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "required"),
        ("org", "0", "no organisation &#39;0&#39; at this station"),
        ("skills", "first_aid:tomorrow", "&#39;tomorrow&#39; (first_aid) is not a date like 2027-03-31"),
        ("fte", "3", "3 is not between 0 and 1"),
        ("max_shifts_per_week", "many", "&#39;many&#39; is not a whole number"),
    ],
)
def test_a_bad_person_field_is_shown_and_nothing_stored(
    app: Flask, coordinator: FlaskClient, demo: Demo, field: str, value: str, message: str
) -> None:
    org = _first_org(app)
    before = _count(app, Person)
    data = {"name": "测试员", "org": str(org.id), "fte": "1"} | {field: value}

    response = coordinator.post(f"/manage/{demo.station}/people/new", data=data)

    assert response.status_code == 422
    assert _field_errors(response.text) == [message]
    assert f'id="f-{field}"' in response.text
    assert _count(app, Person) == before


def test_editing_a_person_keeps_the_typed_values_when_refused(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    url = f"/manage/{demo.station}/people/{demo.staff_person_id}"
    name = read(app, lambda s: s.get_one(Person, demo.staff_person_id).name)

    response = coordinator.post(url, data={"name": "新名字", "org": "", "phone": "12"})

    assert response.status_code == 422
    assert 'value="新名字"' in response.text
    assert read(app, lambda s: s.get_one(Person, demo.staff_person_id).name) == name


def test_availability_and_leave_are_added_and_deleted(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    base = f"/manage/{demo.station}/people/{demo.staff_person_id}"
    windows, leaves = _count(app, WeeklyAvailability), _count(app, Leave)

    coordinator.post(f"{base}/availability", data={"weekday": "6", "start": "09:00", "end": "11:00"})
    coordinator.post(f"{base}/leave", data={"start": "2026-12-20", "end": "2026-12-22", "status": "approved"})
    added = (_count(app, WeeklyAvailability), _count(app, Leave))
    newest = read(
        app, lambda s: s.scalar(select(func.max(Leave.id)).where(Leave.person_id == demo.staff_person_id))
    )
    coordinator.post(f"{base}/leave/{newest}/delete")

    assert added == (windows + 1, leaves + 1)
    assert _count(app, Leave) == leaves
    assert "2026-12-22" not in coordinator.get(base).text


def test_bad_leave_is_refused_with_its_reason(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    base = f"/manage/{demo.station}/people/{demo.staff_person_id}"
    before = _count(app, Leave)

    response = coordinator.post(
        f"{base}/leave", data={"start": "2026-12-22", "end": "2026-12-20", "status": "approved"},
        headers={"Referer": f"http://localhost{base}"},
    )  # fmt: skip
    page = coordinator.get(response.location).text

    assert (response.status_code, response.location) == (303, base)
    assert "2026-12-20 is before the first day 2026-12-22" in page
    assert _count(app, Leave) == before


@pytest.mark.parametrize(
    ("path", "data", "model", "message"),
    [
        ("orgs/new", {"name": "新机构", "kind": "volunteer", "quota": "50"}, Organisation,
         "the quotas of the station&#39;s organisations would add up to more than 100%"),
        ("templates/new", {"code": "AM", "name_zh": "班", "name_en": "S", "weekdays": "0", "start": "08:00",
                           "end": "09:00", "needs": "1"}, ShiftTemplate,
         "&#39;AM&#39; already exists at this station"),
        ("compounds/new", {"name": "", "buildings": "1栋"}, Compound, "required"),
    ],
)  # fmt: skip
def test_refused_forms_store_nothing(
    app: Flask,
    coordinator: FlaskClient,
    demo: Demo,
    path: str,
    data: dict[str, str],
    model: type,
    message: str,
) -> None:
    before = _count(app, model)

    response = coordinator.post(f"/manage/{demo.station}/{path}", data=data)

    assert response.status_code == 422
    assert _field_errors(response.text) == [message]
    assert _count(app, model) == before


def test_a_template_is_saved_with_its_needs(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    data = {"code": "NOON", "name_zh": "午间班", "name_en": "Noon", "weekdays": ["5", "6"], "start": "11:00",
            "end": "14:00", "needs": "2\n1 skill=cooking under_weight=300"}  # fmt: skip

    response = coordinator.post(f"/manage/{demo.station}/templates/new", data=data)
    saved = read(app, lambda s: s.scalars(select(ShiftTemplate).where(ShiftTemplate.code == "NOON")).one())

    assert (response.status_code, response.location) == (303, f"/manage/{demo.station}#templates")
    assert (saved.weekdays, saved.needs) == ([5, 6], [{"count": 2}, {"count": 1, "skill": "cooking",
                                                                       "under_weight": 300}])  # fmt: skip


def test_compound_and_travel_time(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    coordinator.post(
        f"/manage/{demo.station}/compounds/new", data={"name": "新小区", "buildings": "A座, B座"}
    )
    new = read(app, lambda s: s.scalars(select(Compound).where(Compound.name == "新小区")).one().id)
    other = read(app, lambda s: s.scalars(select(Compound).order_by(Compound.id)).first().id)

    coordinator.post(
        f"/manage/{demo.station}/travel", data={"from": str(new), "to": str(other), "minutes": "9"}
    )

    def minutes(session: Session) -> list[int]:
        rows = select(TravelTime.minutes).where(TravelTime.from_compound_id.in_([new, other]),
                                                TravelTime.to_compound_id.in_([new, other]))  # fmt: skip
        return sorted(session.scalars(rows))

    assert read(app, minutes)[-2:] == [9, 9]


CSV_GOOD = "name,org,phone,languages,skills,fte\n导入甲,{org},13800138000,yue,first_aid:2027-03-31,0.5\n"


def _upload(client: FlaskClient, station: str, text: str | bytes) -> str:
    """Upload a CSV file for checking; the page's text."""
    data = text.encode() if isinstance(text, str) else text
    response = client.post(
        f"/manage/{station}/import", data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    return f"{response.status_code}\n{response.text}"


def test_import_preview_then_confirm(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    text = CSV_GOOD.format(org=_first_org(app).name)
    before = _count(app, Person)

    preview = _upload(coordinator, demo.station, "\ufeff" + text)
    after_preview = _count(app, Person)
    confirmed = coordinator.post(f"/manage/{demo.station}/import/confirm", data={"csv": text})

    assert preview.startswith("200\n")
    assert 'id="import-preview"' in preview
    assert "导入甲" in preview
    assert after_preview == before
    assert confirmed.status_code == 303
    assert _count(app, Person) == before + 1


def test_import_of_a_bad_file_lists_each_problem_and_stores_nothing(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    before = _count(app, Person)

    page = _upload(coordinator, demo.station, "name,org,fte\n甲,无此机构,0.5\n乙,,2\n")
    problems = re.findall(r"<li><strong>([^<]*)</strong>: ([^<]*)</li>", page)

    assert page.startswith("422\n")
    assert problems == [
        ("row 2, column org", "no organisation &#39;无此机构&#39; at this station"),
        ("row 3, column org", "required"),
        ("row 3, column fte", "2 is not between 0 and 1"),
    ]
    assert 'id="confirm-import"' not in page
    assert _count(app, Person) == before


def test_a_tampered_confirm_is_checked_again(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    before = _count(app, Person)

    response = coordinator.post(
        f"/manage/{demo.station}/import/confirm", data={"csv": "name,org\n甲,无此机构\n"}
    )

    assert response.status_code == 422
    assert "row 2, column org" in response.text
    assert _count(app, Person) == before


def test_week_export_as_csv_reads_back(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.get(f"/rota/{demo.station}/{WEEK}/export.csv")
    rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))

    assert response.headers["Content-Disposition"] == f'attachment; filename="rota-{demo.station}-{WEEK}.csv"'
    assert rows[0][:4] == ["日期", "星期", "代码", "班次"]
    assert {r[0] for r in rows[1:]} == {f"2026-12-{d:02d}" for d in range(7, 14)}
    assert len(rows) > 30


def test_month_export_as_xlsx_reads_back(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.get(f"/rota/{demo.station}/month/2026-12/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    dates = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}

    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert dates == {f"2026-12-{d:02d}" for d in range(7, 14)}


def test_a_bad_month_is_refused(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.get(f"/rota/{demo.station}/month/2026-13/export.csv")

    assert (response.status_code, "is not a month like 2026-12" in response.text) == (422, True)


def test_another_stations_person_is_not_found(coordinator: FlaskClient, demo: Demo) -> None:
    assert coordinator.get(f"/manage/{demo.station}/people/999999").status_code == 404


@pytest.mark.parametrize(
    ("path", "model"),
    [("people/new", Person), ("orgs/new", Organisation), ("compounds/new", Compound),
     ("people/{person}/leave", Leave), ("import/confirm", Person)],
)  # fmt: skip
def test_forms_without_a_csrf_token_are_refused(
    seeded: tuple[str, Demo], tmp_path: Path, path: str, model: type
) -> None:
    app = make_app(seeded[0], tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    demo = seeded[1]
    page = client.get("/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    client.post(
        "/login", data={"username": "coordinator", "password": "demo-password-1", "csrf_token": token[1]}
    )
    before = _count(app, model)
    data = {"name": "无令牌", "kind": "volunteer", "quota": "0", "start": "2026-12-20", "end": "2026-12-20",
            "status": "approved", "csv": "name,org\n无令牌,x\n"}  # fmt: skip

    response = client.post(f"/manage/{demo.station}/" + path.format(person=demo.staff_person_id), data=data)

    assert response.status_code == 400
    assert _count(app, model) == before
    registry(app).shutdown()
    dispose(app)


def test_a_person_who_left_is_deactivated_from_their_page(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    base = f"/manage/{demo.station}/people/{demo.staff_person_id}"

    left = coordinator.post(f"{base}/active", data={"active": "0"})
    page = coordinator.get(base).text
    listing = coordinator.get(f"/manage/{demo.station}").text
    stored = read(app, lambda s: s.get(Person, demo.staff_person_id).active)
    coordinator.post(f"{base}/active", data={"active": "1"})

    assert (left.status_code, left.location, stored) == (303, base, False)
    assert 'id="inactive-badge"' in page
    assert "已停用" in page
    assert listing.count("badge inactive") == 1
    assert read(app, lambda s: s.get(Person, demo.staff_person_id).active) is True
