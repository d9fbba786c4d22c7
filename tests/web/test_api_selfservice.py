"""The self-service JSON API (issue 7): leave, swaps, activity sign-ups, changes, the ledger."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rota.accounts import create_user
from rota.domain import LeaveStatus, RotaStatus
from rota.models import Assignment, Leave, Person, Rota
from rota.selfservice import Activity, SwapRequest
from tests.web.conftest import PASSWORD, Demo, login
from tests.web.helpers import read
from tests.web.test_api import basic
from tests.web.test_staff_selfservice import W51, cadres, publish_rows
from web.db import database


def _count(app: Flask, model: type[object]) -> int:
    """Rows of a model."""
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))  # type: ignore[return-value]


def _shift_of(app: Flask, person: int) -> int:
    """The person's one shift in the published W51."""
    query = (
        select(Assignment.shift_id)
        .join(Rota)
        .where(Rota.week_start == W51, Rota.status == RotaStatus.PUBLISHED, Assignment.person_id == person)
    )
    return read(app, lambda s: s.scalars(query).one())  # type: ignore[return-value]


def test_leave_requested_then_approved(app: Flask, client: FlaskClient) -> None:
    requested = client.post(
        "/api/v1/me/leave", json={"first": "2026-12-15", "last": "2026-12-16", "reason": "体检"},
        headers=basic("staff"),
    )  # fmt: skip
    leave_id = requested.json["id"]
    refused = client.post(f"/api/v1/leave/{leave_id}/decision", json={"decision": "decline"},
                          headers=basic("coordinator"))  # fmt: skip
    approved = client.post(f"/api/v1/leave/{leave_id}/decision", json={"decision": "approve"},
                           headers=basic("coordinator"))  # fmt: skip
    again = client.post(f"/api/v1/leave/{leave_id}/decision", json={"decision": "approve"},
                        headers=basic("coordinator"))  # fmt: skip

    assert (requested.status_code, requested.json["status"], requested.json["reason"]) == (
        201,
        "requested",
        "体检",
    )
    assert (refused.status_code, refused.json["details"]) == (
        422, [{"where": "note", "message": "a declined request needs a reason"}]
    )  # fmt: skip
    assert (approved.status_code, approved.json["status"]) == (200, "approved")
    assert (again.status_code, again.json["error"]) == (409, "conflict")
    assert read(app, lambda s: s.get_one(Leave, leave_id).status) == LeaveStatus.APPROVED


def test_leave_withdrawn_before_the_decision(app: Flask, client: FlaskClient) -> None:
    leave_id = client.post("/api/v1/me/leave", json={"first": "2026-12-20", "last": "2026-12-20"},
                           headers=basic("staff")).json["id"]  # fmt: skip

    response = client.delete(f"/api/v1/me/leave/{leave_id}", headers=basic("staff"))

    assert response.status_code == 200
    assert read(app, lambda s: s.get(Leave, leave_id)) is None


def test_bad_leave_is_refused_with_its_fields_and_nothing_stored(app: Flask, client: FlaskClient) -> None:
    before = _count(app, Leave)

    backwards = client.post("/api/v1/me/leave", json={"first": "2026-12-20", "last": "2026-12-19"},
                            headers=basic("staff"))  # fmt: skip
    past = client.post("/api/v1/me/leave", json={"first": "2026-12-01", "last": "2026-12-02"},
                       headers=basic("staff"))  # fmt: skip
    malformed = client.post("/api/v1/me/leave", json={"first": "tomorrow", "last": "2026-12-02"},
                            headers=basic("staff"))  # fmt: skip

    assert [r.status_code for r in (backwards, past, malformed)] == [422, 422, 422]
    assert backwards.json["details"] == [{"where": "last", "message": "the last day is before the first"}]
    assert past.json["details"] == [{"where": "first", "message": "leave cannot start in the past"}]
    assert malformed.json["details"][0]["where"] == "first"
    assert _count(app, Leave) == before


def test_roles_are_checked(client: FlaskClient) -> None:
    as_coordinator = client.post("/api/v1/me/leave", json={"first": "2026-12-20", "last": "2026-12-20"},
                                 headers=basic("coordinator"))  # fmt: skip
    as_staff = client.post("/api/v1/leave/1/decision", json={"decision": "approve"}, headers=basic("staff"))
    ledger = client.get("/api/v1/stations/S01/ledger/2026-12", headers=basic("staff"))
    anonymous = client.get("/api/v1/me/changes")

    assert [r.status_code for r in (as_coordinator, as_staff, ledger, anonymous)] == [403, 403, 403, 401]
    assert as_staff.json["error"] == "forbidden"


def test_handover_refused_for_too_little_rest_names_the_rule(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    colleague = cadres(app, demo)[2]
    publish_rows(app, W51, [("HLN+0", demo.staff_person_id), ("AM+1", colleague)])

    response = client.post("/api/v1/me/swaps", json={
        "shift_id": _shift_of(app, demo.staff_person_id), "colleague_id": colleague,
    }, headers=basic("staff"))  # fmt: skip

    assert (response.status_code, response.json["error"]) == (422, "invalid_input")
    assert "Minimum rest" in [d["where"] for d in response.json["details"]]
    assert _count(app, SwapRequest) == 0


def test_swap_requested_accepted_and_approved(app: Flask, client: FlaskClient, demo: Demo) -> None:
    colleague = cadres(app, demo)[2]
    publish_rows(app, W51, [("AM+2", demo.staff_person_id), ("AM+4", colleague)])
    mine, theirs = _shift_of(app, demo.staff_person_id), _shift_of(app, colleague)
    with database(app).sessions() as session, session.begin():
        create_user(session, username="colleague", password=PASSWORD, role="staff",
                    person=session.get_one(Person, colleague))  # fmt: skip

    offered = client.post("/api/v1/me/swaps", json={
        "shift_id": mine, "colleague_id": colleague, "other_shift_id": theirs, "note": "家里有事",
    }, headers=basic("staff"))  # fmt: skip
    swap_id = offered.json["id"]
    not_yours = client.post(
        f"/api/v1/me/swaps/{swap_id}/answer", json={"accept": True}, headers=basic("staff")
    )
    bad_answer = client.post(f"/api/v1/me/swaps/{swap_id}/answer", json={"accept": "yes"},
                             headers=basic("colleague"))  # fmt: skip
    accepted = client.post(f"/api/v1/me/swaps/{swap_id}/answer", json={"accept": True},
                           headers=basic("colleague"))  # fmt: skip
    approved = client.post(f"/api/v1/swaps/{swap_id}/decision", json={"decision": "approve"},
                           headers=basic("coordinator"))  # fmt: skip

    assert (offered.status_code, offered.json["kind"], offered.json["status"]) == (201, "swap", "offered")
    assert (not_yours.status_code, bad_answer.status_code) == (404, 422)
    assert bad_answer.json["details"][0]["where"] == "accept"
    assert (accepted.json["status"], approved.json["status"]) == ("accepted", "approved")
    assert approved.json["rota_id"] is not None


def test_swap_validation_names_the_field(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/me/swaps", json={"shift_id": "1", "colleague_id": 2}, headers=basic("staff")
    )

    assert (response.status_code, response.json["details"][0]["where"]) == (422, "shift_id")


def test_activity_sign_up_confirmed_then_withdrawn(app: Flask, client: FlaskClient) -> None:
    coordinator = app.test_client()
    login(coordinator, "coordinator")
    coordinator.post("/approvals/activities", data={
        "title": "中秋游园会", "kind": "gathering", "day": "2026-12-19", "start": "09:00", "end": "11:00",
        "places": "2", "skill": "", "signup_until": "2026-12-17",
    })  # fmt: skip
    activity_id = read(app, lambda s: s.scalars(select(Activity.id)).one())

    signed = client.post(f"/api/v1/me/activities/{activity_id}/signup", headers=basic("staff"))
    twice = client.post(f"/api/v1/me/activities/{activity_id}/signup", headers=basic("staff"))
    bad = client.post(f"/api/v1/signups/{signed.json['id']}/decision", json={"decision": "maybe"},
                      headers=basic("coordinator"))  # fmt: skip
    confirmed = client.post(f"/api/v1/signups/{signed.json['id']}/decision", json={"decision": "approve"},
                            headers=basic("coordinator"))  # fmt: skip
    withdrawn = client.delete(f"/api/v1/me/activities/{activity_id}/signup", headers=basic("staff"))

    assert (signed.status_code, signed.json["status"]) == (201, "pending")
    assert (twice.status_code, twice.json["error"]) == (409, "conflict")
    assert (bad.status_code, bad.json["details"][0]["where"]) == (422, "decision")
    assert confirmed.json["status"] == "confirmed"
    assert (withdrawn.status_code, withdrawn.json["status"]) == (200, "withdrawn")


def test_changes_then_nothing_once_seen(app: Flask, client: FlaskClient, demo: Demo) -> None:
    publish_rows(app, W51, [("AM+1", demo.staff_person_id)])

    first = client.get("/api/v1/me/changes", headers=basic("staff")).json
    seen = client.post("/api/v1/me/changes/seen", headers=basic("staff"))
    second = client.get("/api/v1/me/changes", headers=basic("staff")).json

    assert first["seen_at"] is None
    assert _shift_of(app, demo.staff_person_id) in [s["id"] for s in first["added"]]
    assert seen.status_code == 200
    assert (second["added"], second["removed"], second["seen_at"] is not None) == ([], [], True)


def test_ledger_of_a_month(client: FlaskClient, demo: Demo) -> None:
    body = client.get(f"/api/v1/stations/{demo.station}/ledger/2026-12", headers=basic("coordinator")).json
    bad = client.get(f"/api/v1/stations/{demo.station}/ledger/December", headers=basic("coordinator"))

    assert body["month"] == "2026-12"
    assert {"visits", "by_service", "by_compound", "response", "people", "orgs", "activities"} <= set(body)
    assert (bad.status_code, bad.json["details"][0]["where"]) == (422, "month")


def test_my_availability_window_added_and_removed(app: Flask, client: FlaskClient) -> None:
    from rota.models import WeeklyAvailability

    before = _count(app, WeeklyAvailability)
    added = client.post("/api/v1/me/availability", json={"weekday": 0, "start": "09:00", "end": "17:00"},
                        headers=basic("staff"))  # fmt: skip
    removed = client.delete(f"/api/v1/me/availability/{added.json['id']}", headers=basic("staff"))

    assert (added.status_code, added.json["start"], added.json["end"]) == (201, "09:00", "17:00")
    assert removed.status_code == 200
    assert _count(app, WeeklyAvailability) == before


def test_a_bad_window_names_its_fields_and_stores_nothing(app: Flask, client: FlaskClient) -> None:
    from rota.models import WeeklyAvailability

    before = _count(app, WeeklyAvailability)
    response = client.post("/api/v1/me/availability", json={"weekday": "monday", "start": "9am"},
                           headers=basic("staff"))  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} == {"weekday", "start", "end"}
    assert _count(app, WeeklyAvailability) == before


def test_my_preference_added_and_removed(app: Flask, client: FlaskClient) -> None:
    from rota.models import Preference

    before = _count(app, Preference)
    added = client.post("/api/v1/me/preferences", json={"wants_work": False, "weight": 3, "weekday": 6},
                        headers=basic("staff"))  # fmt: skip
    removed = client.delete(f"/api/v1/me/preferences/{added.json['id']}", headers=basic("staff"))

    assert (added.status_code, added.json["wants_work"], added.json["weekday"]) == (201, False, 6)
    assert removed.status_code == 200
    assert _count(app, Preference) == before


def test_a_bad_preference_names_its_fields_and_stores_nothing(app: Flask, client: FlaskClient) -> None:
    from rota.models import Preference

    before = _count(app, Preference)
    response = client.post("/api/v1/me/preferences", json={"wants_work": True, "weight": 11, "weekday": 9},
                           headers=basic("staff"))  # fmt: skip

    assert response.status_code == 422
    assert {d["where"] for d in response.json["details"]} == {"weekday", "weight"}
    assert _count(app, Preference) == before


def test_an_activity_created_by_the_coordinator(app: Flask, client: FlaskClient, demo: Demo) -> None:
    before = _count(app, Activity)
    body = {"title": "中秋联欢", "kind": "gathering", "day": "2026-12-19", "start": "14:00", "end": "17:00",
            "places": 3, "signup_closes_at": "2026-12-18T23:59"}  # fmt: skip

    response = client.post(f"/api/v1/stations/{demo.station}/activities", json=body,
                           headers=basic("coordinator"))  # fmt: skip

    assert response.status_code == 201, response.json
    assert (response.json["title"], response.json["places"], response.json["shift"]["date"]) == (
        "中秋联欢", 3, "2026-12-19"
    )  # fmt: skip
    assert _count(app, Activity) == before + 1


def test_a_bad_activity_names_its_fields_and_stores_nothing(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    before = _count(app, Activity)
    body = {"title": "", "kind": "party", "day": "2026-12-19", "start": "14:00", "end": "14:00", "places": 0}

    response = client.post(f"/api/v1/stations/{demo.station}/activities", json=body,
                           headers=basic("coordinator"))  # fmt: skip
    service = client.post(f"/api/v1/stations/{demo.station}/activities", json=body | {"kind": "other"},
                          headers=basic("coordinator"))  # fmt: skip

    assert (response.status_code, [d["where"] for d in response.json["details"]]) == (422, ["kind"])
    assert service.status_code == 422
    assert {d["where"] for d in service.json["details"]} == {"title", "end", "places"}
    assert _count(app, Activity) == before


def test_the_approvals_queue_lists_pending_leave(app: Flask, client: FlaskClient, demo: Demo) -> None:
    leave_id = client.post("/api/v1/me/leave", json={"first": "2026-12-20", "last": "2026-12-20"},
                           headers=basic("staff")).json["id"]  # fmt: skip

    body = client.get(f"/api/v1/stations/{demo.station}/approvals", headers=basic("coordinator")).json
    refused = client.get(f"/api/v1/stations/{demo.station}/approvals", headers=basic("staff"))

    assert body["size"] >= 1
    assert leave_id in [i["request"]["id"] for i in body["leaves"]]
    assert set(body["leaves"][0]) == {"request", "effects", "refusals", "problem"}
    assert refused.status_code == 403
