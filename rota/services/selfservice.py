"""Staff self-service: weekly availability, preferences, leave requests and their decisions.

Approved leave becomes a hard rule of planning by itself (``build_problem`` keeps people off the
rota during it); this module only records who asked, who decided, when and why.  Like every
service, these functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import LeaveStatus, RotaStatus, local_datetime
from rota.errors import FieldError, InvalidInput, NotFound, StateConflict
from rota.models import Assignment, Leave, Person, Preference, Rota, Shift, ShiftTemplate, WeeklyAvailability
from rota.selfservice import LeaveDecision, SeenMarker, SelfServiceSettings, SwapRequest

NOTE_MAX = 200
MAX_WEIGHT = 10
MAX_LEAVE_DAYS = 60


def settings(session: Session, station_id: int) -> SelfServiceSettings:
    """The station's self-service rules (defaults, unsaved, when it has none)."""
    found = session.get(SelfServiceSettings, station_id)
    return found or SelfServiceSettings(
        station_id=station_id, swaps_need_approval=True, signups_need_approval=True
    )


def add_window(session: Session, person: Person, weekday: int, start: time, end: time) -> WeeklyAvailability:
    """Add a weekly availability window (an end not after the start runs past midnight)."""
    if not 0 <= weekday <= 6:
        raise InvalidInput("bad availability", [FieldError("weekday", "must be 0 (Monday) to 6 (Sunday)")])
    window = WeeklyAvailability(weekday=weekday, start_time=start, end_time=end)
    person.availability.append(window)
    session.flush()
    return window


def remove_window(session: Session, person: Person, window_id: int) -> None:
    """Remove one of the person's own availability windows."""
    window = session.get(WeeklyAvailability, window_id)
    if window is None or window.person_id != person.id:
        raise NotFound(f"availability window {window_id} not found")
    person.availability.remove(window)
    session.flush()


def add_preference(
    session: Session,
    person: Person,
    *,
    wants_work: bool,
    weight: int,
    on_date: date | None = None,
    weekday: int | None = None,
    template_id: int | None = None,
) -> Preference:
    """Add a wish to work (or not) on a date or weekday, on one of the station's shifts or any."""
    errors = []
    if (on_date is None) == (weekday is None):
        errors.append(FieldError("on_date", "give either a date or a weekday"))
    if weekday is not None and not 0 <= weekday <= 6:
        errors.append(FieldError("weekday", "must be 0 (Monday) to 6 (Sunday)"))
    if not 1 <= weight <= MAX_WEIGHT:
        errors.append(FieldError("weight", f"must be 1 to {MAX_WEIGHT}"))
    template = session.get(ShiftTemplate, template_id) if template_id is not None else None
    if template_id is not None and (template is None or template.station_id != person.station_id):
        errors.append(FieldError("template_id", "not a shift of your station"))
    if errors:
        raise InvalidInput("the preference cannot be saved", errors)
    pref = Preference(
        on_date=on_date, weekday=weekday, template_id=template_id, wants_work=wants_work, weight=weight
    )
    person.preferences.append(pref)
    session.flush()
    return pref


def remove_preference(session: Session, person: Person, preference_id: int) -> None:
    """Remove one of the person's own preferences."""
    pref = session.get(Preference, preference_id)
    if pref is None or pref.person_id != person.id:
        raise NotFound(f"preference {preference_id} not found")
    person.preferences.remove(pref)
    session.flush()


def request_leave(
    session: Session, person: Person, first: date, last: date, reason: str, *, now: datetime
) -> Leave:
    """Ask for whole days of leave, ``first`` to ``last`` inclusive, in the station's zone."""
    today = now.astimezone(local_datetime(first, time(), person.station.timezone).tzinfo).date()
    errors = []
    if last < first:
        errors.append(FieldError("last", "the last day is before the first"))
    elif (last - first).days >= MAX_LEAVE_DAYS:
        errors.append(FieldError("last", f"at most {MAX_LEAVE_DAYS} days at once"))
    if first < today:
        errors.append(FieldError("first", "leave cannot start in the past"))
    if len(reason) > NOTE_MAX:
        errors.append(FieldError("reason", f"at most {NOTE_MAX} characters"))
    if errors:
        raise InvalidInput("the leave request cannot be made", errors)
    zone = person.station.timezone
    leave = Leave(
        start_at=local_datetime(first, time(), zone),
        end_at=local_datetime(last + timedelta(days=1), time(), zone),
        status=LeaveStatus.REQUESTED,
        reason=reason.strip() or None,
    )
    person.leaves.append(leave)
    session.flush()
    session.add(LeaveDecision(leave_id=leave.id, requested_at=now))
    session.flush()
    return leave


def withdraw_leave(session: Session, person: Person, leave_id: int) -> None:
    """Withdraw one's own leave request before it is decided."""
    leave = session.get(Leave, leave_id)
    if leave is None or leave.person_id != person.id:
        raise NotFound(f"leave {leave_id} not found")
    if leave.status != LeaveStatus.REQUESTED:
        raise StateConflict("this leave is already decided; ask the coordinator")
    person.leaves.remove(leave)
    session.flush()


def decide_leave(
    session: Session, leave_id: int, *, approve: bool, note: str, user_id: int | None, now: datetime
) -> Leave:
    """Approve or decline a requested leave; declining needs a reason."""
    leave = session.get(Leave, leave_id)
    if leave is None:
        raise NotFound(f"leave {leave_id} not found")
    if leave.status != LeaveStatus.REQUESTED:
        raise StateConflict("this leave was decided already")
    note = note.strip()
    if not approve and not note:
        raise InvalidInput("give a reason", [FieldError("note", "a declined request needs a reason")])
    if len(note) > NOTE_MAX:
        raise InvalidInput("reason too long", [FieldError("note", f"at most {NOTE_MAX} characters")])
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.DECLINED
    decision = session.get(LeaveDecision, leave.id) or LeaveDecision(leave_id=leave.id)
    decision.decided_at, decision.decided_by, decision.note = now, user_id, note or None
    session.add(decision)
    session.flush()
    return leave


def pending_leaves(session: Session, station_id: int) -> list[Leave]:
    """Requested leave of the station's people, oldest first."""
    return list(
        session.scalars(
            select(Leave)
            .join(Person)
            .where(Person.station_id == station_id, Leave.status == LeaveStatus.REQUESTED)
            .order_by(Leave.start_at, Leave.id)
        )
    )


def decision_of(session: Session, leave: Leave) -> LeaveDecision | None:
    """The recorded request time and decision of a leave, if any."""
    return session.get(LeaveDecision, leave.id)


@dataclass(frozen=True)
class Changes:
    """What changed in a butler's published duty since they last looked."""

    seen_at: datetime | None
    added: tuple[Shift, ...]
    removed: tuple[Shift, ...]
    leaves: tuple[Leave, ...]  # decided since then
    swaps: tuple[SwapRequest, ...]  # touched since then

    @property
    def empty(self) -> bool:
        """True if nothing changed."""
        return not (self.added or self.removed or self.leaves or self.swaps)


def published_shift_ids(session: Session, person_id: int, since: date) -> set[int]:
    """The person's shifts on or after ``since`` in published rotas."""
    return set(
        session.scalars(
            select(Assignment.shift_id)
            .join(Rota, Rota.id == Assignment.rota_id)
            .join(Shift, Shift.id == Assignment.shift_id)
            .where(
                Assignment.person_id == person_id, Rota.status == RotaStatus.PUBLISHED, Shift.date >= since
            )
        )
    )


def changes_since_seen(session: Session, person: Person, *, today: date) -> Changes:
    """Shifts added and removed, leave decided and swaps answered since the last ``mark_seen``."""
    marker = session.get(SeenMarker, person.id)
    now_ids = published_shift_ids(session, person.id, today)
    if marker is None:
        return Changes(None, _shifts(session, now_ids), (), (), ())
    before = {i for i in marker.shift_ids}
    removed = {i for i in before - now_ids if (s := session.get(Shift, i)) is not None and s.date >= today}
    leaves = tuple(
        session.scalars(
            select(Leave)
            .join(LeaveDecision, LeaveDecision.leave_id == Leave.id)
            .where(Leave.person_id == person.id, LeaveDecision.decided_at > marker.seen_at)
            .order_by(Leave.start_at)
        )
    )
    swaps = tuple(
        session.scalars(
            select(SwapRequest)
            .where(
                (SwapRequest.requester_id == person.id) | (SwapRequest.colleague_id == person.id),
                (SwapRequest.created_at > marker.seen_at)
                | (SwapRequest.answered_at > marker.seen_at)
                | (SwapRequest.decided_at > marker.seen_at),
            )
            .order_by(SwapRequest.id)
        )
    )
    return Changes(
        marker.seen_at, _shifts(session, now_ids - before), _shifts(session, removed), leaves, swaps
    )


def _shifts(session: Session, ids: set[int]) -> tuple[Shift, ...]:
    """Shifts by id in time order."""
    if not ids:
        return ()
    return tuple(session.scalars(select(Shift).where(Shift.id.in_(ids)).order_by(Shift.start_at)))


def mark_seen(session: Session, person: Person, *, today: date, now: datetime) -> SeenMarker:
    """Remember the person's duty as it is now: later changes are shown against it."""
    marker = session.get(SeenMarker, person.id) or SeenMarker(person_id=person.id)
    marker.seen_at = now
    marker.shift_ids = sorted(published_shift_ids(session, person.id, today))
    session.add(marker)
    session.flush()
    return marker
