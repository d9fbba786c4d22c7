"""Bad input the API fuzzer (tests/prod/test_api_fuzz.py) found: each answered in the one JSON error shape."""

from __future__ import annotations

import jsonschema
import pytest
from flask.testing import FlaskClient

from tests.web.conftest import Demo
from tests.web.test_api import basic
from web.openapi import openapi_document


def test_a_wrong_method_is_a_json_405_with_the_allowed_methods(client: FlaskClient) -> None:
    response = client.open("/api/v1/stations", method="TRACE", headers=basic("coordinator"))

    assert (response.status_code, response.json["error"]) == (405, "method_not_allowed")
    assert sorted(response.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS"]


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("staff", "DELETE", "/api/v1/me/activities/9223372036854775808/signup"),
        ("staff", "DELETE", "/api/v1/me/activities/1000000000/signup"),
        ("staff", "POST", "/api/v1/me/swaps/99999999999/answer"),
        ("coordinator", "PUT", "/api/v1/stations/{station}/people/2147483648"),
        ("coordinator", "DELETE", "/api/v1/assignments/0"),
        ("coordinator", "GET", "/api/v1/visits/99999999999999999999"),
        ("coordinator", "GET", "/api/v1/visits/²"),
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(
    client: FlaskClient, demo: Demo, role: str, method: str, path: str
) -> None:
    response = client.open(path.format(station=demo.station), method=method, json={}, headers=basic(role))

    assert (response.status_code, response.json["error"]) == (404, "not_found")


@pytest.mark.parametrize(("path", "allowed"), [("slots", ["GET"]), ("bookings", ["GET", "POST"])])
def test_visit_listing_routes_are_not_visits_called_so(
    client: FlaskClient, path: str, allowed: list[str]
) -> None:
    response = client.options(f"/api/v1/visits/{path}", headers=basic("coordinator"))
    deleted = client.delete(f"/api/v1/visits/{path}", headers=basic("coordinator"))

    assert sorted(response.headers["Allow"].split(", ")) == sorted([*allowed, "HEAD", "OPTIONS"])
    assert (deleted.status_code, deleted.json["error"]) == (405, "method_not_allowed")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/me/preferences", {"wants_work": True, "template_id": 2**40}, "template_id"),
        ("/api/v1/me/preferences", {"wants_work": True, "weekday": -(2**63)}, "weekday"),
        ("/api/v1/me/swaps", {"shift_id": 2**31, "colleague_id": 1}, "shift_id"),
    ],
)
def test_an_integer_too_large_in_the_body_names_its_field(
    client: FlaskClient, path: str, body: dict[str, object], field: str
) -> None:
    response = client.post(path, json=body, headers=basic("staff"))

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == [field]


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        ("compounds", {"name": True, "buildings": "1号楼"}, "name", "text"),
        ("organisations", {"name": 7, "kind": "cadre"}, "name", "text"),
        (
            "organisations",
            {"name": "义工队", "kind": "volunteer", "quota": False},
            "quota",
            "a number",
        ),
        (
            "templates",
            {"code": "X", "name_zh": "班", "name_en": "X", "night": "yes"},
            "night",
            "true or false",
        ),
    ],
)
def test_a_management_field_of_the_wrong_json_type_is_named(
    client: FlaskClient, demo: Demo, path: str, body: dict[str, object], field: str, message: str
) -> None:
    response = client.post(f"/api/v1/stations/{demo.station}/{path}", json=body, headers=basic("coordinator"))

    assert (response.status_code, response.json["details"]) == (422, [{"where": field, "message": message}])


def test_a_travel_time_between_text_and_a_huge_id_names_both(client: FlaskClient, demo: Demo) -> None:
    response = client.put(
        f"/api/v1/stations/{demo.station}/travel",
        json={"from": 2**40, "to": "", "minutes": 5}, headers=basic("coordinator"),
    )  # fmt: skip

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == ["from", "to"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/me/preferences", {"wants_work": True, "on_date": ""}, "on_date"),
        ("/api/v1/me/leave", {"first": "", "last": "2026-12-16"}, "first"),
    ],
)
def test_an_empty_date_is_not_a_date(
    client: FlaskClient, path: str, body: dict[str, object], field: str
) -> None:
    response = client.post(path, json=body, headers=basic("staff"))

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == [field]


def test_planning_a_week_already_being_planned_is_a_documented_409(client: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/weeks/2026-W51/generate"
    first = client.post(url, json={"time_limit": 5}, headers=basic("coordinator"))
    second = client.post(url, json={}, headers=basic("coordinator"))
    documented = openapi_document()["paths"]["/stations/{station}/weeks/{week}/generate"]["post"]["responses"]

    assert (first.status_code, second.status_code, second.json["error"]) == (202, 409, "conflict")
    assert "409" in documented


def _conforms(body: object, schema: str) -> bool:
    """True if a body matches a component schema of the OpenAPI document."""
    document = openapi_document()
    root = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    return jsonschema.Draft202012Validator(root).is_valid(body)


def test_setting_a_travel_time_answers_both_ways_as_documented(client: FlaskClient, demo: Demo) -> None:
    compounds = client.get(f"/api/v1/stations/{demo.station}/compounds", headers=basic("coordinator")).json
    first, second = compounds[0]["id"], compounds[1]["id"]

    response = client.put(
        f"/api/v1/stations/{demo.station}/travel",
        json={"from": first, "to": second, "minutes": 12}, headers=basic("coordinator"),
    )  # fmt: skip

    assert sorted((t["from"], t["to"], t["minutes"]) for t in response.json) == sorted(
        [(first, second, 12), (second, first, 12)]
    )
    assert _conforms(response.json, "TravelTimes")


def test_a_week_that_does_not_exist_is_a_documented_422(client: FlaskClient, demo: Demo) -> None:
    response = client.get(
        f"/api/v1/stations/{demo.station}/weeks/8992-W87/rota", headers=basic("coordinator")
    )
    documented = openapi_document()["paths"]["/stations/{station}/weeks/{week}/rota"]["get"]["responses"]

    assert (response.status_code, response.json["details"]) == (
        422,
        [{"where": "week", "message": "8992 has no week 87"}],
    )
    assert "422" in documented


RESIDENT = {"name": "陈伯", "phone": "13800138000", "compound": 2**31, "service_type": "housekeeping"}
WINDOW = {"start": "2026-12-09T09:00", "end": "2026-12-09T11:00"}


@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        ("coordinator", "/api/v1/visits", RESIDENT | {"windows": [WINDOW]}),
        ("resident", "/api/v1/visits/bookings", RESIDENT | {"start": WINDOW["start"]}),
    ],
)
def test_a_compound_id_too_large_for_postgresql_is_named(
    client: FlaskClient, role: str, path: str, body: dict[str, object]
) -> None:
    response = client.post(path, json=body, headers=basic(role))

    assert response.status_code == 422
    assert "compound" in [d["where"] for d in response.json["details"]]


def test_slots_of_a_compound_id_too_large_are_refused(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/visits/slots", query_string={"service_type": "housekeeping", "compound": 2**31},
        headers=basic("resident"),
    )  # fmt: skip

    assert (response.status_code, response.json["details"]) == (
        422,
        [{"where": "compound", "message": "the id of a compound is required"}],
    )


def test_every_operation_documents_the_503_of_a_database_outage() -> None:
    operations = [op for ops in openapi_document()["paths"].values() for op in ops.values()]
    guarded = [op for op in operations if op.get("security") != []]

    assert all("503" in op["responses"] for op in guarded)


@pytest.mark.parametrize(
    ("path", "schema"),
    [("organisations", "Organisations"), ("people", "Persons"), ("templates", "Templates"),
     ("compounds", "Compounds")],
)  # fmt: skip
def test_management_listings_answer_as_documented(
    client: FlaskClient, demo: Demo, path: str, schema: str
) -> None:
    response = client.get(f"/api/v1/stations/{demo.station}/{path}", headers=basic("coordinator"))

    assert response.status_code == 200
    assert response.json
    assert _conforms(response.json, schema)
    assert not _conforms([{"id": "x"}], schema)  # the schema says something


def test_a_window_and_a_leave_answer_as_documented(client: FlaskClient, demo: Demo) -> None:
    base = f"/api/v1/stations/{demo.station}/people/{demo.staff_person_id}"
    as_coordinator = basic("coordinator")
    window = client.post(
        f"{base}/availability", json={"weekday": 2, "start": "09:00", "end": "12:00"}, headers=as_coordinator
    )
    leave = client.post(
        f"{base}/leave",
        json={"start": "2026-12-21", "end": "2026-12-22", "status": "approved"},
        headers=as_coordinator,
    )

    assert (window.status_code, leave.status_code) == (201, 201)
    assert _conforms(window.json, "Window")
    assert _conforms(leave.json, "ManagedLeave")
