"""Coordinators manage a station: organisations, people (skills, certificates, limits, availability,
leave), shift templates with coverage needs, compounds with buildings and travel times, and a CSV
import of people.

Each form post is one unit of work.  A form with wrong fields is shown again with a message next
to each field (422) and nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.domain import LANGUAGES, SKILLS, WEEKDAYS_EN, WEEKDAYS_ZH, LeaveStatus, OrgKind
from rota.errors import FieldError, InvalidInput
from rota.models import Person, Station
from rota.services import csv_import, people, templates
from rota.services.stations import find_stations
from web.auth import role_required
from web.common import now, pick, station_by_ref
from web.db import get_session, unit_of_work
from web.forms import ActionForm, validated

bp = Blueprint("manage", __name__, url_prefix="/manage")
coordinators = role_required(Role.COORDINATOR)
T = TypeVar("T")

PERSON_LABELS = {
    "name": _l("Name"),
    "org": _l("Organisation"),
    "phone": _l("Phone"),
    "languages": _l("Languages"),
    "skills": _l("Skills and certificates"),
    "fte": _l("Contract (FTE, 0 to 1)"),
    "max_shifts_per_day": _l("Most shifts a day"),
    "max_shifts_per_week": _l("Most shifts a week"),
    "max_minutes_per_week": _l("Most minutes a week"),
    "min_minutes_per_week": _l("Fewest minutes a week"),
    "max_consecutive_days": _l("Most days in a row"),
    "min_consecutive_days_off": _l("Fewest days off in a row"),
    "max_weekends_per_window": _l("Most weekends in four weeks"),
    "min_rest_minutes": _l("Least rest between shifts (minutes)"),
}
ORG_KINDS = {
    "cadre": _l("Community cadres"),
    "property": _l("Property management"),
    "housekeeping": _l("Housekeeping"),
    "clinic": _l("Clinic"),
    "volunteer": _l("Volunteers"),
}
SKILL_LABELS = {
    "intake": _l("Intake"),
    "hotline": _l("Hotline"),
    "mediation": _l("Mediation"),
    "escort": _l("Escort"),
    "appliance_repair": _l("Appliance repair"),
    "electrics": _l("Electrics"),
    "plumbing": _l("Plumbing"),
    "cleaning": _l("Cleaning"),
    "cooking": _l("Cooking"),
    "bathing": _l("Bathing"),
    "health_consult": _l("Health consultation"),
    "blood_pressure": _l("Blood pressure"),
    "first_aid": _l("First aid"),
}
LEAVE_STATUSES = {"requested": _l("Requested"), "approved": _l("Approved"), "declined": _l("Declined")}


@bp.context_processor
def _labels() -> dict[str, Any]:
    """Localised names of kinds, skills, statuses and weekdays for the management pages."""
    return {
        "org_kind_label": lambda kind: str(ORG_KINDS.get(kind, kind)),
        "skill_label": lambda skill: str(SKILL_LABELS.get(skill, skill)),
        "leave_status_label": lambda status: str(LEAVE_STATUSES.get(status, status)),
        "weekday_name": lambda day: pick(WEEKDAYS_ZH[day], WEEKDAYS_EN[day]),
        "need_text": templates.need_text,
    }


def _today(station: Station) -> date:
    """Today in the station's zone."""
    return now().astimezone(ZoneInfo(station.timezone)).date()


def _form_values() -> dict[str, str]:
    """The posted fields (a multi-valued field joined by commas); CSRF checked first."""
    validated(ActionForm())
    return {key: ",".join(request.form.getlist(key)) for key in request.form if key != "csrf_token"}


def _save(action: Callable[[], T]) -> tuple[T | None, dict[str, list[str]]]:
    """Run a change as one unit of work: (result, no errors) or (None, messages by field)."""
    try:
        with unit_of_work():
            return action(), {}
    except InvalidInput as error:
        return None, people.field_errors(error)


def _index(station: Station, anchor: str) -> Response:
    """Back to the station's management page, at a section."""
    return redirect(url_for("manage.station", station=station.code, _anchor=anchor), 303)


@bp.get("/")
@coordinators
def start() -> Response:
    """The chosen station's management page (the first station's by default)."""
    ref = request.args.get("station") or find_stations(get_session())[0].code
    return redirect(url_for("manage.station", station=ref))


@bp.get("/<station>")
@coordinators
def station(station: str) -> str:
    """Everything a station has: organisations, people with certificate warnings, templates, compounds."""
    session = get_session()
    found = station_by_ref(station)
    staff = people.station_people(session, found)
    return render_template(
        "manage/index.html",
        station=found,
        stations=find_stations(session),
        people=staff,
        warnings=people.certificate_warnings([p for p in staff if p.active], _today(found)),
        travel=templates.station_travel(found),
        skills=SKILLS,
    )


# --- organisations ---------------------------------------------------------------------------


@bp.route("/<station>/orgs/new", methods=["GET", "POST"], defaults={"org_id": None})
@bp.route("/<station>/orgs/<int:org_id>", methods=["GET", "POST"])
@coordinators
def org(station: str, org_id: int | None) -> Response | tuple[str, int] | str:
    """Add or edit an organisation (name, kind, quota)."""
    found = station_by_ref(station)
    existing = people.get_org(get_session(), found, org_id) if org_id is not None else None
    if request.method == "GET":
        values = people.org_fields(existing) if existing else {"kind": OrgKind.VOLUNTEER.value}
        return _org_page(found, values, {}, existing is not None)
    values = _form_values()
    saved, errors = _save(lambda: people.save_org(get_session(), found, values, existing))
    if saved is None:
        return _org_page(found, values, errors, existing is not None), 422
    flash(_("Saved."), "success")
    return _index(found, "orgs")


def _org_page(
    found: Station, values: Mapping[str, str], errors: Mapping[str, list[str]], editing: bool
) -> str:
    """The organisation form."""
    return render_template(
        "manage/org.html", station=found, values=values, errors=errors, editing=editing, kinds=list(OrgKind)
    )


# --- people ----------------------------------------------------------------------------------


@bp.route("/<station>/people/new", methods=["GET", "POST"], defaults={"person_id": None})
@bp.route("/<station>/people/<int:person_id>", methods=["GET", "POST"])
@coordinators
def person(station: str, person_id: int | None) -> Response | tuple[str, int] | str:
    """Add or edit a person: organisation, contact, languages, skills with certificates, limits."""
    found = station_by_ref(station)
    existing = people.get_person(get_session(), found, person_id) if person_id is not None else None
    if request.method == "GET":
        values = people.person_fields(existing) if existing else {"fte": "1", "max_shifts_per_day": "1"}
        return _person_page(found, existing, values, {})
    values = _form_values()
    saved, errors = _save(lambda: people.save_person(get_session(), found, values, existing))
    if saved is None:
        return _person_page(found, existing, values, errors), 422
    flash(_("Saved."), "success")
    return redirect(url_for("manage.person", station=found.code, person_id=saved.id), 303)


def _person_page(
    found: Station, existing: Person | None, values: Mapping[str, str], errors: Mapping[str, list[str]]
) -> str:
    """The person form, with availability and leave for an existing person."""
    leaves = (
        [(leave, *people.leave_days(leave, found.timezone)) for leave in existing.leaves] if existing else []
    )
    return render_template(
        "manage/person.html",
        station=found,
        person=existing,
        values=values,
        errors=errors,
        labels=PERSON_LABELS,
        limits=[name for name, _low, _high in people.LIMITS],
        languages=LANGUAGES,
        skills=SKILLS,
        warnings=people.certificate_warnings([existing], _today(found)) if existing else [],
        leaves=leaves,
        leave_statuses=list(LeaveStatus),
    )


def _person_change(station: str, person_id: int, change: Callable[[Person], object]) -> Response:
    """Apply a change to a person's availability or leave and go back to the person."""
    validated(ActionForm())
    with unit_of_work() as session:
        found = station_by_ref(station)
        change(people.get_person(session, found, person_id))
    flash(_("Saved."), "success")
    return redirect(url_for("manage.person", station=found.code, person_id=person_id), 303)


@bp.post("/<station>/people/<int:person_id>/active")
@coordinators
def set_active(station: str, person_id: int) -> Response:
    """Deactivate a person who left the station, or bring them back (``active`` = 0 or 1)."""
    validated(ActionForm())
    active = request.form.get("active") == "1"
    with unit_of_work() as session:
        found = station_by_ref(station)
        ahead = people.set_active(session, people.get_person(session, found, person_id), active, now=now())
    if active:
        flash(_("Active again: planned from the next solve on."), "success")
    elif ahead:
        flash(
            _(
                "Deactivated. %(n)s published shifts ahead still name this person: re-plan those weeks.",
                n=ahead,
            ),
            "error",
        )
    else:
        flash(_("Deactivated: no longer planned, dispatched or offered to residents."), "success")
    return redirect(url_for("manage.person", station=found.code, person_id=person_id), 303)


@bp.post("/<station>/people/<int:person_id>/availability")
@coordinators
def add_availability(station: str, person_id: int) -> Response:
    """Add a weekly availability window."""
    values = _form_values()
    return _person_change(station, person_id, lambda p: people.add_availability(get_session(), p, values))


@bp.post("/<station>/people/<int:person_id>/availability/<int:window_id>/delete")
@coordinators
def remove_availability(station: str, person_id: int, window_id: int) -> Response:
    """Delete a weekly availability window."""
    return _person_change(
        station, person_id, lambda p: people.remove_availability(get_session(), p, window_id)
    )


@bp.post("/<station>/people/<int:person_id>/leave")
@coordinators
def add_leave(station: str, person_id: int) -> Response:
    """Add leave (first and last day, status, reason)."""
    values = _form_values()
    return _person_change(station, person_id, lambda p: people.add_leave(get_session(), p, values))


@bp.post("/<station>/people/<int:person_id>/leave/<int:leave_id>/delete")
@coordinators
def remove_leave(station: str, person_id: int, leave_id: int) -> Response:
    """Delete a leave."""
    return _person_change(station, person_id, lambda p: people.remove_leave(get_session(), p, leave_id))


# --- shift templates -------------------------------------------------------------------------


@bp.route("/<station>/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/<station>/templates/<int:template_id>", methods=["GET", "POST"])
@coordinators
def template(station: str, template_id: int | None) -> Response | tuple[str, int] | str:
    """Add or edit a shift template and its coverage needs."""
    found = station_by_ref(station)
    existing = templates.get_template(get_session(), found, template_id) if template_id is not None else None
    if request.method == "GET":
        values = templates.template_fields(existing) if existing else {"needs": "1"}
        return _template_page(found, values, {}, existing is not None)
    values = _form_values()
    saved, errors = _save(lambda: templates.save_template(get_session(), found, values, existing))
    if saved is None:
        return _template_page(found, values, errors, existing is not None), 422
    flash(_("Saved."), "success")
    return _index(found, "templates")


def _template_page(
    found: Station, values: Mapping[str, str], errors: Mapping[str, list[str]], editing: bool
) -> str:
    """The shift template form."""
    chosen = {int(d) for d in values.get("weekdays", "").split(",") if d.strip().isdigit()}
    return render_template(
        "manage/template.html",
        station=found,
        values=values,
        errors=errors,
        editing=editing,
        chosen_days=chosen,
        needs_problems=[(k, m) for k, messages in errors.items() if k.startswith("needs") for m in messages],
        skills=SKILLS,
        kinds=list(OrgKind),
    )


# --- compounds -------------------------------------------------------------------------------


@bp.route("/<station>/compounds/new", methods=["GET", "POST"], defaults={"compound_id": None})
@bp.route("/<station>/compounds/<int:compound_id>", methods=["GET", "POST"])
@coordinators
def compound(station: str, compound_id: int | None) -> Response | tuple[str, int] | str:
    """Add or edit a compound and its buildings."""
    found = station_by_ref(station)
    existing = templates.get_compound(get_session(), found, compound_id) if compound_id is not None else None
    if request.method == "GET":
        values = templates.compound_fields(existing) if existing else {}
        return _compound_page(found, values, {}, existing is not None)
    values = _form_values()
    saved, errors = _save(lambda: templates.save_compound(get_session(), found, values, existing))
    if saved is None:
        return _compound_page(found, values, errors, existing is not None), 422
    flash(_("Saved."), "success")
    return _index(found, "compounds")


def _compound_page(
    found: Station, values: Mapping[str, str], errors: Mapping[str, list[str]], editing: bool
) -> str:
    """The compound form."""
    return render_template(
        "manage/compound.html", station=found, values=values, errors=errors, editing=editing
    )


@bp.post("/<station>/travel")
@coordinators
def travel(station: str) -> Response:
    """Set the minutes between two compounds (both ways)."""
    values = _form_values()
    with unit_of_work() as session:
        found = station_by_ref(station)
        templates.set_travel_time(session, found, values)
    flash(_("Saved."), "success")
    return _index(found, "compounds")


# --- CSV import ------------------------------------------------------------------------------


@bp.route("/<station>/import", methods=["GET", "POST"])
@coordinators
def import_people(station: str) -> tuple[str, int] | str:
    """Upload a CSV of people: a preview of who would be added, or every problem by row and column."""
    found = station_by_ref(station)
    if request.method == "GET":
        return _import_page(found, None, [], "")
    validated(ActionForm())
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    plan = csv_import.read_people_csv(data, found)
    text = data.decode("utf-8-sig") if not plan.errors else ""
    return _import_page(found, plan, plan.errors, text), 422 if plan.errors else 200


@bp.post("/<station>/import/confirm")
@coordinators
def confirm_import(station: str) -> Response | tuple[str, int]:
    """Add the previewed people, all or nothing."""
    validated(ActionForm())
    text = request.form.get("csv", "")
    try:
        with unit_of_work() as session:
            found = station_by_ref(station)
            added = csv_import.import_people(session, found, text.encode("utf-8"))
    except InvalidInput as error:
        found = station_by_ref(station)
        return _import_page(found, None, error.errors, ""), 422
    flash(_("%(n)s people imported.", n=len(added)), "success")
    return _index(found, "people")


def _import_page(found: Station, plan: Any, errors: list[FieldError], text: str) -> str:
    """The import page: columns, upload form, preview or problems."""
    return render_template(
        "manage/import.html",
        station=found,
        plan=plan,
        errors=errors,
        csv_text=text,
        columns=people.PERSON_FIELDS,
        labels=PERSON_LABELS,
        skills=SKILLS,
        languages=LANGUAGES,
    )
