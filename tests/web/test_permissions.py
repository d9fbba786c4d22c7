"""Every route x every role: anonymous users are sent to log in, other roles get 403."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.conftest import WEEK, login
from tests.web.helpers import current

C, S, R = "coordinator", "staff", "resident"
EVERYONE = frozenset({None, C, S, R})
A = "{assignment}"
W = f"S01/{WEEK}"
# (endpoint, method, path, roles allowed); paths use the demo station and its first assignment.
ROUTES = [
    ("static", "GET", "/static/rota.css", EVERYONE),
    ("home.index", "GET", "/", {C, S, R}),
    ("home.resident", "GET", "/resident", {C, R}),
    ("auth.login", "GET", "/login", EVERYONE),
    ("auth.logout", "POST", "/logout", {C, S, R}),
    ("auth.language", "POST", "/language", EVERYONE),
    ("auth.text_size", "POST", "/text-size", EVERYONE),
    ("planning.start", "GET", "/rota/", {C}),
    ("planning.week", "GET", f"/rota/{W}", {C}),
    ("planning.generate", "POST", f"/rota/{W}/generate", {C}),
    ("planning.progress", "GET", f"/rota/{W}/jobs/nope", {C}),
    ("planning.job_status", "GET", "/rota/jobs/nope/status", {C}),
    ("planning.stop", "POST", "/rota/jobs/nope/stop", {C}),
    ("planning.publish", "POST", f"/rota/{W}/publish", {C}),
    ("planning.assignment", "GET", f"/rota/assignments/{A}", {C}),
    ("planning.pin", "POST", f"/rota/assignments/{A}/pin", {C}),
    ("planning.move", "POST", f"/rota/assignments/{A}/move", {C}),
    ("planning.remove", "POST", f"/rota/assignments/{A}/remove", {C}),
    ("planning.add", "GET", f"/rota/{W}/add", {C}),
    ("staff.my_shifts", "GET", "/me/shifts", {S}),
    ("staff.requests", "GET", "/me/requests", {S}),
    ("staff.add_window", "POST", "/me/availability", {S}),
    ("staff.remove_window", "POST", "/me/availability/1/delete", {S}),
    ("staff.add_preference", "POST", "/me/preferences", {S}),
    ("staff.remove_preference", "POST", "/me/preferences/1/delete", {S}),
    ("staff.request_leave", "POST", "/me/leave", {S}),
    ("staff.withdraw_leave", "POST", "/me/leave/1/withdraw", {S}),
    ("staff.swaps_page", "GET", "/me/swaps", {S}),
    ("staff.offer_swap", "POST", "/me/swaps", {S}),
    ("staff.answer_swap", "POST", "/me/swaps/1/accept", {S}),
    ("staff.activities", "GET", "/me/activities", {S}),
    ("staff.sign_up", "POST", "/me/activities/1/signup", {S}),
    ("staff.changes", "GET", "/me/changes", {S}),
    ("staff.mark_seen", "POST", "/me/changes/seen", {S}),
    ("approvals.index", "GET", "/approvals/", {C}),
    ("approvals.decide_leave", "POST", "/approvals/leave/1", {C}),
    ("approvals.decide_swap", "POST", "/approvals/swaps/1", {C}),
    ("approvals.decide_signup", "POST", "/approvals/signups/1", {C}),
    ("approvals.activities", "GET", "/approvals/activities", {C}),
    ("approvals.create_activity", "POST", "/approvals/activities", {C}),
    ("approvals.attendance", "POST", "/approvals/activities/1/attendance", {C}),
    ("ledger.start", "GET", "/ledger/", {C}),
    ("ledger.month", "GET", "/ledger/S01/2026-12", {C}),
    ("ledger.xlsx", "GET", "/ledger/S01/2026-12.xlsx", {C}),
    ("api.openapi", "GET", "/api/v1/openapi.json", EVERYONE),
    ("api.stations", "GET", "/api/v1/stations", {C}),
    ("api.rota", "GET", f"/api/v1/stations/{W.replace('/', '/weeks/')}/rota", {C}),
    ("api.generate", "POST", f"/api/v1/stations/{W.replace('/', '/weeks/')}/generate", {C}),
    ("api.job", "GET", "/api/v1/jobs/nope", {C}),
    ("api.stop", "POST", "/api/v1/jobs/nope/stop", {C}),
    ("api.publish", "POST", f"/api/v1/stations/{W.replace('/', '/weeks/')}/publish", {C}),
    ("api.pin", "POST", f"/api/v1/assignments/{A}/pin", {C}),
    ("api.move", "POST", f"/api/v1/assignments/{A}/move", {C}),
    ("api.remove", "DELETE", f"/api/v1/assignments/{A}", {C}),
    ("api.add", "POST", f"/api/v1/stations/{W.replace('/', '/weeks/')}/assignments", {C}),
    ("api.my_shifts", "GET", "/api/v1/me/shifts", {S}),
    ("api_selfservice.request_leave", "POST", "/api/v1/me/leave", {S}),
    ("api_selfservice.withdraw_leave", "DELETE", "/api/v1/me/leave/1", {S}),
    ("api_selfservice.decide_leave", "POST", "/api/v1/leave/1/decision", {C}),
    ("api_selfservice.request_swap", "POST", "/api/v1/me/swaps", {S}),
    ("api_selfservice.answer_swap", "POST", "/api/v1/me/swaps/1/answer", {S}),
    ("api_selfservice.decide_swap", "POST", "/api/v1/swaps/1/decision", {C}),
    ("api_selfservice.sign_up", "POST", "/api/v1/me/activities/1/signup", {S}),
    ("api_selfservice.withdraw_signup", "DELETE", "/api/v1/me/activities/1/signup", {S}),
    ("api_selfservice.decide_signup", "POST", "/api/v1/signups/1/decision", {C}),
    ("api_selfservice.changes", "GET", "/api/v1/me/changes", {S}),
    ("api_selfservice.mark_seen", "POST", "/api/v1/me/changes/seen", {S}),
    ("api_selfservice.ledger", "GET", "/api/v1/stations/S01/ledger/2026-12", {C}),
    ("api_selfservice.add_window", "POST", "/api/v1/me/availability", {S}),
    ("api_selfservice.remove_window", "DELETE", "/api/v1/me/availability/1", {S}),
    ("api_selfservice.add_preference", "POST", "/api/v1/me/preferences", {S}),
    ("api_selfservice.remove_preference", "DELETE", "/api/v1/me/preferences/1", {S}),
    ("api_selfservice.create_activity", "POST", "/api/v1/stations/S01/activities", {C}),
    ("api_selfservice.approvals", "GET", "/api/v1/stations/S01/approvals", {C}),
    ("api_manage.organisations", "GET", "/api/v1/stations/S01/organisations", {C}),
    ("api_manage.create_organisation", "POST", "/api/v1/stations/S01/organisations", {C}),
    ("api_manage.update_organisation", "PUT", "/api/v1/stations/S01/organisations/1", {C}),
    ("api_manage.list_people", "GET", "/api/v1/stations/S01/people", {C}),
    ("api_manage.get_person", "GET", "/api/v1/stations/S01/people/1", {C}),
    ("api_manage.create_person", "POST", "/api/v1/stations/S01/people", {C}),
    ("api_manage.update_person", "PUT", "/api/v1/stations/S01/people/1", {C}),
    ("api_manage.set_person_active", "PUT", "/api/v1/stations/S01/people/1/active", {C}),
    ("api_manage.import_csv", "POST", "/api/v1/stations/S01/people/import", {C}),
    ("api_manage.list_templates", "GET", "/api/v1/stations/S01/templates", {C}),
    ("api_manage.create_template", "POST", "/api/v1/stations/S01/templates", {C}),
    ("api_manage.update_template", "PUT", "/api/v1/stations/S01/templates/1", {C}),
    ("api_manage.list_compounds", "GET", "/api/v1/stations/S01/compounds", {C}),
    ("api_manage.create_compound", "POST", "/api/v1/stations/S01/compounds", {C}),
    ("api_manage.update_compound", "PUT", "/api/v1/stations/S01/compounds/1", {C}),
    ("api_manage.add_availability", "POST", "/api/v1/stations/S01/people/1/availability", {C}),
    ("api_manage.remove_availability", "DELETE", "/api/v1/stations/S01/people/1/availability/1", {C}),
    ("api_manage.add_leave", "POST", "/api/v1/stations/S01/people/1/leave", {C}),
    ("api_manage.remove_leave", "DELETE", "/api/v1/stations/S01/people/1/leave/1", {C}),
    ("api_manage.set_travel", "PUT", "/api/v1/stations/S01/travel", {C}),
    ("manage.start", "GET", "/manage/", {C}),
    ("manage.station", "GET", "/manage/S01", {C}),
    ("manage.org", "GET", "/manage/S01/orgs/1", {C}),
    ("manage.person", "POST", "/manage/S01/people/new", {C}),
    ("manage.add_availability", "POST", "/manage/S01/people/1/availability", {C}),
    ("manage.remove_availability", "POST", "/manage/S01/people/1/availability/1/delete", {C}),
    ("manage.add_leave", "POST", "/manage/S01/people/1/leave", {C}),
    ("manage.set_active", "POST", "/manage/S01/people/1/active", {C}),
    ("manage.remove_leave", "POST", "/manage/S01/people/1/leave/1/delete", {C}),
    ("manage.template", "GET", "/manage/S01/templates/new", {C}),
    ("manage.compound", "POST", "/manage/S01/compounds/1", {C}),
    ("manage.travel", "POST", "/manage/S01/travel", {C}),
    ("manage.import_people", "POST", "/manage/S01/import", {C}),
    ("manage.confirm_import", "POST", "/manage/S01/import/confirm", {C}),
    ("visits.station_visits", "GET", "/visits", {C}),
    ("visits.intake", "GET", "/visits/new", {C}),
    ("visits.book", "GET", "/book", {C, R}),
    ("visits.my_bookings", "GET", "/my/bookings", {R}),
    ("visits.booked", "GET", "/visits/BK-NOPE", {C, S, R}),
    ("visits.cancel", "POST", "/visits/BK-NOPE/cancel", {C, R}),
    ("visits.reschedule", "POST", "/visits/BK-NOPE/reschedule", {C, R}),
    ("visits.set_status", "POST", "/visits/BK-NOPE/status", {C, S}),
    ("visits.dispatch_visit", "POST", "/visits/BK-NOPE/dispatch", {C}),
    ("visits.my_visits", "GET", "/me/visits", {S}),
    ("visits.api_intake", "POST", "/api/v1/visits", {C}),
    ("visits.api_slots", "GET", "/api/v1/visits/slots", {C, R}),
    ("visits.api_book", "POST", "/api/v1/visits/bookings", {C, R}),
    ("visits.api_my_bookings", "GET", "/api/v1/visits/bookings", {R}),
    ("visits.api_visit", "GET", "/api/v1/visits/BK-NOPE", {C, S, R}),
    ("visits.api_cancel", "DELETE", "/api/v1/visits/BK-NOPE", {C, R}),
    ("visits.api_reschedule", "PATCH", "/api/v1/visits/BK-NOPE", {C, R}),
    ("visits.api_dispatch", "POST", "/api/v1/visits/BK-NOPE/dispatch", {C}),
    ("calendar.mine", "GET", "/me/calendar", {S}),
    ("calendar.renew_mine", "POST", "/me/calendar/renew", {S}),
    ("calendar.person_page", "GET", "/manage/S01/people/1/calendar", {C}),
    ("calendar.renew_person", "POST", "/manage/S01/people/1/calendar/renew", {C}),
    ("exports.week", "GET", f"/rota/{W}/export.xlsx", {C}),
    ("exports.month", "GET", "/rota/S01/month/2026-12/export.csv", {C}),
]


def test_the_table_covers_every_route(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if not r.endpoint.startswith("feeds.")}

    assert {endpoint for endpoint, *_ in ROUTES} == endpoints


def _expected_refusal(role: str | None, path: str) -> tuple[int, ...]:
    """What a user without the right role gets."""
    if role is None:
        return (401,) if path.startswith("/api/") else (302,)
    return (403,)


@pytest.mark.parametrize(("endpoint", "method", "path", "allowed"), ROUTES, ids=[r[0] for r in ROUTES])
def test_route_for_every_role(
    app: Flask, endpoint: str, method: str, path: str, allowed: set[str | None]
) -> None:
    url = path.replace(A, str(current(app)[0][0]))
    outcomes = {}
    for role in (None, C, S, R):
        client = app.test_client()
        if role is not None:
            login(client, role)
        response = client.open(
            url, method=method, json={} if path.startswith("/api/") and method != "GET" else None
        )
        response.close()
        outcomes[role] = response.status_code
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.status_code)
            assert "/login" not in (response.location or "") or endpoint == "auth.logout", role
        else:
            assert response.status_code in _expected_refusal(role, path), (role, response.status_code)
    assert set(outcomes) == {None, C, S, R}
