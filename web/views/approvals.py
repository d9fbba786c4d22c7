"""Coordinators: the queue of pending leave, swaps and sign-ups with their coverage effects; activities."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from rota.accounts import Role
from rota.models import Station
from rota.selfservice import ActivityKind
from rota.services import selfservice as ss
from rota.services import selfservice_activities as acts
from rota.services import selfservice_swaps as sw
from rota.services.selfservice_checks import Refused
from rota.services.selfservice_queue import queue
from rota.services.stations import find_stations
from web.auth import role_required
from web.common import now, pick
from web.db import get_session, unit_of_work
from web.forms import validated
from web.selfservice_forms import ActivityForm, AttendanceForm, DecisionForm, skill_choices

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
coordinators = role_required(Role.COORDINATOR)


def _station() -> Station:
    """The station asked for, else the coordinator's own, else the first one."""
    ref = request.args.get("station")
    if ref:
        return find_stations(get_session(), ref)[0]
    own = current_user.station
    return own if own is not None else find_stations(get_session())[0]


def _to_queue(station: Station) -> Response:
    """Back to the station's queue."""
    return redirect(url_for("approvals.index", station=station.code), 303)


@bp.get("/")
@coordinators
def index() -> str:
    """The station's pending requests, each with its effect on coverage."""
    station = _station()
    session = get_session()
    return render_template(
        "approvals/queue.html",
        station=station,
        queue=queue(session, station.id),
        decisions={
            leave.id: ss.decision_of(session, leave) for leave in ss.pending_leaves(session, station.id)
        },
        form=DecisionForm(),
    )


def _decision() -> DecisionForm:
    """The posted decision form."""
    form = DecisionForm()
    validated(form)
    return form


@bp.post("/leave/<int:leave_id>")
@coordinators
def decide_leave(leave_id: int) -> Response:
    """Approve leave (it becomes a hard rule of planning) or decline it with a reason."""
    form, station = _decision(), _station()
    with unit_of_work() as session:
        leave = ss.decide_leave(
            session, leave_id, approve=form.decision.data == "approve", note=form.note.data or "",
            user_id=current_user.id, now=now(),
        )  # fmt: skip
        approved = leave.status.value == "approved"
    flash(_("Leave approved: re-plan the affected weeks.") if approved else _("Leave declined."), "success")
    return _to_queue(station)


@bp.post("/swaps/<int:swap_id>")
@coordinators
def decide_swap(swap_id: int) -> Response:
    """Approve a swap (a new published version) or decline it."""
    form, station = _decision(), _station()
    try:
        with unit_of_work() as session:
            sw.decide_swap(
                session,
                swap_id,
                approve=form.decision.data == "approve",
                note=form.note.data or "",
                now=now(),
            )
    except Refused as error:
        reasons = "; ".join(f"{pick(r.zh, r.en)}: {r.detail}" for r in error.refusals)
        flash(_("Not allowed: %(reasons)s", reasons=reasons), "error")
        return _to_queue(station)
    flash(_("Swap approved: the published rota has a new version.") if form.decision.data == "approve"
          else _("Swap declined."), "success")  # fmt: skip
    return _to_queue(station)


@bp.post("/signups/<int:signup_id>")
@coordinators
def decide_signup(signup_id: int) -> Response:
    """Confirm a sign-up (pinned when planning) or decline it."""
    form, station = _decision(), _station()
    with unit_of_work() as session:
        acts.decide_signup(session, signup_id, approve=form.decision.data == "approve", now=now())
    flash(_("Done."), "success")
    return _to_queue(station)


def _activity_form() -> ActivityForm:
    """The activity form with its choices."""
    form = ActivityForm()
    labels = {
        "gathering": _("Gathering"), "repair_day": _("Repair day"), "patrol": _("Patrol"),
        "meeting": _("Residents' meeting"), "other": _("Other"),
    }  # fmt: skip
    form.kind.choices = [SelectChoice(k.value, labels[k.value]) for k in ActivityKind]
    form.skill.choices = skill_choices()
    return form


@bp.get("/activities")
@coordinators
def activities() -> str:
    """The station's coming activities, and the form to plan one."""
    station = _station()
    today = now().astimezone(ZoneInfo(station.timezone)).date()
    found = acts.activities(get_session(), station.id, today)
    return render_template(
        "approvals/activities.html", station=station, activities=found,
        form=_activity_form(), attendance_form=AttendanceForm(), acts=acts,
    )  # fmt: skip


@bp.post("/activities")
@coordinators
def create_activity() -> Response:
    """Plan a one-off activity as a shift of its own."""
    form, station = validated(_activity_form()), _station()
    zone = ZoneInfo(station.timezone)
    closes = (
        datetime.combine(form.signup_until.data, time(23, 59), tzinfo=zone)
        if form.signup_until.data
        else None
    )
    with unit_of_work() as session:
        acts.create_activity(
            session, session.get_one(Station, station.id), title=form.title.data, kind=form.kind.data,
            day=form.day.data, start=form.start.data, end=form.end.data, places=int(form.places.data),
            skill=form.skill.data or None, signup_opens_at=now() if closes else None, signup_closes_at=closes,
        )  # fmt: skip
    flash(_("The activity is planned; the solver fills what sign-ups leave open."), "success")
    return redirect(url_for("approvals.activities", station=station.code), 303)


@bp.post("/activities/<int:activity_id>/attendance")
@coordinators
def attendance(activity_id: int) -> Response:
    """Record how many residents came."""
    form, station = validated(AttendanceForm()), _station()
    with unit_of_work() as session:
        acts.set_attendance(session, activity_id, int(form.attendance.data))
    flash(_("Saved."), "success")
    return redirect(url_for("approvals.activities", station=station.code), 303)
