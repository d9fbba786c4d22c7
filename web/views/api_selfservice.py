"""Staff self-service and the coordinator's decisions as JSON under /api/v1 (issue 7).

Thin routes over ``rota.services.selfservice*`` and ``rota.services.ledger``: the same operations as
the /me and /approvals pages, errors in the one shape (a refused swap or sign-up is a 422 whose
details name each broken rule with its reason).  Authentication and CSRF as in ``web.views.api``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.errors import FieldError, InvalidInput, NotFound
from rota.models import Leave, Person, Preference, Shift, WeeklyAvailability
from rota.selfservice import Activity, ActivityKind, ActivitySignup, SwapRequest
from rota.services import selfservice as ss
from rota.services import selfservice_activities as acts
from rota.services import selfservice_swaps as sw
from rota.services.fields import parse_date, parse_time
from rota.services.ledger import build_ledger, parse_month
from rota.services.selfservice_queue import Item, queue
from web.auth import role_required
from web.common import now, station_by_ref
from web.db import get_session, unit_of_work
from web.views.api import MAX_ID, _body, _int, _protect, add_converters

bp = Blueprint("api_selfservice", __name__, url_prefix="/api/v1")
bp.before_request(_protect)
bp.record_once(add_converters)
coordinators = role_required(Role.COORDINATOR)
staff = role_required(Role.STAFF)


@bp.record_once
def _exempt_from_form_csrf(state: BlueprintSetupState) -> None:
    """The API checks CSRF itself: only for cookie-authenticated calls."""
    state.app.extensions["rota_csrf"].exempt(bp)


# --- reading the body ------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, max_length: int = 200) -> str:
    """An optional string field ("" when absent)."""
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidInput("invalid field", [FieldError(name, f"text of at most {max_length} characters")])
    return value


def _day(body: dict[str, Any], name: str) -> date:
    """A required ``YYYY-MM-DD`` field."""
    value = body.get(name)
    day = parse_date(value) if isinstance(value, str) else None
    if day is None:
        raise InvalidInput("invalid field", [FieldError(name, "a date like 2026-12-15 is required")])
    return day


def _check(errors: list[FieldError]) -> None:
    """Refuse the body when any field is wrong, naming each."""
    if errors:
        raise InvalidInput("invalid fields", errors)


def _clock(body: dict[str, Any], name: str, errors: list[FieldError]) -> time:
    """A required ``HH:MM`` field (a problem is added to ``errors``)."""
    value = body.get(name)
    found = parse_time(value) if isinstance(value, str) else None
    if found is None:
        errors.append(FieldError(name, "a time like 08:30 is required"))
    return found or time()


def _optional_day(body: dict[str, Any], name: str, errors: list[FieldError]) -> date | None:
    """An optional ``YYYY-MM-DD`` field (null when absent; "" is not a date)."""
    value = body.get(name)
    if value is None:
        return None
    found = parse_date(value) if isinstance(value, str) else None
    if found is None:
        errors.append(FieldError(name, "a date like 2026-12-15"))
    return found


def _optional_int(body: dict[str, Any], name: str, errors: list[FieldError]) -> int | None:
    """An optional integer field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
        errors.append(FieldError(name, f"an integer from -{MAX_ID} to {MAX_ID}"))
        return None
    return value


def _moment(body: dict[str, Any], name: str, zone: str, errors: list[FieldError]) -> datetime | None:
    """An optional ISO date-time field (without an offset: in the station's zone; null when absent)."""
    value = body.get(name)
    if value is None:
        return None
    try:
        found = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None:
        errors.append(FieldError(name, "a date and time like 2026-12-15T18:00+08:00"))
        return None
    return found if found.tzinfo else found.replace(tzinfo=ZoneInfo(zone))


def _decision(body: dict[str, Any]) -> bool:
    """``{"decision": "approve"|"decline"}`` as True/False."""
    decision = body.get("decision")
    if decision not in ("approve", "decline"):
        raise InvalidInput("invalid field", [FieldError("decision", "approve or decline")])
    return bool(decision == "approve")


def _me() -> Person:
    """The logged-in butler (NotFound for staff accounts linked to nobody)."""
    person = current_user.person
    if person is None:
        raise NotFound("this account is not linked to a butler")
    return person  # type: ignore[no-any-return]


def _today(person: Person) -> date:
    """Today in the person's station zone."""
    return now().astimezone(ZoneInfo(person.station.timezone)).date()


# --- JSON of the records ---------------------------------------------------------------------


def _stamp(moment: datetime | None) -> str | None:
    """An ISO timestamp or None."""
    return moment.isoformat() if moment else None


def leave_json(leave: Leave) -> dict[str, Any]:
    """A leave request with its decision."""
    decision = ss.decision_of(get_session(), leave)
    return {
        "id": leave.id,
        "person_id": leave.person_id,
        "start_at": leave.start_at.isoformat(),
        "end_at": leave.end_at.isoformat(),
        "status": leave.status.value,
        "reason": leave.reason,
        "decided_at": _stamp(decision.decided_at) if decision else None,
        "note": decision.note if decision else None,
    }


def shift_json(shift: Shift) -> dict[str, Any]:
    """A shift's public fields."""
    return {
        "id": shift.id,
        "date": shift.date.isoformat(),
        "template": shift.template.code,
        "start_at": shift.start_at.isoformat(),
        "end_at": shift.end_at.isoformat(),
    }


def swap_json(swap: SwapRequest) -> dict[str, Any]:
    """A swap or hand-over request."""
    return {
        "id": swap.id,
        "kind": swap.kind.value,
        "status": swap.status.value,
        "requester_id": swap.requester_id,
        "colleague_id": swap.colleague_id,
        "shift_id": swap.shift_id,
        "other_shift_id": swap.other_shift_id,
        "note": swap.note,
        "created_at": _stamp(swap.created_at),
        "answered_at": _stamp(swap.answered_at),
        "decided_at": _stamp(swap.decided_at),
        "rota_id": swap.rota_id,
    }


def signup_json(signup: ActivitySignup) -> dict[str, Any]:
    """A sign-up for an activity."""
    return {
        "id": signup.id,
        "activity_id": signup.activity_id,
        "person_id": signup.person_id,
        "status": signup.status.value,
        "created_at": _stamp(signup.created_at),
        "decided_at": _stamp(signup.decided_at),
    }


def window_json(window: WeeklyAvailability) -> dict[str, Any]:
    """A weekly availability window (Monday = 0)."""
    return {
        "id": window.id,
        "weekday": window.weekday,
        "start": window.start_time.strftime("%H:%M"),
        "end": window.end_time.strftime("%H:%M"),
    }


def preference_json(pref: Preference) -> dict[str, Any]:
    """A wish to work (or not) on a date or weekday."""
    return {
        "id": pref.id,
        "wants_work": pref.wants_work,
        "weight": pref.weight,
        "on_date": pref.on_date.isoformat() if pref.on_date else None,
        "weekday": pref.weekday,
        "template_id": pref.template_id,
    }


def activity_json(activity: Activity) -> dict[str, Any]:
    """A one-off activity with its shift."""
    return {
        "id": activity.id,
        "title": activity.title,
        "kind": activity.kind.value,
        "shift": shift_json(activity.shift),
        "places": acts.places(activity),
        "compound_id": activity.compound_id,
        "signup_opens_at": _stamp(activity.signup_opens_at),
        "signup_closes_at": _stamp(activity.signup_closes_at),
    }


def _item_json(item: Item, request_json: dict[str, Any]) -> dict[str, Any]:
    """A pending request with what approving it would do."""
    return {
        "request": request_json,
        "effects": [{"shift": shift_json(e.shift), "delta": e.delta} for e in item.effects],
        "refusals": [dataclasses.asdict(r) for r in item.refusals],
        "problem": item.problem,
    }


def _plain(value: Any) -> Any:
    """Dataclass trees (the ledger) as JSON values: dates as ISO text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- staff: leave ----------------------------------------------------------------------------


@bp.post("/me/leave")
@staff
def request_leave() -> tuple[Response, int]:
    """Ask for whole days of leave, ``first`` to ``last``; the coordinator decides."""
    body = _body()
    first, last, reason = _day(body, "first"), _day(body, "last"), _text(body, "reason", 1000)
    with unit_of_work() as session:
        leave = ss.request_leave(session, _me(), first, last, reason, now=now())
        result = leave_json(leave)
    return jsonify(result), 201


@bp.delete("/me/leave/<id:leave_id>")
@staff
def withdraw_leave(leave_id: int) -> Response:
    """Withdraw one's own leave request before it is decided."""
    with unit_of_work() as session:
        ss.withdraw_leave(session, _me(), leave_id)
    return jsonify({"id": leave_id, "status": "withdrawn"})


@bp.post("/leave/<id:leave_id>/decision")
@coordinators
def decide_leave(leave_id: int) -> Response:
    """Approve (a hard rule of planning from now on) or decline with a reason in ``note``."""
    body = _body()
    approve, note = _decision(body), _text(body, "note", 1000)
    with unit_of_work() as session:
        leave = ss.decide_leave(
            session, leave_id, approve=approve, note=note, user_id=current_user.id, now=now()
        )
        result = leave_json(leave)
    return jsonify(result)


# --- swaps -----------------------------------------------------------------------------------


@bp.post("/me/swaps")
@staff
def request_swap() -> tuple[Response, int]:
    """Offer a swap (with ``other_shift_id``) or hand a shift over; refused (422) if a hard rule breaks."""
    body = _body()
    shift_id, colleague_id = _int(body, "shift_id"), _int(body, "colleague_id")
    other_shift_id, note = _int(body, "other_shift_id", required=False), _text(body, "note")
    with unit_of_work() as session:
        swap = sw.request_swap(
            session, _me(), shift_id=int(shift_id or 0), colleague_id=int(colleague_id or 0),
            other_shift_id=other_shift_id, note=note, now=now(),
        )  # fmt: skip
        result = swap_json(swap)
    return jsonify(result), 201


@bp.post("/me/swaps/<id:swap_id>/answer")
@staff
def answer_swap(swap_id: int) -> Response:
    """The colleague accepts (``{"accept": true}``, re-checked against the hard rules) or declines."""
    accept = _body().get("accept")
    if not isinstance(accept, bool):
        raise InvalidInput("invalid field", [FieldError("accept", "true or false")])
    with unit_of_work() as session:
        result = swap_json(sw.answer_swap(session, swap_id, _me(), accept=accept, now=now()))
    return jsonify(result)


@bp.post("/swaps/<id:swap_id>/decision")
@coordinators
def decide_swap(swap_id: int) -> Response:
    """Approve an accepted swap (a new published version) or decline it."""
    body = _body()
    approve, note = _decision(body), _text(body, "note")
    with unit_of_work() as session:
        result = swap_json(sw.decide_swap(session, swap_id, approve=approve, note=note, now=now()))
    return jsonify(result)


# --- activities ------------------------------------------------------------------------------


@bp.post("/me/activities/<id:activity_id>/signup")
@staff
def sign_up(activity_id: int) -> tuple[Response, int]:
    """Sign up for an open activity (refused with the rule's reason if a hard rule breaks)."""
    with unit_of_work() as session:
        result = signup_json(acts.sign_up(session, activity_id, _me(), now=now()))
    return jsonify(result), 201


@bp.delete("/me/activities/<id:activity_id>/signup")
@staff
def withdraw_signup(activity_id: int) -> Response:
    """Withdraw a sign-up before the deadline."""
    with unit_of_work() as session:
        result = signup_json(acts.withdraw(session, activity_id, _me(), now=now()))
    return jsonify(result)


@bp.post("/signups/<id:signup_id>/decision")
@coordinators
def decide_signup(signup_id: int) -> Response:
    """Confirm (pinned when planning) or decline a pending sign-up."""
    approve = _decision(_body())
    with unit_of_work() as session:
        result = signup_json(acts.decide_signup(session, signup_id, approve=approve, now=now()))
    return jsonify(result)


# --- changes and the ledger ------------------------------------------------------------------


@bp.get("/me/changes")
@staff
def changes() -> Response:
    """What changed in my published duty since I last marked it seen."""
    person = _me()
    found = ss.changes_since_seen(get_session(), person, today=_today(person))
    return jsonify(
        {
            "seen_at": _stamp(found.seen_at),
            "added": [shift_json(s) for s in found.added],
            "removed": [shift_json(s) for s in found.removed],
            "leaves": [leave_json(leave) for leave in found.leaves],
            "swaps": [swap_json(s) for s in found.swaps],
        }
    )


@bp.post("/me/changes/seen")
@staff
def mark_seen() -> Response:
    """Remember my duty as it is now; later changes are shown against it."""
    with unit_of_work() as session:
        person = _me()
        marker = ss.mark_seen(session, person, today=_today(person), now=now())
        result = {"seen_at": _stamp(marker.seen_at), "shift_ids": list(marker.shift_ids)}
    return jsonify(result)


@bp.get("/stations/<station>/ledger/<month>")
@coordinators
def ledger(station: str, month: str) -> Response:
    """The station's monthly service ledger (服务台账) as JSON."""
    found = build_ledger(get_session(), station_by_ref(station), parse_month(month))
    return jsonify(_plain(found) | {"month": found.label})


# --- staff: availability and preferences -------------------------------------------------------


@bp.post("/me/availability")
@staff
def add_window() -> tuple[Response, int]:
    """Add a weekly window: ``weekday`` (0 = Monday), ``start`` and ``end`` as HH:MM."""
    body, errors = _body(), list[FieldError]()
    weekday = _optional_int(body, "weekday", errors)
    if weekday is None and not errors:
        errors.append(FieldError("weekday", "required"))
    start, end = _clock(body, "start", errors), _clock(body, "end", errors)
    _check(errors)
    with unit_of_work() as session:
        result = window_json(ss.add_window(session, _me(), int(weekday or 0), start, end))
    return jsonify(result), 201


@bp.delete("/me/availability/<id:window_id>")
@staff
def remove_window(window_id: int) -> Response:
    """Remove one of my weekly windows."""
    with unit_of_work() as session:
        ss.remove_window(session, _me(), window_id)
    return jsonify({"id": window_id, "status": "deleted"})


@bp.post("/me/preferences")
@staff
def add_preference() -> tuple[Response, int]:
    """Wish to work (``wants_work``) or not, ``weight`` 1-10, on ``on_date`` or ``weekday``,
    optionally on one shift template (``template_id``)."""
    body, errors = _body(), []
    wants_work = body.get("wants_work")
    if not isinstance(wants_work, bool):
        errors.append(FieldError("wants_work", "true or false"))
    weight = _optional_int(body, "weight", errors)
    on_date, weekday = _optional_day(body, "on_date", errors), _optional_int(body, "weekday", errors)
    template_id = _optional_int(body, "template_id", errors)
    _check(errors)
    with unit_of_work() as session:
        pref = ss.add_preference(
            session, _me(), wants_work=bool(wants_work), weight=1 if weight is None else weight,
            on_date=on_date, weekday=weekday, template_id=template_id,
        )  # fmt: skip
        result = preference_json(pref)
    return jsonify(result), 201


@bp.delete("/me/preferences/<id:preference_id>")
@staff
def remove_preference(preference_id: int) -> Response:
    """Remove one of my preferences."""
    with unit_of_work() as session:
        ss.remove_preference(session, _me(), preference_id)
    return jsonify({"id": preference_id, "status": "deleted"})


# --- coordinators: activities and the approvals queue ------------------------------------------


@bp.post("/stations/<station>/activities")
@coordinators
def create_activity(station: str) -> tuple[Response, int]:
    """Plan a one-off activity as a shift of its own (``title``, ``kind``, ``day``, ``start``, ``end``,
    ``places``; optional ``skill``, ``compound_id``, ``signup_opens_at``, ``signup_closes_at``)."""
    body, errors = _body(), []
    found = station_by_ref(station)
    kind = body.get("kind")
    if kind not in {k.value for k in ActivityKind}:
        errors.append(FieldError("kind", "one of " + ", ".join(k.value for k in ActivityKind)))
    title = body.get("title")
    if not isinstance(title, str):
        errors.append(FieldError("title", "text is required"))
    day = _optional_day(body, "day", errors)
    if day is None and not any(e.where == "day" for e in errors):
        errors.append(FieldError("day", "a date like 2026-12-15 is required"))
    start, end = _clock(body, "start", errors), _clock(body, "end", errors)
    places = _optional_int(body, "places", errors)
    if places is None and not any(e.where == "places" for e in errors):
        errors.append(FieldError("places", "required"))
    skill = body.get("skill")
    if skill is not None and not isinstance(skill, str):
        errors.append(FieldError("skill", "text"))
    compound_id = _optional_int(body, "compound_id", errors)
    opens = _moment(body, "signup_opens_at", found.timezone, errors)
    closes = _moment(body, "signup_closes_at", found.timezone, errors)
    _check(errors)
    assert day is not None
    with unit_of_work() as session:
        activity = acts.create_activity(
            session, found, title=str(title), kind=str(kind), day=day,
            start=start, end=end, places=int(places or 0), skill=skill or None, compound_id=compound_id,
            signup_opens_at=opens, signup_closes_at=closes,
        )  # fmt: skip
        result = activity_json(activity)
    return jsonify(result), 201


@bp.get("/stations/<station>/approvals")
@coordinators
def approvals(station: str) -> Response:
    """The station's pending leave, swaps and sign-ups, each with its effect on coverage."""
    found = queue(get_session(), station_by_ref(station).id)
    return jsonify(
        {
            "size": found.size,
            "leaves": [_item_json(i, leave_json(i.request)) for i in found.leaves],  # type: ignore[arg-type]
            "swaps": [_item_json(i, swap_json(i.request)) for i in found.swaps],  # type: ignore[arg-type]
            "signups": [_item_json(i, signup_json(i.request)) for i in found.signups],  # type: ignore[arg-type]
        }
    )
