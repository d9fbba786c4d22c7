"""The JSON API: every route, the one error shape, CSRF for cookie clients, Basic auth, OpenAPI."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from rota.domain import RotaStatus
from tests.web.conftest import PASSWORD, WEEK, Demo, login, make_app
from tests.web.helpers import current, double_shift_move, versions, wait_for
from web.db import dispose
from web.openapi import openapi_document


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_stations(coordinator: FlaskClient, demo: Demo) -> None:
    body = coordinator.get("/api/v1/stations").json

    assert [s["code"] for s in body] == [demo.station]
    assert set(body[0]) == {"id", "code", "name", "timezone"}


def test_week_rota(coordinator: FlaskClient, demo: Demo) -> None:
    body = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").json

    assert (body["week"], body["rota"]["status"], body["rota"]["version"]) == (WEEK, "draft", 1)
    assert len(body["shifts"]) == 39
    assert any(s["holes"] for s in body["shifts"])
    assert set(body["shifts"][0]["assignments"][0]) == {"id", "person_id", "person", "org", "pinned"}


def test_week_without_shifts_has_no_rota(coordinator: FlaskClient, demo: Demo) -> None:
    body = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/2027-W10/rota").json

    assert (body["rota"], body["shifts"]) == (None, [])


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/api/v1/stations/NOPE/weeks/2026-W50/rota", 404, "not_found"),
        ("/api/v1/stations/S01/weeks/50/rota", 422, "invalid_input"),
        ("/api/v1/jobs/nope", 404, "not_found"),
        ("/api/v1/nothing-here", 404, "not_found"),
    ],
)
def test_errors_have_one_shape(coordinator: FlaskClient, path: str, status: int, error: str) -> None:
    response = coordinator.get(path)

    assert response.status_code == status
    assert (response.json["error"], sorted(response.json)) == (error, ["details", "error", "message"])


def test_generate_poll_and_publish(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    started = coordinator.post(
        f"/api/v1/stations/{demo.station}/weeks/2026-W51/generate", json={"time_limit": 5}
    )
    job_url = started.headers["Location"]
    wait_for(lambda: coordinator.get(job_url).json["state"] != "running")
    done = coordinator.get(job_url).json
    published = coordinator.post(f"/api/v1/stations/{demo.station}/weeks/2026-W51/publish", json={})

    assert (started.status_code, started.json["state"]) == (202, "running")
    assert (done["state"], done["percent"]) == ("done", 100)
    assert (published.status_code, published.json["status"], published.json["id"]) == (
        200,
        "published",
        done["rota_id"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": "5"}, "time_limit"),
        ({"time_limit": True}, "time_limit"),
        ({"time_limit": None}, "time_limit"),  # found by fuzzing: null is not an integer
    ],
)
def test_generate_validates(
    coordinator: FlaskClient, demo: Demo, body: dict[str, object], field: str
) -> None:
    response = coordinator.post(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/generate", json=body)

    assert (response.status_code, response.json["details"][0]["where"]) == (422, field)


def test_non_object_body_is_refused(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.post(
        f"/api/v1/stations/{demo.station}/weeks/{WEEK}/generate", data="[1]", content_type="application/json"
    )

    assert (response.status_code, response.json["details"][0]["where"]) == (422, "body")


def test_second_generate_of_the_same_week_conflicts(coordinator: FlaskClient, demo: Demo) -> None:
    url = f"/api/v1/stations/{demo.station}/weeks/2026-W51/generate"
    first = coordinator.post(url, json={"time_limit": 2})

    second = coordinator.post(url, json={"time_limit": 2})
    stopped = coordinator.post(f"/api/v1/jobs/{first.json['id']}/stop")

    assert (second.status_code, second.json["error"]) == (409, "conflict")
    assert stopped.status_code == 202


def test_pin_move_remove_add(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    assignment, shift, person, _ = current(app)[0]

    pinned = coordinator.post(f"/api/v1/assignments/{assignment}/pin", json={"pinned": True})
    removed = coordinator.delete(f"/api/v1/assignments/{assignment}")
    added = coordinator.post(
        f"/api/v1/stations/{demo.station}/weeks/{WEEK}/assignments",
        json={"shift_id": shift, "person_id": person},
    )

    assert [r.status_code for r in (pinned, removed, added)] == [200, 200, 201]
    assert (shift, person, True) in {(s, p, pin) for _, s, p, pin in current(app)}


def test_move_refused_names_the_rule(app: Flask, coordinator: FlaskClient) -> None:
    assignment, target = double_shift_move(app)

    response = coordinator.post(f"/api/v1/assignments/{assignment}/move", json={"shift_id": target})

    assert (response.status_code, response.json["error"]) == (422, "invalid_input")
    assert response.json["details"][0]["where"] in {
        "Maximum shifts per day",
        "No double booking",
        "Minimum rest",
    }


def test_some_move_is_accepted_and_pinned(app: Flask, coordinator: FlaskClient) -> None:
    assignment, shift, person, _ = current(app)[-1]
    shifts = sorted({s for _, s, _, _ in current(app)} - {shift})

    codes = []
    for target in shifts:
        response = coordinator.post(f"/api/v1/assignments/{assignment}/move", json={"shift_id": target})
        codes.append(response.status_code)
        if response.status_code == 200:
            break

    assert codes[-1] == 200
    assert (target, person, True) in {(s, p, pin) for _, s, p, pin in current(app)}


@pytest.mark.parametrize(
    ("body", "field"), [({}, "shift_id"), ({"shift_id": "1"}, "shift_id"), ({"shift_id": -1}, "shift_id")]
)
def test_move_validates(app: Flask, coordinator: FlaskClient, body: dict[str, object], field: str) -> None:
    response = coordinator.post(f"/api/v1/assignments/{current(app)[0][0]}/move", json=body)

    assert (response.status_code, response.json["details"][0]["where"]) == (422, field)


def test_pin_validates(app: Flask, coordinator: FlaskClient) -> None:
    response = coordinator.post(f"/api/v1/assignments/{current(app)[0][0]}/pin", json={"pinned": "yes"})

    assert (response.status_code, response.json["details"][0]["where"]) == (422, "pinned")


def test_edit_of_a_published_week_starts_a_draft(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    coordinator.post(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/publish", json={})
    first = current(app, RotaStatus.PUBLISHED)[0][0]

    response = coordinator.post(f"/api/v1/assignments/{first}/pin", json={"pinned": True})

    assert (response.json["status"], response.json["version"]) == ("draft", 2)
    assert versions(app) == [(1, "published"), (2, "draft")]


def test_publish_with_a_stale_lock_version_conflicts(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.post(
        f"/api/v1/stations/{demo.station}/weeks/{WEEK}/publish", json={"lock_version": 42}
    )

    assert (response.status_code, response.json["error"]) == (409, "conflict")


def test_staff_shifts_after_publishing(app: Flask, client: FlaskClient, demo: Demo) -> None:
    client.post(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/publish", headers=basic("coordinator"))
    mine = [s for _, s, p, _ in current(app, RotaStatus.PUBLISHED) if p == demo.staff_person_id]

    body = client.get("/api/v1/me/shifts", headers=basic("staff")).json

    assert sorted(s["shift_id"] for s in body) == sorted(mine)


def test_basic_auth_with_a_wrong_password_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/stations", headers=basic("coordinator", "nope"))

    assert (response.status_code, response.json["error"]) == (401, "unauthorized")


def test_cookie_clients_need_the_csrf_header(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    try:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None
        client.post("/login", data={"username": "coordinator", "password": PASSWORD, "csrf_token": token[1]})
        fresh = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/me/shifts").text)
        assert fresh is not None  # the login gave the session a new token; pages carry it in a meta tag
        url = f"/api/v1/stations/{seeded[1].station}/weeks/2026-W51/publish"
        without = client.post(url, json={})
        with_header = client.post(url, json={}, headers={"X-CSRFToken": fresh[1]})
        basic_only = app.test_client().post(url, json={}, headers=basic("coordinator"))
    finally:
        dispose(app)

    assert (without.status_code, without.json["error"]) == (400, "bad_request")
    assert (with_header.status_code, basic_only.status_code) == (404, 404)  # past CSRF: W51 has no draft


def test_openapi_documents_every_api_route(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}

    assert document == openapi_document()
    assert documented == routes


def test_login_then_api_with_cookie(client: FlaskClient) -> None:
    login(client, "coordinator")

    assert client.get("/api/v1/stations").status_code == 200
