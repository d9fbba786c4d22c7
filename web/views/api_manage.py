"""Coordinators managing a station as JSON under /api/v1 (issue 5): organisations, people with skills
and certificates, shift templates with coverage needs, compounds with buildings, a CSV import of people.

Thin routes over ``rota.services.people``, ``rota.services.templates`` and
``rota.services.csv_import``: the JSON body's fields are the pages' form fields (see
``rota.services.people.PERSON_FIELDS``), checked by the same code, all or nothing; a refusal is a 422
whose details name each field (or CSV row and column).  Authentication and CSRF as in
``web.views.api``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.errors import FieldError, InvalidInput
from rota.models import (
    Compound,
    Leave,
    Organisation,
    Person,
    ShiftTemplate,
    Station,
    TravelTime,
    WeeklyAvailability,
)
from rota.services import people, templates
from rota.services.csv_import import MAX_BYTES, import_people
from web.auth import role_required
from web.common import now, station_by_ref
from web.db import get_session, unit_of_work
from web.views.api import MAX_ID, _body, _protect, add_converters

T = TypeVar("T")

bp = Blueprint("api_manage", __name__, url_prefix="/api/v1/stations/<station>")
bp.before_request(_protect)
bp.record_once(add_converters)
coordinators = role_required(Role.COORDINATOR)


@bp.record_once
def _exempt_from_form_csrf(state: BlueprintSetupState) -> None:
    """The API checks CSRF itself: only for cookie-authenticated calls."""
    state.app.extensions["rota_csrf"].exempt(bp)


# --- the body as the form's text fields --------------------------------------------------------


TEXT: tuple[type, ...] = (str,)
INTEGER: tuple[type, ...] = (int,)
NUMBER: tuple[type, ...] = (int, float)
FLAG: tuple[type, ...] = (bool,)
TEXT_OR_LIST: tuple[type, ...] = (str, list)
TEXT_OR_ID: tuple[type, ...] = (str, int)
KIND_NAMES = {
    TEXT: "text", INTEGER: "an integer", NUMBER: "a number", FLAG: "true or false",
    TEXT_OR_LIST: "text or a list", TEXT_OR_ID: "text or an integer",
}  # fmt: skip
ORG_FIELDS = {"name": TEXT, "kind": TEXT, "quota": NUMBER}
PERSON_FIELDS = {
    "name": TEXT, "org": TEXT_OR_ID, "phone": TEXT, "languages": TEXT_OR_LIST, "skills": TEXT_OR_LIST,
    "fte": NUMBER, "max_shifts_per_day": INTEGER, **{name: INTEGER for name, _, _ in people.LIMITS},
}  # fmt: skip
TEMPLATE_FIELDS = {
    "code": TEXT, "name_zh": TEXT, "name_en": TEXT, "weekdays": TEXT_OR_LIST, "start": TEXT, "end": TEXT,
    "night": FLAG, "paid_minutes": INTEGER, "required_skills": TEXT_OR_LIST, "forbidden_next": TEXT_OR_LIST,
    "needs": TEXT_OR_LIST,
}  # fmt: skip
COMPOUND_FIELDS = {"name": TEXT, "buildings": TEXT_OR_LIST}
WINDOW_FIELDS = {"weekday": INTEGER, "start": TEXT, "end": TEXT}
LEAVE_FIELDS = {"start": TEXT, "end": TEXT, "status": TEXT, "reason": TEXT}
TRAVEL_FIELDS = {"from": INTEGER, "to": INTEGER, "minutes": INTEGER}


def _fields(body: Mapping[str, Any], kinds: Mapping[str, tuple[type, ...]]) -> dict[str, str]:
    """The body's known fields as the text the services read, each of its documented JSON type (null:
    empty): numbers as text, true as "y", lists joined by commas (``needs`` by lines), ``skills`` also
    as objects ``{"skill", "valid_until"}``.  Other fields are ignored."""
    values: dict[str, str] = {}
    errors = []
    for name, kind in kinds.items():
        value = body.get(name)
        if value is None:
            if name in body:
                values[name] = ""
        elif not _is_a(value, kind):
            errors.append(FieldError(name, KIND_NAMES[kind]))
        elif isinstance(value, bool):
            values[name] = "y" if value else ""
        elif isinstance(value, list):
            items = [_item(name, v) for v in value]
            if any(i is None for i in items):
                errors.append(FieldError(name, "a list of strings"))
            else:
                values[name] = ("\n" if name == "needs" else ", ").join(str(i) for i in items)
        else:
            values[name] = str(value)
    if errors:
        raise InvalidInput("invalid fields", errors)
    return values


def _is_a(value: Any, kind: tuple[type, ...]) -> bool:
    """True if a JSON value has one of the types (a boolean is no number; an integer is at most
    MAX_ID either way, the database's ids and counts being 32-bit)."""
    if isinstance(value, bool):
        return bool in kind
    if isinstance(value, int):
        return int in kind and abs(value) <= MAX_ID
    return isinstance(value, kind)


def _item(name: str, value: Any) -> str | None:
    """One list item as text (a skill object as ``skill:YYYY-MM-DD``)."""
    if isinstance(value, str | int):
        return str(value)
    if name == "skills" and isinstance(value, dict) and isinstance(value.get("skill"), str):
        until = value.get("valid_until")
        return f"{value['skill']}:{until}" if isinstance(until, str) and until else value["skill"]
    return None


class _Saver(Protocol[T]):
    """A service creating (without ``existing``) or updating a row of a station from form fields."""

    def __call__(
        self, session: Session, station: Station, values: Mapping[str, str], existing: T | None = None, /
    ) -> T: ...


def _saved(
    station: str,
    kinds: Mapping[str, tuple[type, ...]],
    save: _Saver[T],
    as_json: Callable[[T], dict[str, Any]],
    existing: Callable[[Session, Station], T] | None = None,
) -> Response:
    """Create a row from the body's fields, or update the one ``existing`` finds; the row as JSON."""
    values = _fields(_body(), kinds)
    with unit_of_work() as session:
        found = _station(station)
        result = as_json(save(session, found, values, existing(session, found) if existing else None))
    return jsonify(result)


def _by_id(get: Callable[[Session, Station, int], T], item_id: int) -> Callable[[Session, Station], T]:
    """Finds the row of the URL's id at the URL's station (NotFound otherwise)."""
    return lambda session, station: get(session, station, item_id)


def _station(station: str) -> Station:
    """The station of the URL."""
    return station_by_ref(station)


# --- JSON of the records -----------------------------------------------------------------------


def org_json(org: Organisation) -> dict[str, Any]:
    """An organisation."""
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "quota_percent": org.quota_permille / 10,
    }


def person_json(person: Person) -> dict[str, Any]:
    """A person with skills (certificates with their last valid day and days left) and limits."""
    today = now().astimezone(ZoneInfo(person.station.timezone)).date()
    return {
        "id": person.id,
        "name": person.name,
        "org_id": person.org_id,
        "org": person.org.name,
        "phone": person.phone,
        "languages": list(person.languages),
        "skills": [
            {
                "skill": s.skill,
                "valid_until": s.valid_until.isoformat() if s.valid_until else None,
                "days_left": (s.valid_until - today).days if s.valid_until else None,
                "expiry_warning": s.valid_until is not None
                and (s.valid_until - today).days <= people.EXPIRY_WARNING_DAYS,
            }
            for s in person.skills
        ],
        "fte": person.fte_permille / 1000,
        "max_shifts_per_day": person.max_shifts_per_day,
        **{name: getattr(person, name) for name, _, _ in people.LIMITS},
        "active": person.active,
    }


def template_json(template: ShiftTemplate) -> dict[str, Any]:
    """A shift template with its coverage needs."""
    return {
        "id": template.id,
        "code": template.code,
        "name_zh": template.name_zh,
        "name_en": template.name_en,
        "weekdays": list(template.weekdays),
        "start": template.start_time.strftime("%H:%M"),
        "end": template.end_time.strftime("%H:%M"),
        "night": template.night,
        "paid_minutes": template.paid_minutes,
        "required_skills": list(template.required_skills),
        "forbidden_next": list(template.forbidden_next),
        "needs": [dict(n) for n in template.needs],
    }


def compound_json(compound: Compound) -> dict[str, Any]:
    """A compound with its buildings."""
    return {
        "id": compound.id,
        "name": compound.name,
        "buildings": [{"id": b.id, "name": b.name} for b in compound.buildings],
    }


def window_json(window: WeeklyAvailability) -> dict[str, Any]:
    """A weekly availability window (Monday = 0)."""
    return {
        "id": window.id,
        "person_id": window.person_id,
        "weekday": window.weekday,
        "start": window.start_time.strftime("%H:%M"),
        "end": window.end_time.strftime("%H:%M"),
    }


def manage_leave_json(leave: Leave, zone: str) -> dict[str, Any]:
    """A leave with its first and last local day."""
    first, last = people.leave_days(leave, zone)
    return {
        "id": leave.id,
        "person_id": leave.person_id,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "status": leave.status.value,
        "reason": leave.reason,
    }


def travel_json(travel: TravelTime) -> dict[str, Any]:
    """Minutes from one compound to another."""
    return {"from": travel.from_compound_id, "to": travel.to_compound_id, "minutes": travel.minutes}


# --- organisations -----------------------------------------------------------------------------


@bp.get("/organisations")
@coordinators
def organisations(station: str) -> Response:
    """The station's organisations."""
    return jsonify([org_json(o) for o in _station(station).organisations])


@bp.post("/organisations")
@coordinators
def create_organisation(station: str) -> tuple[Response, int]:
    """Add an organisation: ``name``, ``kind``, ``quota`` (percent of the duty)."""
    return _saved(station, ORG_FIELDS, people.save_org, org_json), 201


@bp.put("/organisations/<id:org_id>")
@coordinators
def update_organisation(station: str, org_id: int) -> Response:
    """Change an organisation (every field, as when creating)."""
    return _saved(station, ORG_FIELDS, people.save_org, org_json, _by_id(people.get_org, org_id))


# --- people ------------------------------------------------------------------------------------


@bp.get("/people")
@coordinators
def list_people(station: str) -> Response:
    """The station's people with skills, certificates and limits."""
    found = people.station_people(get_session(), _station(station))
    return jsonify([person_json(p) for p in found])


@bp.get("/people/<id:person_id>")
@coordinators
def get_person(station: str, person_id: int) -> Response:
    """One person."""
    return jsonify(person_json(people.get_person(get_session(), _station(station), person_id)))


@bp.post("/people")
@coordinators
def create_person(station: str) -> tuple[Response, int]:
    """Add a person (the form's fields; ``skills`` as ``["first_aid:2027-03-31"]`` or objects)."""
    return _saved(station, PERSON_FIELDS, people.save_person, person_json), 201


@bp.put("/people/<id:person_id>")
@coordinators
def update_person(station: str, person_id: int) -> Response:
    """Change a person (every field, as when creating; fields left out are cleared or defaulted)."""
    return _saved(
        station, PERSON_FIELDS, people.save_person, person_json, _by_id(people.get_person, person_id)
    )


@bp.put("/people/<id:person_id>/active")
@coordinators
def set_person_active(station: str, person_id: int) -> Response:
    """Deactivate a person who left (``{"active": false}``) or bring them back; with the number of
    published shifts still ahead that name them (weeks to re-plan)."""
    active = _body().get("active")
    if not isinstance(active, bool):
        raise InvalidInput("invalid fields", [FieldError("active", "true or false")])
    with unit_of_work() as session:
        person = people.get_person(session, _station(station), person_id)
        ahead = people.set_active(session, person, active, now=now())
        result = {"person": person_json(person), "published_shifts_ahead": ahead}
    return jsonify(result)


@bp.post("/people/import")
@coordinators
def import_csv(station: str) -> tuple[Response, int]:
    """Import people from CSV (the raw body as text/csv, or ``{"csv": "..."}``): all or nothing,
    each problem in the details as ``row N, column C``."""
    if request.mimetype == "application/json":
        text = _body().get("csv")
        if not isinstance(text, str):
            raise InvalidInput("invalid field", [FieldError("csv", "the CSV file's text is required")])
        data = text.encode()
    else:
        data = request.get_data(cache=False)[: MAX_BYTES + 1]
    with unit_of_work() as session:
        result = [person_json(p) for p in import_people(session, _station(station), data)]
    return jsonify(result), 201


# --- shift templates -----------------------------------------------------------------------------


@bp.get("/templates")
@coordinators
def list_templates(station: str) -> Response:
    """The station's shift templates with their coverage needs."""
    return jsonify([template_json(t) for t in _station(station).shift_templates])


@bp.post("/templates")
@coordinators
def create_template(station: str) -> tuple[Response, int]:
    """Add a shift template (``needs``: lines like ``2 skill=first_aid``)."""
    return _saved(station, TEMPLATE_FIELDS, templates.save_template, template_json), 201


@bp.put("/templates/<id:template_id>")
@coordinators
def update_template(station: str, template_id: int) -> Response:
    """Change a shift template; existing shifts keep the needs they were made with."""
    return _saved(
        station,
        TEMPLATE_FIELDS,
        templates.save_template,
        template_json,
        _by_id(templates.get_template, template_id),
    )


# --- compounds -----------------------------------------------------------------------------------


@bp.get("/compounds")
@coordinators
def list_compounds(station: str) -> Response:
    """The station's compounds with their buildings."""
    return jsonify([compound_json(c) for c in _station(station).compounds])


@bp.post("/compounds")
@coordinators
def create_compound(station: str) -> tuple[Response, int]:
    """Add a compound: ``name`` and ``buildings`` (a list or comma-separated)."""
    return _saved(station, COMPOUND_FIELDS, templates.save_compound, compound_json), 201


@bp.put("/compounds/<id:compound_id>")
@coordinators
def update_compound(station: str, compound_id: int) -> Response:
    """Change a compound; buildings with visit requests cannot be removed."""
    return _saved(
        station,
        COMPOUND_FIELDS,
        templates.save_compound,
        compound_json,
        _by_id(templates.get_compound, compound_id),
    )


# --- availability and leave of a person ----------------------------------------------------------


@bp.post("/people/<id:person_id>/availability")
@coordinators
def add_availability(station: str, person_id: int) -> tuple[Response, int]:
    """Add a weekly window: ``weekday`` (0 = Monday), ``start`` and ``end`` as HH:MM."""
    values = _fields(_body(), WINDOW_FIELDS)
    with unit_of_work() as session:
        person = people.get_person(session, _station(station), person_id)
        result = window_json(people.add_availability(session, person, values))
    return jsonify(result), 201


@bp.delete("/people/<id:person_id>/availability/<id:window_id>")
@coordinators
def remove_availability(station: str, person_id: int, window_id: int) -> Response:
    """Delete one of the person's weekly windows."""
    with unit_of_work() as session:
        person = people.get_person(session, _station(station), person_id)
        people.remove_availability(session, person, window_id)
    return jsonify({"id": window_id, "status": "deleted"})


@bp.post("/people/<id:person_id>/leave")
@coordinators
def add_leave(station: str, person_id: int) -> tuple[Response, int]:
    """Record leave: ``start`` and ``end`` days (inclusive), ``status``, optional ``reason``."""
    values = _fields(_body(), LEAVE_FIELDS)
    with unit_of_work() as session:
        found = _station(station)
        person = people.get_person(session, found, person_id)
        result = manage_leave_json(people.add_leave(session, person, values), found.timezone)
    return jsonify(result), 201


@bp.delete("/people/<id:person_id>/leave/<id:leave_id>")
@coordinators
def remove_leave(station: str, person_id: int, leave_id: int) -> Response:
    """Delete one of the person's leaves."""
    with unit_of_work() as session:
        person = people.get_person(session, _station(station), person_id)
        people.remove_leave(session, person, leave_id)
    return jsonify({"id": leave_id, "status": "deleted"})


# --- travel times --------------------------------------------------------------------------------


@bp.put("/travel")
@coordinators
def set_travel(station: str) -> Response:
    """Set the minutes between two compounds (``from``, ``to`` ids, ``minutes``), both ways."""
    values = _fields(_body(), TRAVEL_FIELDS)
    with unit_of_work() as session:
        result = [travel_json(t) for t in templates.set_travel_time(session, _station(station), values)]
    return jsonify(result)
