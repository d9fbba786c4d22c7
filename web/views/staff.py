"""Staff and volunteers: their own shifts, availability, preferences, leave, swaps and activities."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from rota.accounts import Role
from rota.domain import DEFAULT_TIMEZONE, WEEKDAYS_EN, WEEKDAYS_ZH
from rota.errors import NotFound
from rota.models import Person, Shift
from rota.services import selfservice as ss
from rota.services import selfservice_activities as acts
from rota.services import selfservice_swaps as sw
from rota.services.selfservice_checks import Refused
from web.auth import role_required
from web.common import is_english, now, pick
from web.db import get_session, unit_of_work
from web.forms import ActionForm, validated
from web.selfservice_forms import LeaveForm, PreferenceForm, SwapForm, WindowForm, weekday_choices
from web.shifts import published_shifts, since_last_week
from web.templating import day_label, local_time, template_name

bp = Blueprint("staff", __name__, url_prefix="/me")


@bp.get("/shifts")
@role_required(Role.STAFF)
def my_shifts() -> str:
    """The logged-in butler's published shifts from last week on."""
    person = current_user.person
    zone = person.station.timezone if person else DEFAULT_TIMEZONE
    today = now().astimezone(ZoneInfo(zone)).date()
    shifts = published_shifts(get_session(), person.id, since_last_week(today)) if person else []
    return render_template("my_shifts.html", person=person, shifts=shifts, today=today)


# --------------------------------------------------------------------------- self-service


def _person() -> Person:
    """The logged-in butler (NotFound for staff accounts linked to nobody)."""
    person = current_user.person
    if person is None:
        raise NotFound(_("This account is not linked to a butler."))
    return person  # type: ignore[no-any-return]


def _today(person: Person) -> date:
    """Today in the person's station zone."""
    return now().astimezone(ZoneInfo(person.station.timezone)).date()


def _shift_label(shift: Shift) -> str:
    """ "周二 12-08 上午班 08:00" for choices."""
    start = local_time(shift.start_at, shift.station.timezone)
    return f"{day_label(shift.date)} {template_name(shift.template)} {start}"


def _back(endpoint: str) -> Response:
    """Redirect after a successful post."""
    return redirect(url_for(endpoint), 303)


@bp.get("/requests")
@role_required(Role.STAFF)
def requests() -> str:
    """Availability, preferences and leave of the logged-in butler."""
    person = _person()
    session = get_session()
    window_form, pref_form = WindowForm(), PreferenceForm()
    window_form.weekday.choices = weekday_choices()
    _preference_choices(pref_form, person)
    decisions = {leave.id: ss.decision_of(session, leave) for leave in person.leaves}
    return render_template(
        "staff/requests.html", person=person, window_form=window_form, pref_form=pref_form,
        leave_form=LeaveForm(), action_form=ActionForm(), decisions=decisions, today=_today(person),
    )  # fmt: skip


def _preference_choices(form: PreferenceForm, person: Person) -> None:
    """Weekday and shift choices of the preference form."""
    form.weekday.choices = [SelectChoice(-1, "-"), *weekday_choices()]
    templates = [t for t in person.station.shift_templates if t.weekdays]
    form.template_id.choices = [
        SelectChoice(0, _("Any shift")),
        *(SelectChoice(t.id, template_name(t)) for t in templates),
    ]


@bp.post("/availability")
@role_required(Role.STAFF)
def add_window() -> Response:
    """Add a weekly availability window."""
    form = WindowForm()
    form.weekday.choices = weekday_choices()
    validated(form)
    with unit_of_work() as session:
        ss.add_window(session, _person(), int(form.weekday.data), form.start.data, form.end.data)
    flash(_("Saved."), "success")
    return _back("staff.requests")


@bp.post("/availability/<int:window_id>/delete")
@role_required(Role.STAFF)
def remove_window(window_id: int) -> Response:
    """Remove an availability window."""
    validated(ActionForm())
    with unit_of_work() as session:
        ss.remove_window(session, _person(), window_id)
    flash(_("Removed."), "success")
    return _back("staff.requests")


@bp.post("/preferences")
@role_required(Role.STAFF)
def add_preference() -> Response:
    """Add a preference (it becomes a request to the solver)."""
    person = _person()
    form = PreferenceForm()
    _preference_choices(form, person)
    validated(form)
    weekday = form.weekday.data if form.weekday.data is not None and form.weekday.data >= 0 else None
    with unit_of_work() as session:
        ss.add_preference(
            session, person, wants_work=form.wants_work.data == "1", weight=int(form.weight.data),
            on_date=form.on_date.data, weekday=weekday, template_id=form.template_id.data or None,
        )  # fmt: skip
    flash(_("Saved."), "success")
    return _back("staff.requests")


@bp.post("/preferences/<int:preference_id>/delete")
@role_required(Role.STAFF)
def remove_preference(preference_id: int) -> Response:
    """Remove a preference."""
    validated(ActionForm())
    with unit_of_work() as session:
        ss.remove_preference(session, _person(), preference_id)
    flash(_("Removed."), "success")
    return _back("staff.requests")


@bp.post("/leave")
@role_required(Role.STAFF)
def request_leave() -> Response:
    """Ask for leave; the coordinator decides."""
    form = validated(LeaveForm())
    with unit_of_work() as session:
        ss.request_leave(
            session, _person(), form.first.data, form.last.data, form.reason.data or "", now=now()
        )
    flash(_("Your leave request was sent to the coordinator."), "success")
    return _back("staff.requests")


@bp.post("/leave/<int:leave_id>/withdraw")
@role_required(Role.STAFF)
def withdraw_leave(leave_id: int) -> Response:
    """Withdraw an undecided leave request."""
    validated(ActionForm())
    with unit_of_work() as session:
        ss.withdraw_leave(session, _person(), leave_id)
    flash(_("Withdrawn."), "success")
    return _back("staff.requests")


def _swap_form(person: Person) -> SwapForm:
    """The swap form with my coming shifts, my colleagues and their coming shifts."""
    session = get_session()
    form = SwapForm()
    mine = published_shifts(session, person.id, _today(person))
    form.shift_id.choices = [SelectChoice(s.id, _shift_label(s)) for s in mine]
    colleagues = [p for p in person.station.people if p.id != person.id and p.active]
    form.colleague_id.choices = [SelectChoice(p.id, f"{p.name} · {p.org.name}") for p in colleagues]
    theirs = sorted(
        {
            (s.start_at, s.id): (s, p)
            for p in colleagues
            for s in published_shifts(session, p.id, _today(person))
        }.items()
    )
    form.other_shift_id.choices = [SelectChoice(0, _("Nothing: hand the shift over"))] + [
        SelectChoice(s.id, f"{_shift_label(s)} · {p.name}") for _key, (s, p) in theirs
    ]
    return form


@bp.get("/swaps")
@role_required(Role.STAFF)
def swaps_page() -> str:
    """My swap offers and the offers made to me, and the form to offer a shift."""
    person = _person()
    return render_template(
        "staff/swaps.html", person=person, form=_swap_form(person),
        swaps=sw.swaps_for(get_session(), person), action_form=ActionForm(),
    )  # fmt: skip


def _flash_refused(error: Refused) -> None:
    """Flash each hard rule a change would break, in the page's language."""
    reasons = "; ".join(f"{pick(r.zh, r.en)}: {r.detail}" for r in error.refusals)
    flash(_("Not allowed: %(reasons)s", reasons=reasons), "error")


@bp.post("/swaps")
@role_required(Role.STAFF)
def offer_swap() -> Response:
    """Offer a swap or hand-over, refused with the reason if it would break a hard rule."""
    person = _person()
    form = validated(_swap_form(person))
    try:
        with unit_of_work() as session:
            sw.request_swap(
                session, person, shift_id=int(form.shift_id.data), colleague_id=int(form.colleague_id.data),
                other_shift_id=form.other_shift_id.data or None, note=form.note.data or "", now=now(),
            )  # fmt: skip
    except Refused as error:
        _flash_refused(error)
        return _back("staff.swaps_page")
    flash(_("Your offer was sent to your colleague."), "success")
    return _back("staff.swaps_page")


@bp.post("/swaps/<int:swap_id>/<any(accept, decline, withdraw):action>")
@role_required(Role.STAFF)
def answer_swap(swap_id: int, action: str) -> Response:
    """Accept or decline an offer made to me, or withdraw my own."""
    validated(ActionForm())
    person = _person()
    try:
        with unit_of_work() as session:
            if action == "withdraw":
                sw.withdraw_swap(session, swap_id, person, now=now())
            else:
                sw.answer_swap(session, swap_id, person, accept=action == "accept", now=now())
    except Refused as error:
        _flash_refused(error)
        return _back("staff.swaps_page")
    flash(_("Done."), "success")
    return _back("staff.swaps_page")


@bp.get("/activities")
@role_required(Role.STAFF)
def activities() -> str:
    """Coming activities of my station, with sign-up where it is open."""
    person = _person()
    found = acts.activities(get_session(), person.station_id, _today(person))
    mine = {s.activity_id: s for a in found for s in a.signups if s.person_id == person.id}
    return render_template(
        "staff/activities.html", activities=found, mine=mine, now=now(), acts=acts, action_form=ActionForm()
    )


@bp.post("/activities/<int:activity_id>/<any(signup, withdraw):action>")
@role_required(Role.STAFF)
def sign_up(activity_id: int, action: str) -> Response:
    """Sign up for an activity (checked against the hard rules) or withdraw before the deadline."""
    validated(ActionForm())
    try:
        with unit_of_work() as session:
            if action == "signup":
                acts.sign_up(session, activity_id, _person(), now=now())
            else:
                acts.withdraw(session, activity_id, _person(), now=now())
    except Refused as error:
        _flash_refused(error)
        return _back("staff.activities")
    flash(_("Signed up.") if action == "signup" else _("Withdrawn."), "success")
    return _back("staff.activities")


@bp.get("/changes")
@role_required(Role.STAFF)
def changes() -> str:
    """What changed in my duty since I last looked."""
    person = _person()
    found = ss.changes_since_seen(get_session(), person, today=_today(person))
    return render_template("staff/changes.html", changes=found, action_form=ActionForm())


@bp.post("/changes/seen")
@role_required(Role.STAFF)
def mark_seen() -> Response:
    """Remember my duty as it is now."""
    validated(ActionForm())
    with unit_of_work() as session:
        person = _person()
        ss.mark_seen(session, person, today=_today(person), now=now())
    return _back("staff.changes")


@bp.app_template_global()
def local_date(moment: datetime, zone: str, shift_days: int = 0) -> date:
    """The local date of a moment, optionally moved by whole days (an exclusive end's last day)."""
    return (moment.astimezone(ZoneInfo(zone)) + timedelta(days=shift_days)).date()


@bp.app_template_global()
def local_stamp(moment: datetime, zone: str) -> str:
    """A moment as local "MM-DD HH:MM"."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M")


@bp.app_template_global()
def day_names() -> tuple[str, ...]:
    """Weekday names in the page's language."""
    return WEEKDAYS_EN if is_english() else WEEKDAYS_ZH
