"""The coordinator's pages: week grid, generating, hand edits checked by the hard rules, diff, publish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from rota.domain import RotaStatus
from tests.web.conftest import WEEK, Demo, login
from tests.web.helpers import current, double_shift_move, versions, wait_for
from web.db import database


def test_week_grid_shows_people_holes_and_scores(coordinator: FlaskClient, demo: Demo) -> None:
    page = coordinator.get(f"/rota/{demo.station}/{WEEK}").text

    assert 'id="status-badge">草稿 v1' in page
    assert page.count('class="chip org-') > 10
    assert 'class="hole"' in page
    assert "缺" in page
    assert 'id="breakdown"' in page
    assert 'id="org-shares"' in page
    assert 'id="person-loads"' in page


def test_start_redirects_to_the_current_week(coordinator: FlaskClient, demo: Demo) -> None:
    assert coordinator.get("/rota/").location == f"/rota/{demo.station}/{WEEK}"


def test_switcher_goes_to_the_chosen_week(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.get(f"/rota/?station={demo.station}&week=2026-W51")

    assert response.location == f"/rota/{demo.station}/2026-W51"


def test_week_without_a_rota_says_so(coordinator: FlaskClient, demo: Demo) -> None:
    page = coordinator.get(f"/rota/{demo.station}/2026-W51").text

    assert 'id="status-badge">尚无值班表' in page


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/rota/NOPE/2026-W50", 404, "NOPE"),
        ("/rota/S01/2026-50", 422, "ISO week"),
        ("/rota/S01/2026-W60", 422, "no week 60"),
        ("/rota/assignments/999999", 404, "999999"),
    ],
)
def test_bad_addresses_get_an_error_page(coordinator: FlaskClient, path: str, status: int, text: str) -> None:
    response = coordinator.get(path)

    assert (response.status_code, text in response.text) == (status, True)


def test_pin_and_unpin(app: Flask, coordinator: FlaskClient) -> None:
    first = current(app)[0][0]

    pinned = coordinator.post(f"/rota/assignments/{first}/pin", data={"pinned": "y"})
    after_pin = current(app)[0][3]
    coordinator.post(f"/rota/assignments/{first}/pin", data={})
    after_unpin = current(app)[0][3]

    assert pinned.status_code == 303
    assert (after_pin, after_unpin) == (True, False)


def test_move_refused_with_the_broken_rule(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    assignment, target = double_shift_move(app)
    before = current(app)

    response = coordinator.post(
        f"/rota/assignments/{assignment}/move",
        data={"shift_id": str(target)},
        headers={"Referer": f"http://localhost/rota/{demo.station}/{WEEK}"},
    )
    page = coordinator.get(response.location).text

    assert (response.status_code, response.location) == (303, f"/rota/{demo.station}/{WEEK}")
    assert "the edit would break a hard rule" in page
    assert current(app) == before


def test_remove_and_add_back(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    assignment, shift, person, _ = current(app)[0]

    removed = coordinator.post(f"/rota/assignments/{assignment}/remove")
    gone = (shift, person) not in {(s, p) for _, s, p, _ in current(app)}
    added = coordinator.post(
        f"/rota/{demo.station}/{WEEK}/add", data={"shift_id": shift, "person_id": person}
    )

    assert (removed.status_code, gone, added.status_code) == (303, True, 303)
    assert (shift, person, True) in {(s, p, pin) for _, s, p, pin in current(app)}


def test_add_form_lists_shifts_and_people(coordinator: FlaskClient, demo: Demo) -> None:
    page = coordinator.get(f"/rota/{demo.station}/{WEEK}/add").text

    assert page.count("<option") > 40


@pytest.mark.parametrize(
    ("data", "field"),
    [({"shift_id": "x", "person_id": "1"}, "shift_id"), ({"shift_id": "1"}, "person_id")],
)
def test_add_form_validation(coordinator: FlaskClient, demo: Demo, data: dict[str, str], field: str) -> None:
    response = coordinator.post(
        f"/rota/{demo.station}/{WEEK}/add", data=data, headers={"Accept": "application/json"}
    )

    assert response.status_code == 422
    assert [d["where"] for d in response.json["details"]] == [field]


def test_assignment_page_offers_every_shift(app: Flask, coordinator: FlaskClient) -> None:
    page = coordinator.get(f"/rota/assignments/{current(app)[0][0]}").text

    assert page.count("<option") == 39
    assert 'id="pin"' in page
    assert 'id="remove"' in page


def test_publish_then_staff_see_it_and_edits_start_a_new_draft(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    login(client, "coordinator")
    client.post(f"/rota/{demo.station}/{WEEK}/publish")
    published_page = client.get(f"/rota/{demo.station}/{WEEK}").text
    first = current(app, RotaStatus.PUBLISHED)[0][0]
    client.post(f"/rota/assignments/{first}/remove")
    diff_page = client.get(f"/rota/{demo.station}/{WEEK}").text

    assert 'id="status-badge">已发布 v1' in published_page
    assert versions(app) == [(1, "published"), (2, "draft")]
    assert 'class="removed"' in diff_page


def test_week_grid_queries_do_not_grow_with_the_diff(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    url = f"/rota/{demo.station}/{WEEK}"
    coordinator.post(f"{url}/publish")
    published = current(app, RotaStatus.PUBLISHED)
    coordinator.post(f"/rota/assignments/{published[0][0]}/remove")
    one_removed = count_queries(app, lambda: coordinator.get(url))
    for assignment in current(app)[:3]:
        coordinator.post(f"/rota/assignments/{assignment[0]}/remove")

    four_removed = count_queries(app, lambda: coordinator.get(url))

    assert four_removed == one_removed


def count_queries(app: Flask, action: Callable[[], object]) -> int:
    """How many SQL statements the app's engine runs during ``action``."""
    statements = []

    def record(*_args: object) -> None:
        statements.append(1)

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_publish_with_an_old_version_conflicts(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.post(
        f"/rota/{demo.station}/{WEEK}/publish", data={"version": "99"}, headers={"Accept": "application/json"}
    )

    assert (response.status_code, response.json["error"]) == (409, "conflict")


def test_publish_without_a_draft_is_not_found(coordinator: FlaskClient, demo: Demo) -> None:
    response = coordinator.post(
        f"/rota/{demo.station}/2026-W51/publish", headers={"Accept": "application/json"}
    )

    assert (response.status_code, response.json["error"]) == (404, "not_found")


def test_generate_runs_in_the_background_and_leaves_a_new_draft(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    response = coordinator.post(f"/rota/{demo.station}/2026-W51/generate", data={"time_limit": "5"})
    progress = coordinator.get(response.location).text
    job_id = response.location.rsplit("/", 1)[1]

    wait_for(lambda: "HX-Redirect" in coordinator.get(f"/rota/jobs/{job_id}/status").headers)
    status = coordinator.get(f"/rota/jobs/{job_id}/status")

    assert 'role="progressbar"' in progress
    assert 'id="stop"' in progress
    assert status.headers["HX-Redirect"] == f"/rota/{demo.station}/2026-W51"
    assert 'id="status-badge">草稿 v1' in coordinator.get(status.headers["HX-Redirect"]).text


@pytest.mark.parametrize("limit", ["0", "301", "abc"])
def test_generate_validates_the_time_limit(coordinator: FlaskClient, demo: Demo, limit: str) -> None:
    response = coordinator.post(
        f"/rota/{demo.station}/{WEEK}/generate",
        data={"time_limit": limit},
        headers={"Accept": "application/json"},
    )

    assert (response.status_code, response.json["details"][0]["where"]) == (422, "time_limit")


def test_stop_sets_the_flag_and_returns_to_progress(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    from web.jobs import registry

    started = coordinator.post(f"/rota/{demo.station}/2026-W51/generate", data={"time_limit": "2"})
    job_id = started.location.rsplit("/", 1)[1]

    stopped = coordinator.post(f"/rota/jobs/{job_id}/stop")

    assert stopped.location == started.location
    assert registry(app).get(job_id).stop.is_set()


def test_unknown_job_is_not_found(coordinator: FlaskClient) -> None:
    assert coordinator.get("/rota/jobs/nope/status").status_code == 404


def test_staff_see_only_published_shifts(app: Flask, client: FlaskClient, demo: Demo) -> None:
    login(client, "staff")
    before = client.get("/me/shifts").text
    client.post("/logout")
    login(client, "coordinator")
    client.post(f"/rota/{demo.station}/{WEEK}/publish")
    client.post("/logout")
    login(client, "staff")
    after = client.get("/me/shifts").text
    mine = [s for _, s, p, _ in current(app, RotaStatus.PUBLISHED) if p == demo.staff_person_id]

    assert "没有已发布的班次" in before
    assert after.count("<tr") == len(mine) + 1


def test_resident_page_names_the_station(client: FlaskClient) -> None:
    login(client, "resident")

    assert "江侨" in client.get("/resident").text or "服务站" in client.get("/resident").text
