"""The JSON API under /api/v1: the same operations as the pages, errors in the one shape.

Browsers calling it with their session cookie send the CSRF token in ``X-CSRFToken`` on unsafe
methods; other clients authenticate with HTTP Basic (rate-limited like the login form).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.routing import BaseConverter, IntegerConverter
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.domain import RotaStatus, iso_week_label
from rota.errors import FieldError, InvalidInput, NotFound
from rota.models import Assignment, Rota, Station
from rota.services.rotas import publish as publish_rota
from rota.services.rotas import rota_with_status
from rota.services.stations import find_stations
from web import edits, grid
from web.auth import csrf, role_required
from web.common import now, station_by_ref, week_of
from web.db import get_session, unit_of_work
from web.jobs import registry, start_planning
from web.openapi import openapi_document
from web.shifts import published_shifts, since_last_week

bp = Blueprint("api", __name__, url_prefix="/api/v1")
coordinators = role_required(Role.COORDINATOR)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 999_999_999  # ids have at most nine digits (the database's are 32-bit)


class IdConverter(IntegerConverter):
    """``<id:name>``: a record id, 1 to MAX_ID, bounded in the pattern itself so that a larger number
    is no route (404) rather than an overflow in the database (werkzeug answers 405 when a converter's
    ``max`` refuses a path that routes with other methods)."""

    regex = r"[1-9]\d{0,8}"


class VisitRefConverter(BaseConverter):
    """``<visit_ref:ref>``: a booking reference or visit id, never the sibling routes' names (so that
    ``/visits/slots`` does not also route, and advertise, DELETE and PATCH of a visit called "slots")."""

    regex = r"(?!(?:slots|bookings)$)[^/]+"


def add_converters(state: BlueprintSetupState) -> None:
    """Register ``<id:...>`` and ``<visit_ref:...>``; record this before the blueprint's routes."""
    state.app.url_map.converters.setdefault("id", IdConverter)
    state.app.url_map.converters.setdefault("visit_ref", VisitRefConverter)


bp.record_once(add_converters)


@bp.before_request
def _protect() -> None:
    """Cookie-authenticated unsafe calls need the CSRF token; Basic-authenticated ones do not."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or request.method not in UNSAFE:
        return
    if current_user.is_authenticated and not g.get("basic_auth"):
        csrf().protect()


def _body() -> dict[str, Any]:
    """The request's JSON object ({} when empty); InvalidInput when it is not an object."""
    if not request.data:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", [FieldError("body", "not a JSON object")])
    return data


def _int(
    body: dict[str, Any], name: str, *, required: bool = True, low: int = 1, high: int = MAX_ID
) -> int | None:
    """An integer field within bounds; an optional one may be left out, but not sent as null."""
    if name not in body and not required:
        return None
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            "invalid field", [FieldError(name, f"an integer from {low} to {high} is required")]
        )
    return value


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())


@bp.get("/stations")
@coordinators
def stations() -> Response:
    """Every station."""
    return jsonify([_station_json(s) for s in find_stations(get_session())])


def _station_json(station: Station) -> dict[str, Any]:
    """A station's public fields."""
    return {"id": station.id, "code": station.code, "name": station.name, "timezone": station.timezone}


@bp.get("/stations/<station>/weeks/<week>/rota")
@coordinators
def rota(station: str, week: str) -> Response:
    """The week's current version (draft, else published) with cells, holes and scores."""
    shown = grid.load_week(get_session(), station_by_ref(station), week_of(week))
    return jsonify(week_json(shown))


def week_json(shown: grid.WeekGrid) -> dict[str, Any]:
    """A station-week as JSON."""
    current = shown.rota
    explanation = shown.explanation
    return {
        "station": _station_json(shown.station),
        "week": iso_week_label(shown.week_start),
        "rota": _rota_json(current) if current else None,
        "published_version": shown.published.version if shown.published else None,
        "shifts": [_cell_json(c) for c in sorted(shown.cells.values(), key=lambda c: c.shift.start_at)],
        "breakdown": explanation.get("breakdown", []),
        "person_load": explanation.get("person_load", []),
        "org_load": explanation.get("org_load", []),
    }


def _rota_json(found: Rota) -> dict[str, Any]:
    """A rota version's header."""
    return {
        "id": found.id,
        "status": found.status.value,
        "version": found.version,
        "lock_version": found.lock_version,
        "solver_status": found.solver_status,
        "objective": found.objective,
        "bound": found.bound,
    }


def _cell_json(cell: grid.Cell) -> dict[str, Any]:
    """One shift with its people and holes."""
    shift = cell.shift
    return {
        "id": shift.id,
        "key": cell.key,
        "date": shift.date.isoformat(),
        "template": shift.template.code,
        "start_at": shift.start_at.isoformat(),
        "end_at": shift.end_at.isoformat(),
        "assignments": [
            {
                "id": a.id,
                "person_id": a.person_id,
                "person": a.person.name,
                "org": a.person.org.name,
                "pinned": a.pinned,
            }
            for a in cell.assignments
        ],
        "holes": [{"missing": h["missing"], "reason": h["reason"]} for h in cell.holes],
    }


@bp.post("/stations/<station>/weeks/<week>/generate")
@coordinators
def generate(station: str, week: str) -> tuple[Response, int, dict[str, str]]:
    """Start a background solve; poll the job it returns."""
    limit = _int(_body(), "time_limit", required=False, high=300)
    job = start_planning(station_by_ref(station).id, week_of(week), limit)
    location = url_for("api.job", job_id=job.id)
    return jsonify(job.as_json()), 202, {"Location": location}


@bp.get("/jobs/<job_id>")
@coordinators
def job(job_id: str) -> Response:
    """A planning job's progress and outcome."""
    return jsonify(registry().get(job_id).as_json())


@bp.post("/jobs/<job_id>/stop")
@coordinators
def stop(job_id: str) -> tuple[Response, int]:
    """Ask a planning job to stop at its next solution."""
    found = registry().get(job_id)
    found.stop.set()
    return jsonify(found.as_json()), 202


@bp.post("/stations/<station>/weeks/<week>/publish")
@coordinators
def publish(station: str, week: str) -> Response:
    """Publish the week's draft (optionally only if it is still at ``lock_version``)."""
    expected = _int(_body(), "lock_version", required=False)
    with unit_of_work() as session:
        found, week_start = station_by_ref(station), week_of(week)
        draft = rota_with_status(session, found.id, week_start, RotaStatus.DRAFT)
        edits.require_version(draft, expected)
        (published,) = publish_rota(session, stations=[found], week_start=week_start, now=now())
        body = _rota_json(published)
    return jsonify(body)


def _assignment_id(assignment_id: int) -> int:
    """The id of an assignment in a current rota, or NotFound."""
    found = get_session().get(Assignment, assignment_id)
    if found is None or found.rota.status == RotaStatus.SUPERSEDED:
        raise NotFound(f"assignment {assignment_id} not found in a current rota")
    return found.id


@bp.post("/assignments/<id:assignment_id>/pin")
@coordinators
def pin(assignment_id: int) -> Response:
    """Pin (``{"pinned": true}``) or unpin an assignment."""
    pinned = _body().get("pinned", True)
    if not isinstance(pinned, bool):
        raise InvalidInput("invalid field", [FieldError("pinned", "true or false")])
    with unit_of_work() as session:
        body = _rota_json(edits.set_pinned(session, _assignment_id(assignment_id), pinned, now()))
    return jsonify(body)


@bp.post("/assignments/<id:assignment_id>/move")
@coordinators
def move(assignment_id: int) -> Response:
    """Move an assignment to ``shift_id`` (refused with the broken rules if any hard rule breaks)."""
    shift_id = _int(_body(), "shift_id")
    with unit_of_work() as session:
        body = _rota_json(edits.move(session, _assignment_id(assignment_id), int(shift_id or 0), now()))
    return jsonify(body)


@bp.delete("/assignments/<id:assignment_id>")
@coordinators
def remove(assignment_id: int) -> Response:
    """Take the person off the shift."""
    with unit_of_work() as session:
        body = _rota_json(edits.remove(session, _assignment_id(assignment_id), now()))
    return jsonify(body)


@bp.post("/stations/<station>/weeks/<week>/assignments")
@coordinators
def add(station: str, week: str) -> tuple[Response, int]:
    """Put ``person_id`` on ``shift_id`` (pinned), checked against the hard rules."""
    body = _body()
    shift_id, person_id = _int(body, "shift_id"), _int(body, "person_id")
    with unit_of_work() as session:
        found = station_by_ref(station)
        draft = edits.editable_draft(session, found.id, week_of(week), now())
        result = _rota_json(edits.add(session, draft, int(shift_id or 0), int(person_id or 0)))
    return jsonify(result), 201


@bp.get("/me/shifts")
@role_required(Role.STAFF)
def my_shifts() -> Response:
    """The caller's published shifts from last week on."""
    person = current_user.person
    if person is None:
        return jsonify([])
    today = now().date()
    return jsonify(
        [
            {
                "shift_id": s.id,
                "station": s.station.code,
                "date": s.date.isoformat(),
                "template": s.template.code,
                "name_zh": s.template.name_zh,
                "name_en": s.template.name_en,
                "start_at": s.start_at.isoformat(),
                "end_at": s.end_at.isoformat(),
            }
            for s in published_shifts(get_session(), person.id, since_last_week(today))
        ]
    )
