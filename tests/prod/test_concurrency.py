"""Two coordinators saving the same week at once on PostgreSQL: one wins, the other is told to reload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import WEEK, Demo, login

pytestmark = pytest.mark.postgres


def race(app: Flask, calls: list[Callable[[FlaskClient], TestResponse]]) -> list[TestResponse]:
    """Run each call on its own logged-in client (own connection), released together by a barrier."""
    clients = [app.test_client() for _ in calls]
    for client in clients:
        login(client, "coordinator")
    barrier = threading.Barrier(len(calls))

    def run(pair: tuple[FlaskClient, Callable[[FlaskClient], TestResponse]]) -> TestResponse:
        barrier.wait()
        return pair[1](pair[0])

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, zip(clients, calls, strict=True)))


def lock_version(client: FlaskClient, demo: Demo) -> int:
    """The draft's lock_version as the week's API shows it."""
    return int(
        client.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").get_json()["rota"]["lock_version"]
    )


def test_second_publish_of_same_draft_is_refused(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    seen = lock_version(coordinator, demo)
    url = f"/api/v1/stations/{demo.station}/weeks/{WEEK}/publish"

    responses = race(app, [lambda c: c.post(url, json={"lock_version": seen})] * 2)

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).get_json()
    assert refused["error"] == "conflict"
    assert "reload" in refused["message"]


def test_concurrent_edits_never_overwrite_silently(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    week = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").get_json()
    cells = [c for c in week["shifts"] if c["assignments"]]
    before = week["rota"]["lock_version"]
    removals = [cells[0]["assignments"][0]["id"], cells[-1]["assignments"][0]["id"]]

    responses = race(app, [lambda c, a=a: c.delete(f"/api/v1/assignments/{a}") for a in removals])

    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([200, 200], [200, 409])
    after = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").get_json()
    kept = {a["id"] for c in after["shifts"] for a in c["assignments"]}
    removed = [a for a, r in zip(removals, responses, strict=True) if r.status_code == 200]
    assert (after["rota"]["lock_version"], kept & set(removals)) == (
        before + len(removed),
        set(removals) - set(removed),
    )
