"""The management JSON API (issue 5): organisations, people, shift templates, compounds, CSV import."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rota.models import Compound, Leave, Organisation, Person, ShiftTemplate, TravelTime, WeeklyAvailability
from tests.web.conftest import Demo
from tests.web.helpers import read
from tests.web.test_api import basic

C = basic("coordinator")


def _count(app: Flask, model: type[object]) -> int:
    """Rows of a model."""
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))  # type: ignore[return-value]


def _first_org(app: Flask) -> int:
    """The demo station's first organisation's id."""
    return read(app, lambda s: s.scalars(select(Organisation.id).order_by(Organisation.id)).first())  # type: ignore[return-value]


def test_organisations_listed_created_and_updated(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/organisations"
    listed = client.get(url, headers=C).json
    created = client.post(url, json={"name": "爱心车队", "kind": listed[0]["kind"], "quota": 0}, headers=C)
    renamed = {"name": "爱心车队二", "kind": listed[0]["kind"]}
    updated = client.put(f"{url}/{created.json['id']}", json=renamed, headers=C)

    assert set(listed[0]) == {"id", "name", "kind", "quota_percent"}
    assert (created.status_code, updated.status_code, updated.json["name"]) == (201, 200, "爱心车队二")


def test_a_bad_organisation_names_its_fields_and_stores_nothing(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    before = _count(app, Organisation)

    response = client.post(f"/api/v1/stations/{demo.station}/organisations",
                           json={"name": "", "kind": "club", "quota": 101}, headers=C)  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} == {"name", "kind", "quota"}
    assert _count(app, Organisation) == before


def test_a_person_with_certificates_is_created_and_updated(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    url = f"/api/v1/stations/{demo.station}/people"
    body = {"name": "测试员", "org": _first_org(app), "fte": 0.5, "languages": ["yue"],
            "skills": ["intake", {"skill": "first_aid", "valid_until": "2026-12-20"}]}  # fmt: skip

    created = client.post(url, json=body, headers=C)
    person_url = f"{url}/{created.json['id']}"
    updated = client.put(person_url, json=body | {"skills": "first_aid:2027-06-30"}, headers=C)
    fetched = client.get(person_url, headers=C).json

    assert created.status_code == 201
    assert created.json["skills"] == [
        {"skill": "intake", "valid_until": None, "days_left": None, "expiry_warning": False},
        {"skill": "first_aid", "valid_until": "2026-12-20", "days_left": 12, "expiry_warning": True},
    ]
    assert (created.json["fte"], created.json["languages"]) == (0.5, ["yue"])
    assert updated.status_code == 200
    assert [s["valid_until"] for s in fetched["skills"]] == ["2027-06-30"]
    assert "测试员" in [p["name"] for p in client.get(url, headers=C).json]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "required"),
        ("org", 0, "no organisation '0' at this station"),
        ("skills", ["first_aid:tomorrow"], "'tomorrow' (first_aid) is not a date like 2027-03-31"),
        ("fte", 3, "3 is not between 0 and 1"),
        ("max_shifts_per_week", {"many": 1}, "an integer"),
    ],
)
def test_a_bad_person_field_is_named_and_nothing_stored(
    app: Flask, client: FlaskClient, demo: Demo, field: str, value: object, message: str
) -> None:
    before = _count(app, Person)
    body = {"name": "测试员", "org": _first_org(app), "fte": 1} | {field: value}

    response = client.post(f"/api/v1/stations/{demo.station}/people", json=body, headers=C)

    assert (response.status_code, response.json["details"]) == (422, [{"where": field, "message": message}])
    assert _count(app, Person) == before


def test_a_template_with_needs_and_a_bad_need_line(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/templates"
    body = {"code": "LATE", "name_zh": "晚班", "name_en": "Evening", "weekdays": [0, 2, 4], "start": "18:00",
            "end": "21:00", "needs": ["2", "1 skill=first_aid"]}  # fmt: skip

    created = client.post(url, json=body, headers=C)
    before = _count(app, ShiftTemplate)
    refused = client.put(f"{url}/{created.json['id']}", json=body | {"needs": ["2", "lots"]}, headers=C)

    assert created.status_code == 201
    assert created.json["needs"] == [{"count": 2}, {"count": 1, "skill": "first_aid"}]
    assert (refused.status_code, refused.json["details"][0]["where"]) == (422, "needs line 2")
    assert _count(app, ShiftTemplate) == before
    assert [t["needs"] for t in client.get(url, headers=C).json if t["code"] == "LATE"] == [
        created.json["needs"]
    ]


def test_compounds_created_updated_and_refused(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/compounds"
    created = client.post(url, json={"name": "幸福里", "buildings": ["1栋", "2栋"]}, headers=C)
    updated = client.put(
        f"{url}/{created.json['id']}", json={"name": "幸福里", "buildings": "1栋, 3栋"}, headers=C
    )
    before = _count(app, Compound)
    refused = client.post(url, json={"name": "幸福里"}, headers=C)

    assert (created.status_code, [b["name"] for b in created.json["buildings"]]) == (201, ["1栋", "2栋"])
    assert [b["name"] for b in updated.json["buildings"]] == ["1栋", "3栋"]
    assert (refused.status_code, refused.json["details"][0]["where"]) == (422, "name")
    assert _count(app, Compound) == before


def test_csv_import_all_or_nothing_with_row_numbers(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/people/import"
    org = read(app, lambda s: s.scalars(select(Organisation.name).order_by(Organisation.id)).first())
    before = _count(app, Person)

    bad = "name,org,fte\n甲,无此机构,0.5\n乙,,2\n".encode()
    refused = client.post(url, data=bad, content_type="text/csv", headers=C)
    after_refusal = _count(app, Person)
    imported = client.post(
        url, json={"csv": f"name,org,skills\n导入甲,{org},first_aid:2027-03-31\n"}, headers=C
    )

    assert refused.status_code == 422
    assert refused.json["details"] == [
        {"where": "row 2, column org", "message": "no organisation '无此机构' at this station"},
        {"where": "row 3, column org", "message": "required"},
        {"where": "row 3, column fte", "message": "2 is not between 0 and 1"},
    ]
    assert after_refusal == before
    assert (imported.status_code, [p["name"] for p in imported.json]) == (201, ["导入甲"])
    assert _count(app, Person) == before + 1


def test_only_coordinators_manage(client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/people"

    as_staff = client.post(url, json={"name": "x"}, headers=basic("staff"))
    as_resident = client.get(url, headers=basic("resident"))
    anonymous = client.get(url)

    assert [r.status_code for r in (as_staff, as_resident, anonymous)] == [403, 403, 401]
    assert sorted(as_staff.json) == ["details", "error", "message"]


def test_another_stations_person_and_an_unknown_station_are_not_found(
    client: FlaskClient, demo: Demo
) -> None:
    missing = client.get(f"/api/v1/stations/{demo.station}/people/999999", headers=C)
    nowhere = client.get("/api/v1/stations/NOPE/people", headers=C)

    assert (missing.status_code, nowhere.status_code) == (404, 404)


def _first_person(app: Flask) -> int:
    """The demo station's first person's id."""
    return read(app, lambda s: s.scalars(select(Person.id).order_by(Person.id)).first())  # type: ignore[return-value]


def test_a_persons_availability_added_and_deleted(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/people/{_first_person(app)}/availability"
    before = _count(app, WeeklyAvailability)

    added = client.post(url, json={"weekday": 2, "start": "08:00", "end": "12:00"}, headers=C)
    deleted = client.delete(f"{url}/{added.json['id']}", headers=C)

    assert (added.status_code, added.json["weekday"], added.json["start"]) == (201, 2, "08:00")
    assert deleted.status_code == 200
    assert _count(app, WeeklyAvailability) == before


def test_bad_availability_names_its_fields_and_stores_nothing(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    before = _count(app, WeeklyAvailability)

    response = client.post(f"/api/v1/stations/{demo.station}/people/{_first_person(app)}/availability",
                           json={"weekday": 9, "start": "25:00", "end": "12:00"}, headers=C)  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} >= {"weekday", "start"}
    assert _count(app, WeeklyAvailability) == before


def test_a_persons_leave_added_and_deleted(app: Flask, client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/people/{_first_person(app)}/leave"
    before = _count(app, Leave)
    body = {"start": "2026-12-21", "end": "2026-12-22", "status": "approved", "reason": "体检"}

    added = client.post(url, json=body, headers=C)
    deleted = client.delete(f"{url}/{added.json['id']}", headers=C)

    assert added.status_code == 201, added.json
    assert (added.json["start"], added.json["end"], added.json["status"]) == (
        "2026-12-21",
        "2026-12-22",
        "approved",
    )
    assert deleted.status_code == 200
    assert _count(app, Leave) == before


def test_bad_leave_names_its_fields_and_stores_nothing(app: Flask, client: FlaskClient, demo: Demo) -> None:
    before = _count(app, Leave)

    response = client.post(f"/api/v1/stations/{demo.station}/people/{_first_person(app)}/leave",
                           json={"start": "2026-12-22", "end": "2026-12-21", "status": "nope"},
                           headers=C)  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} == {"end", "status"}
    assert _count(app, Leave) == before


def test_travel_time_set_both_ways(app: Flask, client: FlaskClient, demo: Demo) -> None:
    ids = read(app, lambda s: s.scalars(select(Compound.id).order_by(Compound.id)).all())
    if len(ids) < 2:
        ids = [*ids, client.post(f"/api/v1/stations/{demo.station}/compounds", json={"name": "新苑"},
                                 headers=C).json["id"]]  # fmt: skip

    response = client.put(f"/api/v1/stations/{demo.station}/travel",
                          json={"from": ids[0], "to": ids[1], "minutes": 17}, headers=C)  # fmt: skip

    assert response.status_code == 200
    assert sorted((t["from"], t["to"], t["minutes"]) for t in response.json) == sorted(
        [(ids[0], ids[1], 17), (ids[1], ids[0], 17)]
    )


def test_a_bad_travel_time_names_its_fields_and_stores_nothing(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    before = _count(app, TravelTime)

    response = client.put(f"/api/v1/stations/{demo.station}/travel",
                          json={"from": 999999, "to": 999998, "minutes": -1}, headers=C)  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} == {"from", "to", "minutes"}
    assert _count(app, TravelTime) == before


def test_a_person_who_left_is_deactivated_and_brought_back(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    url = f"/api/v1/stations/{demo.station}/people/{demo.staff_person_id}/active"

    bad = client.put(url, json={"active": "no"}, headers=C)
    left = client.put(url, json={"active": False}, headers=C)
    stored = read(app, lambda s: s.get(Person, demo.staff_person_id).active)
    back = client.put(url, json={"active": True}, headers=C)

    assert (bad.status_code, bad.json["details"]) == (422, [{"where": "active", "message": "true or false"}])
    assert (left.status_code, left.json["person"]["active"], stored) == (200, False, False)
    assert left.json["published_shifts_ahead"] >= 0
    assert (back.status_code, back.json["person"]["active"], back.json["published_shifts_ahead"]) == (
        200,
        True,
        0,
    )
