"""Home-visit pages and API: intake, slots, booking, cancel, lifecycle, and who may do and see what."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rota.models import Station, VisitRequest
from rota.visits import VisitState
from tests.web.conftest import Demo, login
from web.db import database


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
