"""Home-visit pages and API: intake, slots, booking, cancel, lifecycle, and who may do and see what."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rota.accounts import Role, create_user
from rota.domain import ServiceType, Urgency, VisitStatus
from rota.models import Station, VisitRequest
from rota.visits import VisitState
from tests.web.conftest import PASSWORD, Demo, login, make_app
from tests.web.test_api import basic
from web.db import database, dispose


def compound_ids(app: Flask, demo: Demo) -> tuple[int, int]:
    """(a compound of the demo station, one of its buildings)."""
    with database(app).sessions() as session:
        station = session.get(Station, demo.station_id)
        assert station is not None
        compound = station.compounds[0]
        return compound.id, compound.buildings[0].id


def request_json(app: Flask, demo: Demo, **changes: Any) -> dict[str, Any]:
    """A valid intake body."""
    compound, building = compound_ids(app, demo)
    body: dict[str, Any] = {
        "name": "陈婆婆",
        "phone": "13800138000",
        "compound": compound,
        "building": building,
        "language": "yue",
        "service_type": "health_consult",
        "windows": [{"start": "2026-12-10T09:00", "end": "2026-12-10T11:00"}],
    }
    return body | changes


def stored(app: Flask) -> int:
    """How many visit requests there are."""
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(VisitRequest)) or 0


def first_slot(client: FlaskClient, compound: int, service: str = "health_consult") -> str:
    """The first offered start."""
    response = client.get(f"/api/v1/visits/slots?service_type={service}&compound={compound}")
    assert response.status_code == 200
    return str(response.json[0]["start"])


def test_intake_api_stores_a_request(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    before = stored(app)

    response = coordinator.post("/api/v1/visits", json=request_json(app, demo))

    assert response.status_code == 201
    assert response.json["status"] == "requested"
    assert response.json["phone"] == "+8613800138000"
    assert stored(app) == before + 1


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"phone": "42"}, "phone"),
        ({"service_type": "karaoke"}, "service_type"),
        ({"windows": [{"start": "2026-12-01T09:00", "end": "2026-12-01T10:00"}]}, "windows[0]"),
        ({"windows": [{"start": "2026-12-10T11:00", "end": "2026-12-10T09:00"}]}, "windows[0]"),
        ({"building": 999999}, "building"),
    ],
)
def test_intake_api_refuses_bad_input_by_field(
    app: Flask, coordinator: FlaskClient, demo: Demo, changes: dict[str, Any], where: str
) -> None:
    before = stored(app)

    response = coordinator.post("/api/v1/visits", json=request_json(app, demo, **changes))

    assert response.status_code == 422
    assert where in [d["where"] for d in response.json["details"]]
    assert stored(app) == before


def test_intake_form_records_and_lists_the_request(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    compound, building = compound_ids(app, demo)
    form = {
        "name": "黄伯",
        "phone": "13900139000",
        "compound": compound,
        "building": building,
        "service_type": "appliance_repair",
        "start_0": "2026-12-11T14:00",
        "end_0": "2026-12-11T16:00",
    }

    response = coordinator.post("/visits/new", data=form)

    assert response.status_code == 303
    assert "黄伯" in coordinator.get("/visits").text


def test_intake_form_with_a_bad_phone_stores_nothing(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    compound, _ = compound_ids(app, demo)
    before = stored(app)

    coordinator.post("/visits/new", data={"name": "x", "phone": "1", "compound": compound})

    assert stored(app) == before


def test_a_resident_books_sees_and_cancels(app: Flask, client: FlaskClient, demo: Demo) -> None:
    login(client, "resident")
    compound, _ = compound_ids(app, demo)
    start = first_slot(client, compound)
    body = request_json(app, demo, start=start, windows=None)

    booked = client.post("/api/v1/visits/bookings", json=body)
    ref = booked.json["reference"]
    seen = client.get(f"/api/v1/visits/{ref}")
    cancelled = client.delete(f"/api/v1/visits/{ref}")

    assert booked.status_code == 201
    assert booked.json["status"] == "scheduled"
    assert seen.json["start"] == booked.json["start"]
    assert "phone" not in seen.json  # residents see no butler's view of contact details
    assert cancelled.json["status"] == "cancelled"


def test_the_booking_page_offers_slots_and_books(app: Flask, client: FlaskClient, demo: Demo) -> None:
    login(client, "resident")
    compound, building = compound_ids(app, demo)
    page = client.get(f"/book?service_type=housekeeping&compound={compound}")
    start = first_slot(client, compound, "housekeeping")
    form = {"service_type": "housekeeping", "compound": compound, "building": building, "start": start}

    response = client.post("/book", data=form | {"name": "李婆婆", "phone": "13700137000"})

    assert 'name="start"' in page.text
    assert response.status_code == 303
    assert "/visits/BK-" in response.headers["Location"]


def test_the_assigned_butler_sees_contact_details_and_finishes_the_visit(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    compound, _ = compound_ids(app, demo)
    start = first_slot(coordinator, compound)
    ref = coordinator.post("/api/v1/visits/bookings", json=request_json(app, demo, start=start)).json[
        "reference"
    ]
    with database(app).sessions() as session, session.begin():
        state = session.scalars(select(VisitState).where(VisitState.reference == ref)).one()
        state.person_id = demo.staff_person_id
    coordinator.post("/logout")
    login(coordinator, "staff")

    seen = coordinator.get(f"/api/v1/visits/{ref}")
    coordinator.post(f"/visits/{ref}/status", data={"status": "in_progress"})
    coordinator.post(f"/visits/{ref}/status", data={"status": "done", "note": "血压正常"})

    assert seen.json["phone"] == "+8613800138000"
    assert coordinator.get(f"/api/v1/visits/{ref}").json["status"] == "done"
    assert ref in coordinator.get("/me/visits").text


@pytest.mark.parametrize(
    ("user", "method", "path", "status"),
    [
        ("staff", "post", "/api/v1/visits", 403),
        ("resident", "post", "/api/v1/visits", 403),
        ("staff", "get", "/book", 403),
        ("resident", "get", "/visits", 403),
        ("resident", "get", "/me/visits", 403),
        ("coordinator", "get", "/api/v1/visits/BK-NOPE", 404),
    ],
)
def test_visit_routes_check_the_role(
    client: FlaskClient, user: str, method: str, path: str, status: int
) -> None:
    login(client, user)

    response = getattr(client, method)(path, json={})

    assert response.status_code == status


def test_slots_need_a_known_service(coordinator: FlaskClient) -> None:
    response = coordinator.get("/api/v1/visits/slots?service_type=karaoke&compound=1")

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == ["service_type"]


def add_resident(app: Flask, demo: Demo, username: str) -> None:
    """Another resident account of the demo station."""
    with database(app).sessions() as session, session.begin():
        station = session.get(Station, demo.station_id)
        create_user(session, username=username, password=PASSWORD, role=Role.RESIDENT, station=station)


def test_residents_see_only_their_own_bookings(app: Flask, client: FlaskClient, demo: Demo) -> None:
    login(client, "resident")
    compound, _ = compound_ids(app, demo)
    body = request_json(app, demo, start=first_slot(client, compound), windows=None)
    ref = client.post("/api/v1/visits/bookings", json=body).json["reference"]
    add_resident(app, demo, "neighbour")
    other = app.test_client()
    login(other, "neighbour")

    assert ref in client.get("/my/bookings").text
    assert [b["reference"] for b in client.get("/api/v1/visits/bookings").json] == [ref]
    assert ref not in other.get("/my/bookings").text
    assert other.get("/api/v1/visits/bookings").json == []
    assert other.get(f"/visits/{ref}").status_code == 404
    assert other.get(f"/api/v1/visits/{ref}").status_code == 404
    assert other.delete(f"/api/v1/visits/{ref}").status_code == 404
    assert other.post(f"/visits/{ref}/cancel").status_code in (302, 303, 404)
    assert client.get(f"/api/v1/visits/{ref}").json["status"] == "scheduled"


def test_a_resident_cannot_book_under_another_residents_phone(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    login(client, "resident")
    compound, _ = compound_ids(app, demo)
    start = first_slot(client, compound)
    client.post("/api/v1/visits/bookings", json=request_json(app, demo, start=start, windows=None))
    add_resident(app, demo, "neighbour")
    other = app.test_client()
    login(other, "neighbour")
    before = stored(app)

    response = other.post("/api/v1/visits/bookings", json=request_json(app, demo, start=start, windows=None))

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == ["phone"]
    assert set(response.json) == {"error", "message", "details"}
    assert stored(app) == before
    assert other.get("/api/v1/visits/bookings").json == []


def test_pages_show_services_and_statuses_as_translated_labels(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    login(client, "resident")
    compound, _ = compound_ids(app, demo)
    body = request_json(app, demo, start=first_slot(client, compound), windows=None)
    ref = client.post("/api/v1/visits/bookings", json=body).json["reference"]

    chinese = client.get(f"/visits/{ref}").text + client.get("/my/bookings").text
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/visits/{ref}").text + client.get("/my/bookings").text

    assert "健康咨询" in chinese
    assert "已安排" in chinese
    assert "Health consultation" in english
    assert "Scheduled" in english
    for code in ("health_consult", ">scheduled<", ">normal<"):
        assert code not in chinese
        assert code not in english


def test_the_booking_page_offers_translated_services(client: FlaskClient) -> None:
    login(client, "resident")

    page = client.get("/book").text

    assert all(name in page for name in ("家电维修", "健康咨询", "上门家政", "应急救护"))
    assert ">first_aid<" not in page


def publish_and_report_an_emergency(app: Flask, coordinator: FlaskClient, demo: Demo) -> str:
    """Publish the demo week, record an emergency first-aid call for now, return its reference."""
    assert (
        coordinator.post(f"/api/v1/stations/{demo.station}/weeks/2026-W50/publish", json={}).status_code
        == 200
    )
    window = [{"start": "2026-12-08T10:05", "end": "2026-12-08T11:00"}]
    body = request_json(app, demo, service_type="first_aid", urgency="emergency", windows=window)
    response = coordinator.post("/api/v1/visits", json=body)
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def test_dispatch_now_button_sends_someone_and_says_who(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    ref = publish_and_report_an_emergency(app, coordinator, demo)
    page = coordinator.get(f"/visits/{ref}").text

    response = coordinator.post(f"/visits/{ref}/dispatch")
    after = coordinator.get(response.headers["Location"]).text
    visit = coordinator.get(f"/api/v1/visits/{ref}").json

    assert 'id="dispatch"' in page
    assert response.status_code == 303
    assert visit["status"] == "scheduled"
    assert visit["person"]
    assert f"已派出：{visit['person']}" in after
    assert "其他上门服务没有变动" in after or "其他有变动的上门服务" in after
    assert 'id="dispatch"' not in after  # dispatched: pinned, not again


def test_dispatch_now_api_reports_the_butler_and_the_changes(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    ref = publish_and_report_an_emergency(app, coordinator, demo)

    response = coordinator.post(f"/api/v1/visits/{ref}/dispatch")
    again = coordinator.post(f"/api/v1/visits/{ref}/dispatch")

    assert response.status_code == 200, response.json
    assert response.json["visit"]["person"] == response.json["person"]
    assert response.json["start"] == response.json["visit"]["start"]
    assert isinstance(response.json["changes"], list)
    assert all(c["reference"] != ref for c in response.json["changes"])
    assert again.status_code == 409
    assert set(again.json) == {"error", "message", "details"}


def test_dispatch_now_is_only_for_first_aid(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    ref = coordinator.post("/api/v1/visits", json=request_json(app, demo)).json["reference"]

    page = coordinator.get(f"/visits/{ref}").text
    response = coordinator.post(f"/api/v1/visits/{ref}/dispatch")

    assert 'id="dispatch"' not in page
    assert response.status_code == 409


def test_a_resident_moves_a_booking_to_another_offered_time(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    login(client, "resident")
    compound, _ = compound_ids(app, demo)
    slots = client.get(f"/api/v1/visits/slots?service_type=health_consult&compound={compound}").json
    body = request_json(app, demo, start=slots[0]["start"], windows=None)
    ref = client.post("/api/v1/visits/bookings", json=body).json["reference"]
    page = client.get(f"/visits/{ref}").text

    response = client.post(f"/visits/{ref}/reschedule", data={"start": slots[-1]["start"]})

    assert 'id="reschedule"' in page
    assert response.status_code == 303
    assert client.get(f"/api/v1/visits/{ref}").json["start"] == slots[-1]["start"]


def test_visits_api_checks_csrf_only_for_cookie_clients(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"username": "coordinator", "password": PASSWORD, "csrf_token": token[1]})
        fresh = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/visits").text)
        assert fresh is not None
        body = request_json(app, seeded[1])
        without = client.post("/api/v1/visits", json=body)
        with_header = client.post("/api/v1/visits", json=body, headers={"X-CSRFToken": fresh[1]})
        basic_only = app.test_client().post("/api/v1/visits", json=body, headers=basic("coordinator"))
        form_without = client.post("/visits/new", data={"name": "x"})
    finally:
        dispose(app)

    assert (without.status_code, without.json["error"]) == (400, "bad_request")
    assert (with_header.status_code, basic_only.status_code) == (201, 201)
    assert form_without.status_code == 400  # the pages keep their form tokens


def test_openapi_lists_the_visit_enums_of_the_domain(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]

    assert schemas["ServiceType"]["enum"] == [s.value for s in ServiceType]
    assert schemas["Visit"]["properties"]["status"]["enum"] == [s.value for s in VisitStatus]
    assert schemas["Visit"]["properties"]["urgency"]["enum"] == [u.value for u in Urgency]
