"""Coordinators: the week grid, generating a rota in the background, hand edits, diff and publishing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from rota.accounts import Role
from rota.domain import RotaStatus, iso_week_label
from rota.errors import NotFound
from rota.models import Assignment, Rota, Station
from rota.services.rotas import publish as publish_rota
from rota.services.rotas import rota_with_status
from rota.services.stations import find_stations
from web import edits, grid
from web.auth import role_required
from web.cache import cached
from web.common import now, station_by_ref, this_week, week_of
from web.db import get_session, unit_of_work
from web.forms import ActionForm, AddForm, GenerateForm, MoveForm, PinForm, expected_version, validated
from web.jobs import registry, start_planning

bp = Blueprint("planning", __name__, url_prefix="/rota")
coordinators = role_required(Role.COORDINATOR)


@bp.get("/")
@coordinators
def start() -> Response:
    """The first station's current week (or the station and week asked for by the switcher)."""
    stations = find_stations(get_session())
    ref = request.args.get("station") or stations[0].code
    week = request.args.get("week") or this_week(stations[0])
    return redirect(url_for("planning.week", station=ref, week=week))


@bp.get("/<station>/<week>")
@coordinators
def week(station: str, week: str) -> str:
    """The week grid with its score breakdown, loads, organisation shares and the draft's diff."""
    found = station_by_ref(station)
    week_start = week_of(week)
    parts = cached(("week", found.id, week_start, str(get_locale())), lambda: _week_parts(found, week_start))
    return render_template(
        "week.html",
        station=found,
        week=iso_week_label(week_start),
        month=week_start.strftime("%Y-%m"),
        parts=parts,
        generate_form=GenerateForm(),
        action_form=ActionForm(),
    )


@dataclass(frozen=True)
class WeekParts:
    """The week page around its forms: the same for every coordinator until the database changes."""

    head: Markup
    body: Markup
    draft_lock_version: int | None
    has_rota: bool


def _week_parts(station: Station, week_start: date) -> WeekParts:
    """Query the week and render everything on its page except the forms (their tokens are per user)."""
    session = get_session()
    shown = grid.load_week(session, station, week_start)
    context = {
        "grid": shown,
        "week": iso_week_label(week_start),
        "prev_week": iso_week_label(week_start - timedelta(weeks=1)),
        "next_week": iso_week_label(week_start + timedelta(weeks=1)),
        "stations": find_stations(session),
        "person_loads": grid.person_loads(session, shown),
        "org_shares": grid.org_shares(shown),
        "diff": grid.diff(session, shown),
    }
    return WeekParts(
        Markup(render_template("_week_head.html", **context)),
        Markup(render_template("_week_body.html", **context)),
        shown.draft.lock_version if shown.draft else None,
        shown.rota is not None,
    )


@bp.post("/<station>/<week>/generate")
@coordinators
def generate(station: str, week: str) -> Response:
    """Start a background solve of the week and show its progress."""
    form = validated(GenerateForm())
    found = station_by_ref(station)
    job = start_planning(found.id, week_of(week), form.time_limit.data)
    return redirect(url_for("planning.progress", station=found.code, week=week, job_id=job.id), 303)


@bp.get("/<station>/<week>/jobs/<job_id>")
@coordinators
def progress(station: str, week: str, job_id: str) -> str:
    """The progress page (htmx polls the status fragment)."""
    job = registry().get(job_id)
    return render_template("progress.html", job=job, station=station, week=week, action_form=ActionForm())


@bp.get("/jobs/<job_id>/status")
@coordinators
def job_status(job_id: str) -> Response:
    """The progress fragment; once the job is done, tells htmx to go to the week grid."""
    job = registry().get(job_id)
    station = get_session().get(Station, job.station_id)
    target = url_for(
        "planning.week", station=station.code if station else "", week=iso_week_label(job.week_start)
    )
    response = make_response(render_template("_progress.html", job=job, target=target))
    if job.state == "done":
        response.headers["HX-Redirect"] = target
    return response


@bp.post("/jobs/<job_id>/stop")
@coordinators
def stop(job_id: str) -> Response:
    """Ask a running solve to stop at its next solution and keep the best rota found."""
    validated(ActionForm())
    job = registry().get(job_id)
    job.stop.set()
    station = get_session().get(Station, job.station_id)
    week = iso_week_label(job.week_start)
    return redirect(
        url_for("planning.progress", station=station.code if station else "", week=week, job_id=job.id), 303
    )


@bp.post("/<station>/<week>/publish")
@coordinators
def publish(station: str, week: str) -> Response:
    """Publish the week's draft: staff see it from now on."""
    form = validated(ActionForm())
    with unit_of_work() as session:
        found = station_by_ref(station)
        week_start = week_of(week)
        draft = rota_with_status(session, found.id, week_start, RotaStatus.DRAFT)
        edits.require_version(draft, expected_version(form))
        publish_rota(session, stations=[found], week_start=week_start, now=now())
    flash(_("The rota is published."), "success")
    return redirect(url_for("planning.week", station=found.code, week=week), 303)


def _assignment(assignment_id: int) -> Assignment:
    """An assignment of a current (draft or published) rota, or NotFound."""
    found = get_session().get(Assignment, assignment_id)
    if found is None or found.rota.status == RotaStatus.SUPERSEDED:
        raise NotFound(f"assignment {assignment_id} not found in a current rota")
    return found


def _back_to_week(rota: Rota) -> Response:
    """Redirect to the week of a rota."""
    station = get_session().get_one(Station, rota.station_id)
    return redirect(url_for("planning.week", station=station.code, week=iso_week_label(rota.week_start)), 303)


@bp.get("/assignments/<int:assignment_id>")
@coordinators
def assignment(assignment_id: int) -> str:
    """One assignment with the pin, move and remove actions."""
    found = _assignment(assignment_id)
    shown = grid.load_week(get_session(), found.rota.station, found.rota.week_start)
    move_form = MoveForm(shift_id=found.shift_id)
    move_form.shift_id.choices = _shift_choices(shown)
    return render_template(
        "assignment.html",
        assignment=found,
        week=iso_week_label(found.rota.week_start),
        pin_form=PinForm(pinned=not found.pinned),
        move_form=move_form,
        action_form=ActionForm(),
    )


def _shift_choices(shown: grid.WeekGrid) -> list[SelectChoice]:
    """Every shift of the week as a choice, labelled by day and shift name."""
    from web.templating import day_label, template_name

    cells = sorted(shown.cells.values(), key=lambda c: c.shift.start_at)
    return [
        SelectChoice(c.shift.id, f"{day_label(c.shift.date)} {template_name(c.shift.template)}")
        for c in cells
    ]


@bp.post("/assignments/<int:assignment_id>/pin")
@coordinators
def pin(assignment_id: int) -> Response:
    """Pin (or unpin) an assignment so that re-planning keeps (or may change) it."""
    form = validated(PinForm())
    with unit_of_work() as session:
        rota = edits.set_pinned(session, _assignment(assignment_id).id, bool(form.pinned.data), now())
    flash(_("Pinned.") if form.pinned.data else _("Unpinned."), "success")
    return _back_to_week(rota)


@bp.post("/assignments/<int:assignment_id>/move")
@coordinators
def move(assignment_id: int) -> Response:
    """Move the person to another shift, if no hard rule breaks."""
    found = _assignment(assignment_id)
    form = MoveForm()
    form.shift_id.choices = _shift_choices(
        grid.load_week(get_session(), found.rota.station, found.rota.week_start)
    )
    validated(form)
    with unit_of_work() as session:
        rota = edits.move(session, found.id, int(form.shift_id.data), now())
    flash(_("Moved."), "success")
    return _back_to_week(rota)


@bp.post("/assignments/<int:assignment_id>/remove")
@coordinators
def remove(assignment_id: int) -> Response:
    """Take the person off the shift."""
    validated(ActionForm())
    with unit_of_work() as session:
        rota = edits.remove(session, _assignment(assignment_id).id, now())
    flash(_("Removed."), "success")
    return _back_to_week(rota)


@bp.route("/<station>/<week>/add", methods=["GET", "POST"])
@coordinators
def add(station: str, week: str) -> Response | str:
    """Put a person on a shift by hand (checked against the hard rules)."""
    session = get_session()
    found = station_by_ref(station)
    week_start = week_of(week)
    form = AddForm(shift_id=request.args.get("shift_id", type=int))
    form.shift_id.choices = _shift_choices(grid.load_week(session, found, week_start))
    people = sorted(found.people, key=lambda p: p.id)
    form.person_id.choices = [SelectChoice(p.id, f"{p.name} · {p.org.name}") for p in people]
    if request.method == "GET":
        return render_template("add.html", form=form, station=found, week=week)
    validated(form)
    with unit_of_work() as session:
        draft = edits.editable_draft(session, found.id, week_start, now())
        edits.add(session, draft, int(form.shift_id.data), int(form.person_id.data))
    flash(_("Added."), "success")
    return redirect(url_for("planning.week", station=found.code, week=week), 303)
