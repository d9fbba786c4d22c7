"""Home visits on the web: phone intake, booking with real slots, cancel and move, the lifecycle.

Pages for coordinators (intake, the station's visits), residents (book, their bookings) and staff
(their visits, start/finish with a note), and the same operations as JSON under /api/v1/visits.
The resident's full address and phone are shown only to coordinators and the assigned butler.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.domain import DEFAULT_TIMEZONE, ServiceType, Urgency, VisitStatus
from rota.errors import FieldError, InvalidInput, StateConflict
from rota.models import Person, Station, VisitRequest
from rota.services import booking, dispatch
from rota.services import visits as home
from rota.visits import Resident, VisitState
from web.auth import csrf, role_required
from web.common import now
from web.db import get_session, unit_of_work
from web.views.api import add_converters

bp = Blueprint("visits", __name__)
coordinators = role_required(Role.COORDINATOR)
bookers = role_required(Role.COORDINATOR, Role.RESIDENT)
anyone = role_required(Role.COORDINATOR, Role.RESIDENT, Role.STAFF)
RESIDENT_FIELDS = ("name", "phone", "compound", "building", "flat", "language", "lives_alone")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SERVICE_LABELS = {
    ServiceType.APPLIANCE_REPAIR: _l("Appliance repair"),
    ServiceType.HEALTH_CONSULT: _l("Health consultation"),
    ServiceType.HOUSEKEEPING: _l("Housekeeping visit"),
    ServiceType.FIRST_AID: _l("Emergency first aid"),
}
STATUS_LABELS = {
    VisitStatus.REQUESTED: _l("Requested"),
    VisitStatus.SCHEDULED: _l("Scheduled"),
    VisitStatus.IN_PROGRESS: _l("In progress"),
    VisitStatus.DONE: _l("Done"),
    VisitStatus.CANCELLED: _l("Cancelled"),
    VisitStatus.COULD_NOT_SERVE: _l("Could not serve"),
}
URGENCY_LABELS = {
    Urgency.NORMAL: _l("Normal"),
    Urgency.URGENT: _l("Urgent"),
    Urgency.EMERGENCY: _l("Emergency"),
}
LANGUAGE_LABELS = {"yue": _l("Cantonese"), "cmn": _l("Mandarin")}


bp.record_once(add_converters)  # before the routes: they use <visit_ref:...>


@bp.record_once
def _exempt_api_from_form_csrf(state: BlueprintSetupState) -> None:
    """The JSON routes check CSRF like the rest of the API: only for cookie-authenticated calls."""
    protection = state.app.extensions["rota_csrf"]
    for view in (api_intake, api_book, api_cancel, api_reschedule, api_dispatch):
        protection.exempt(view)


@bp.before_request
def _protect_api() -> None:
    """Unsafe API calls with the session cookie need the X-CSRFToken header; Basic-auth calls do not."""
    if not request.path.startswith("/api/") or request.method not in UNSAFE:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if current_user.is_authenticated and not g.get("basic_auth"):
        csrf().protect()


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """``when(moment)``: local "MM-DD HH:MM"; ``label(value)``: a service, status or urgency by name."""
    return {"when": when, "label": label, "services_labels": SERVICE_LABELS}


def label(value: object) -> str:
    """The translated name of a service type, visit status, urgency or language code."""
    if "visit_labels" not in g:  # translated once per request: a list page asks for hundreds
        tables = (LANGUAGE_LABELS, URGENCY_LABELS, STATUS_LABELS, SERVICE_LABELS)  # the last wins a clash
        g.visit_labels = {key: str(text) for table in tables for key, text in table.items()}
    found = g.visit_labels.get(value)
    return found if found is not None else "" if value is None else str(value)


def when(moment: datetime | None) -> str:
    """An aware datetime as local month-day and time in the default zone (stations share it)."""
    return "" if moment is None else moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%m-%d %H:%M")


def local_iso(moment: datetime | None) -> str | None:
    """An aware datetime as ISO text in the stations' zone."""
    return None if moment is None else moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).isoformat()


def my_station() -> Station:
    """The logged-in user's station (a staff member's is their own)."""
    station = current_user.station or (current_user.person.station if current_user.person else None)
    if station is None:
        abort(404)
    return station  # type: ignore[no-any-return]


def form_data() -> dict[str, Any]:
    """A form post as the services' input (windows from start_N/end_N pairs)."""
    data: dict[str, Any] = {k: v for k, v in request.form.items()}
    data["windows"] = [
        {"start": request.form.get(f"start_{n}"), "end": request.form.get(f"end_{n}")}
        for n in range(home.MAX_WINDOWS)
        if request.form.get(f"start_{n}") or request.form.get(f"end_{n}")
    ]
    return data


def json_data() -> dict[str, Any]:
    """The JSON body, or InvalidInput if it is not an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("expected a JSON object", [FieldError("$", "expected a JSON object")])
    return body


def visible_state(ref: str) -> VisitState:
    """A visit the user may see: coordinators of its station, its butler, its resident."""
    state = home.find_visit(get_session(), ref)
    user = current_user
    if user.role == Role.COORDINATOR and state.visit.station_id == my_station().id:
        return state
    if user.role == Role.STAFF and user.person_id is not None and state.person_id == user.person_id:
        return state
    if user.role == Role.RESIDENT and state.resident is not None and state.resident.user_id == user.id:
        return state
    abort(404)


def visit_json(state: VisitState) -> dict[str, Any]:
    """A visit as JSON; contact details only for coordinators and the assigned butler."""
    visit = state.visit
    data: dict[str, Any] = {
        "reference": state.reference,
        "status": visit.status.value,
        "service_type": visit.service_type.value,
        "urgency": visit.urgency.value,
        "compound": visit.compound.name,
        "person": state.person.name if state.person else None,
        "start": local_iso(state.start_at),
        "end": local_iso(state.end_at),
        "reason": state.reason,
        "note": state.note,
    }
    if home.may_see_contact(
        state, coordinator=current_user.role == Role.COORDINATOR, person_id=current_user.person_id
    ):
        building = visit.building.name if visit.building else None
        data |= {"resident": visit.resident_name, "phone": visit.resident_phone, "building": building}
        data |= {"flat": visit.flat, "description": visit.description}
    return data


def resident_defaults(station: Station) -> dict[str, Any]:
    """The logged-in resident's saved details, to fill the booking form."""
    if current_user.role != Role.RESIDENT:
        return {}
    found = get_session().scalars(select(Resident).where(Resident.user_id == current_user.id)).first()
    if found is None:
        return {}
    return {f: getattr(found, f + "_id", None) or getattr(found, f, None) for f in RESIDENT_FIELDS}


# --- pages ---------------------------------------------------------------------------------------


@bp.get("/visits")
@coordinators
def station_visits() -> str:
    """The station's visits from today for a week, with their state."""
    station = my_station()
    today = now()
    session = get_session()
    visits = session.scalars(
        select(VisitRequest)
        .where(
            VisitRequest.station_id == station.id,
            VisitRequest.window_end >= today - timedelta(days=1),
            VisitRequest.window_start < today + timedelta(days=8),
        )
        .order_by(VisitRequest.window_start)
    ).all()  # held while the page renders: the session keeps loaded objects only while they are in use
    states = home.states_of(session, visits)
    # Store the states made for requests from before booking existed, keeping what was read loaded:
    # expiring it would reload every visit and butler one query at a time while the page renders.
    session.expire_on_commit = False
    session.commit()
    return render_template("visits/list.html", station=station, states=states)


@bp.route("/visits/new", methods=["GET", "POST"])
@coordinators
def intake() -> Response | str:
    """A coordinator records a request taken on the phone."""
    station = my_station()
    if request.method == "POST":
        with unit_of_work() as session:
            state = home.intake(session, station, form_data(), now=now())
            reference = state.reference
        flash(_("Request recorded: %(ref)s", ref=reference), "success")
        return redirect(url_for("visits.station_visits"), 303)
    return render_template(
        "visits/intake.html", station=station, services=list(ServiceType), urgencies=list(Urgency)
    )


@bp.route("/book", methods=["GET", "POST"])
@bookers
def book() -> Response | str:
    """Pick a service and compound, see the slots a butler can really come, book one."""
    station = my_station()
    if request.method == "POST":
        with unit_of_work() as session:
            data = _own_phone(session, station, dict(request.form))
            state = booking.book(session, station, data, now=now(), user_id=_resident_user())
            reference = state.reference
        flash(_("Booked. Your reference is %(ref)s", ref=reference), "success")
        return redirect(url_for("visits.booked", ref=reference), 303)
    service = request.args.get("service_type")
    compound = request.args.get("compound", type=int)
    slots = []
    if service in {s.value for s in ServiceType} and compound is not None:
        slots = booking.available_slots(get_session(), station, ServiceType(service), compound, now=now())
    return render_template(
        "visits/book.html",
        station=station,
        services=list(ServiceType),
        service=service,
        compound=compound,
        slots=slots,
        defaults=resident_defaults(station),
    )


def _own_phone(session: Session, station: Station, data: dict[str, Any]) -> dict[str, Any]:
    """A resident may not book under a phone number that belongs to another resident's account.

    Bookings are the resident's own by the account linked to the phone's resident record, so
    booking with someone else's number would hand their bookings over.
    """
    if current_user.role != Role.RESIDENT:
        return data
    errors: list[FieldError] = []
    phone = home._phone(data.get("phone"), errors)
    if phone is None:
        return data  # the booking's own validation reports it
    owner = session.scalars(
        select(Resident.user_id).where(Resident.station_id == station.id, Resident.phone == phone)
    ).first()
    mine = session.scalars(select(Resident.phone).where(Resident.user_id == current_user.id)).first()
    if (owner is not None and owner != current_user.id) or (mine is not None and mine != phone):
        message = "this phone number cannot be used from this account; please call the station"
        raise InvalidInput("the booking is not valid", [FieldError("phone", message)])
    return data


def _resident_user() -> int | None:
    """The resident's own account id when they book for themselves."""
    return int(current_user.id) if current_user.role == Role.RESIDENT else None


@bp.get("/visits/<ref>")
@anyone
def booked(ref: str) -> str:
    """One visit: state, butler and time, its steps; contact details only for those who may see them."""
    session = get_session()
    state = visible_state(ref)
    data = visit_json(state)
    visit = state.visit
    slots: list[booking.Slot] = []
    if (
        current_user.role in (Role.COORDINATOR, Role.RESIDENT)
        and visit.status in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED)
        and not state.pinned
    ):
        station, service = visit.station, visit.service_type
        slots = booking.available_slots(session, station, service, visit.compound_id, now=now())
    others = []
    if "phone" in data:  # the elder's other visits: for those who may see who the elder is
        others = [s for s in home.history(session, state) if s.visit_id != state.visit_id]
    return render_template(
        "visits/detail.html",
        state=state,
        data=data,
        events=home.events(session, state.visit_id),
        history=others,
        slots=slots,
        may_dispatch=_may_dispatch(state),
        person_name=lambda pid: _person_name(pid) or "",
    )


@bp.get("/my/bookings")
@role_required(Role.RESIDENT)
def my_bookings() -> str:
    """The logged-in resident's own bookings, newest first."""
    return render_template("visits/bookings.html", states=own_bookings())


def own_bookings() -> list[VisitState]:
    """Visits of the residents linked to the logged-in account (never anyone else's)."""
    return list(
        get_session().scalars(
            select(VisitState)
            .join(VisitState.resident)
            .join(VisitState.visit)
            .where(Resident.user_id == current_user.id)
            .order_by(VisitRequest.window_start.desc())
        )
    )


def _may_dispatch(state: VisitState) -> bool:
    """Coordinators may send someone now to a first-aid request that is not under way yet."""
    return (
        current_user.role == Role.COORDINATOR
        and state.visit.service_type == ServiceType.FIRST_AID
        and state.visit.status in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED)
        and not state.pinned
    )


def _person_name(person_id: int | None) -> str | None:
    """A butler's name by id."""
    if person_id is None:
        return None
    person = get_session().get(Person, person_id)
    return person.name if person else None


def _dispatch(ref: str) -> tuple[VisitState, dispatch.Dispatch]:
    """Dispatch now (first aid only) in one unit of work."""
    with unit_of_work() as session:
        state = visible_state(ref)
        if state.visit.service_type != ServiceType.FIRST_AID:
            raise StateConflict("only first-aid requests are dispatched now")
        if state.pinned:
            raise StateConflict("this visit was already dispatched or is under way")
        sent = dispatch.dispatch_now(session, state, now=now())
    return state, sent


def _change_line(change: dispatch.Change) -> str:
    """One changed visit: reference, before and after."""

    def who(person_id: int | None, start: datetime | None) -> str:
        if person_id is None:
            return str(_("not served"))
        return f"{_person_name(person_id) or ''} {when(start)}".strip()

    before, after = who(change.old_person, change.old_start), who(change.new_person, change.new_start)
    return str(_("%(ref)s: %(before)s → %(after)s", ref=change.reference, before=before, after=after))


@bp.post("/visits/<ref>/dispatch")
@coordinators
def dispatch_visit(ref: str) -> Response:
    """Dispatch now: the nearest free qualified butler on duty; the rest of the day re-planned."""
    sent = _dispatch(ref)[1]
    flash(
        _(
            "Dispatched: %(name)s arrives at %(time)s (%(minutes)s minutes' travel).",
            name=sent.person.name,
            time=when(sent.start),
            minutes=sent.travel_minutes,
        ),
        "success",
    )
    if sent.changes:
        flash(_("Other visits changed: %(n)s", n=len(sent.changes)))
        for change in sent.changes:
            flash(_change_line(change))
    else:
        flash(_("No other visit changed."))
    return redirect(url_for("visits.booked", ref=ref), 303)


@bp.post("/visits/<ref>/cancel")
@bookers
def cancel(ref: str) -> Response:
    """Cancel a visit."""
    with unit_of_work() as session:
        booking.cancel(session, visible_state(ref), now=now(), note=request.form.get("note") or None)
    flash(_("Cancelled."), "success")
    return redirect(url_for("visits.booked", ref=ref), 303)


@bp.post("/visits/<ref>/reschedule")
@bookers
def reschedule(ref: str) -> Response:
    """Move a visit to another offered time."""
    with unit_of_work() as session:
        booking.reschedule(session, visible_state(ref), request.form.get("start"), now=now())
    flash(_("Moved."), "success")
    return redirect(url_for("visits.booked", ref=ref), 303)


@bp.post("/visits/<ref>/status")
@role_required(Role.COORDINATOR, Role.STAFF)
def set_status(ref: str) -> Response:
    """Start, finish or give up a visit, with the butler's note."""
    with unit_of_work() as session:
        state = visible_state(ref)
        to = VisitStatus(request.form.get("status", ""))
        home.transition(session, state, to, now=now(), note=request.form.get("note") or None)
    return redirect(url_for("visits.booked", ref=ref), 303)


@bp.get("/me/visits")
@role_required(Role.STAFF)
def my_visits() -> str:
    """The logged-in butler's visits from today on."""
    person_id = current_user.person_id
    start = now() - timedelta(hours=12)
    states = home.staff_visits(get_session(), person_id, start) if person_id else []
    return render_template("visits/mine.html", states=states)


# --- JSON API ------------------------------------------------------------------------------------


@bp.post("/api/v1/visits")
@coordinators
def api_intake() -> tuple[Response, int]:
    """Phone intake as JSON."""
    with unit_of_work() as session:
        state = home.intake(session, my_station(), json_data(), now=now())
        body = visit_json(state)
    return jsonify(body), 201


@bp.get("/api/v1/visits/slots")
@bookers
def api_slots() -> Response:
    """Bookable slots for ?service_type=&compound= over the next week."""
    errors: list[FieldError] = []
    service = home.parse_service(request.args.get("service_type"), errors)
    compound = request.args.get("compound", type=int)
    if compound is None or not 0 < compound <= home.MAX_DB_ID:
        errors.append(FieldError("compound", "the id of a compound is required"))
    if errors or service is None or compound is None:
        raise InvalidInput("bad slot query", errors)
    slots = booking.available_slots(get_session(), my_station(), service, compound, now=now())
    return jsonify(
        [{"start": s.start.isoformat(), "end": s.end.isoformat(), "butlers": s.butlers} for s in slots]
    )


@bp.post("/api/v1/visits/bookings")
@bookers
def api_book() -> tuple[Response, int]:
    """Book a slot; the booking reference comes back."""
    with unit_of_work() as session:
        station = my_station()
        data = _own_phone(session, station, json_data())
        state = booking.book(session, station, data, now=now(), user_id=_resident_user())
        body = visit_json(state)
    return jsonify(body), 201


@bp.get("/api/v1/visits/bookings")
@role_required(Role.RESIDENT)
def api_my_bookings() -> Response:
    """The logged-in resident's own bookings."""
    return jsonify([visit_json(s) for s in own_bookings()])


@bp.post("/api/v1/visits/<visit_ref:ref>/dispatch")
@coordinators
def api_dispatch(ref: str) -> Response:
    """Dispatch now: who goes, when, and the other visits that changed."""
    state, sent = _dispatch(ref)
    changes = [
        {
            "reference": c.reference,
            "old_person": _person_name(c.old_person),
            "old_start": local_iso(c.old_start),
            "new_person": _person_name(c.new_person),
            "new_start": local_iso(c.new_start),
        }
        for c in sent.changes
    ]
    return jsonify(
        {
            "visit": visit_json(state),
            "person": sent.person.name,
            "start": local_iso(sent.start),
            "travel_minutes": sent.travel_minutes,
            "changes": changes,
        }
    )


@bp.get("/api/v1/visits/<visit_ref:ref>")
@anyone
def api_visit(ref: str) -> Response:
    """One visit as JSON."""
    return jsonify(visit_json(visible_state(ref)))


@bp.delete("/api/v1/visits/<visit_ref:ref>")
@bookers
def api_cancel(ref: str) -> Response:
    """Cancel a booking."""
    with unit_of_work() as session:
        state = booking.cancel(session, visible_state(ref), now=now())
        body = visit_json(state)
    return jsonify(body)


@bp.patch("/api/v1/visits/<visit_ref:ref>")
@bookers
def api_reschedule(ref: str) -> Response:
    """Move a booking to {"start": ...}."""
    with unit_of_work() as session:
        state = booking.reschedule(session, visible_state(ref), json_data().get("start"), now=now())
        body = visit_json(state)
    return jsonify(body)
