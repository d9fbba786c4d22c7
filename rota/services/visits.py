"""Home visits: phone intake, the lifecycle, each elder's history, and visits in and out of plans.

A visit request enters planning as a ``solver.instance.Visit``: its windows (the booked slot only,
once a resident was promised a time), the butlers who visited the same elder before (continuity),
the butler and start of the published plan (stability), and a pinned butler and start once it was
dispatched or is under way.  Like every service these functions take a session and never commit.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from rota.domain import LANGUAGES, ServiceType, Urgency, VisitStatus, WeekClock
from rota.errors import FieldError, InvalidInput, NotFound, StateConflict
from rota.feeds import sync_visit_change
from rota.models import Building, Compound, Rota, Station, VisitRequest
from rota.visits import (
    ACTIVE,
    SERVICE_MINUTES,
    SERVICE_SKILLS,
    BookingSlot,
    Resident,
    VisitEvent,
    VisitPlan,
    VisitState,
)
from solver import instance as si
from solver.result import VisitOutcome

PHONE_REGION = "CN"
MAX_WINDOWS = 5
MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
URGENCY_LEVEL = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}
# Allowed lifecycle steps: from -> to.
TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    VisitStatus.REQUESTED: frozenset(
        {VisitStatus.SCHEDULED, VisitStatus.CANCELLED, VisitStatus.COULD_NOT_SERVE}
    ),
    VisitStatus.SCHEDULED: frozenset(
        {VisitStatus.IN_PROGRESS, VisitStatus.CANCELLED, VisitStatus.COULD_NOT_SERVE, VisitStatus.REQUESTED}
    ),
    VisitStatus.IN_PROGRESS: frozenset({VisitStatus.DONE, VisitStatus.COULD_NOT_SERVE}),
}

Window = tuple[datetime, datetime]
_E = TypeVar("_E", ServiceType, Urgency)


@dataclass(frozen=True)
class ResidentDetails:
    """Who asks for a visit and where they live, validated."""

    name: str
    phone: str  # E.164
    compound_id: int
    building_id: int | None
    flat: str | None
    language: str | None
    lives_alone: bool


@dataclass(frozen=True)
class VisitDetails:
    """A validated request: the resident, the service and the preferred windows."""

    resident: ResidentDetails
    service: ServiceType
    description: str | None
    urgency: Urgency
    windows: tuple[Window, ...]


def visit_key(visit_id: int) -> str:
    """The problem id of a visit request."""
    return f"V{visit_id}"


def compound_key(compound_id: int) -> str:
    """The problem id of a compound."""
    return f"C{compound_id}"


def new_reference() -> str:
    """A booking reference a resident can read out on the phone (not guessable)."""
    return "BK-" + secrets.token_hex(4).upper()


# --- validation -----------------------------------------------------------------------------------


def parse_resident(session: Session, station: Station, data: Mapping[str, Any]) -> ResidentDetails:
    """Resident fields from a form or JSON body; InvalidInput naming every bad field."""
    errors: list[FieldError] = []
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors.append(FieldError("name", "required, at most 100 characters"))
    phone = _phone(data.get("phone"), errors)
    compound, building = _address(session, station, data, errors)
    language = str(data.get("language") or "").strip() or None
    if language is not None and language not in LANGUAGES:
        errors.append(FieldError("language", f"one of {', '.join(LANGUAGES)}"))
    flat = str(data.get("flat") or "").strip() or None
    if flat is not None and len(flat) > 20:
        errors.append(FieldError("flat", "at most 20 characters"))
    if errors:
        raise InvalidInput("the resident's details are not valid", errors)
    assert compound is not None
    assert phone is not None
    return ResidentDetails(name, phone, compound.id, building, flat, language, _flag(data.get("lives_alone")))


def parse_visit(
    session: Session, station: Station, data: Mapping[str, Any], *, now: datetime
) -> VisitDetails:
    """A whole phone-intake request; InvalidInput naming every bad field, resident's included."""
    errors: list[FieldError] = []
    try:
        resident = parse_resident(session, station, data)
    except InvalidInput as error:
        errors += error.errors
    service = parse_service(data.get("service_type"), errors)
    urgency = _choice(Urgency, data.get("urgency") or Urgency.NORMAL.value, "urgency", errors)
    description = str(data.get("description") or "").strip() or None
    if description is not None and len(description) > 500:
        errors.append(FieldError("description", "at most 500 characters"))
    windows = parse_windows(data.get("windows"), ZoneInfo(station.timezone), now, errors)
    if errors:
        raise InvalidInput("the visit request is not valid", errors)
    assert service is not None
    assert urgency is not None
    return VisitDetails(resident, service, description, urgency, windows)


def parse_service(value: object, errors: list[FieldError]) -> ServiceType | None:
    """A service type by its code, or a field error."""
    return _choice(ServiceType, value, "service_type", errors)


def _choice(kind: type[_E], value: object, where: str, errors: list[FieldError]) -> _E | None:
    """An enum member by value, or a field error listing the allowed values."""
    try:
        return kind(str(value))
    except ValueError:
        errors.append(FieldError(where, f"unknown; one of {', '.join(m.value for m in kind)}"))
        return None


def _phone(value: object, errors: list[FieldError]) -> str | None:
    """A valid Chinese (or international) phone number as E.164, or a field error."""
    text = str(value or "").strip()
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors.append(FieldError("phone", f"{text!r} is not a valid phone number"))
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _address(
    session: Session, station: Station, data: Mapping[str, Any], errors: list[FieldError]
) -> tuple[Compound | None, int | None]:
    """The compound (of this station) and the building (of that compound)."""
    compound_id = _int(data.get("compound"))
    compound = session.get(Compound, compound_id) if compound_id is not None else None
    if compound is None or compound.station_id != station.id:
        errors.append(FieldError("compound", "not a compound of this station"))
        return None, None
    raw = data.get("building")
    if raw in (None, ""):
        return compound, None
    building_id = _int(raw)
    building = session.get(Building, building_id) if building_id is not None else None
    if building is None or building.compound_id != compound.id:
        errors.append(FieldError("building", f"not a building of {compound.name}"))
        return compound, None
    return compound, building.id


def parse_windows(
    value: object, zone: ZoneInfo, now: datetime, errors: list[FieldError]
) -> tuple[Window, ...]:
    """Preferred windows [{start, end}] (naive = station time): future, each ending after its start."""
    items = value if isinstance(value, list | tuple) else []
    if not items or len(items) > MAX_WINDOWS:
        errors.append(FieldError("windows", f"give 1 to {MAX_WINDOWS} time windows"))
        return ()
    windows = []
    for i, item in enumerate(items):
        where = f"windows[{i}]"
        start, end = (item.get("start"), item.get("end")) if isinstance(item, Mapping) else (None, None)
        first, last = parse_moment(start, zone), parse_moment(end, zone)
        if first is None or last is None:
            errors.append(FieldError(where, "start and end must be date-times like 2026-12-09T09:00"))
        elif last <= first:
            errors.append(FieldError(where, "ends before it starts"))
        elif first < now:
            errors.append(FieldError(where, "starts in the past"))
        else:
            windows.append((first, last))
    return tuple(sorted(windows))


def parse_moment(value: object, zone: ZoneInfo) -> datetime | None:
    """An aware datetime from an ISO text or datetime (naive ones are in ``zone``), else None."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _int(value: object) -> int | None:
    """An id from a form or JSON value, None if it is not one (or too large for the database)."""
    try:
        found = int(str(value))
    except ValueError:
        return None
    return found if 0 < found <= MAX_DB_ID else None


def _flag(value: object) -> bool:
    """A checkbox or JSON boolean."""
    return value is True or str(value).lower() in ("1", "true", "on", "yes", "y")


# --- intake and lifecycle --------------------------------------------------------------------------


def upsert_resident(
    session: Session, station: Station, details: ResidentDetails, *, now: datetime, user_id: int | None = None
) -> Resident:
    """The station's resident with this phone, updated from the details (added if new)."""
    resident = session.scalars(
        select(Resident).where(Resident.station_id == station.id, Resident.phone == details.phone)
    ).one_or_none()
    if resident is None:
        resident = Resident(station_id=station.id, phone=details.phone, created_at=now)
        session.add(resident)
    for field, value in asdict(details).items():
        setattr(resident, field, value)
    if user_id is not None:
        resident.user_id = user_id
    return resident


def record_request(
    session: Session, station: Station, details: VisitDetails, *, now: datetime, user_id: int | None = None
) -> VisitState:
    """Store a validated request (phone intake or online) as requested, with its resident and reference."""
    resident = upsert_resident(session, station, details.resident, now=now, user_id=user_id)
    info = details.resident
    visit = VisitRequest(
        station_id=station.id,
        resident_name=info.name,
        resident_phone=info.phone,
        compound_id=info.compound_id,
        building_id=info.building_id,
        flat=info.flat,
        language=info.language,
        lives_alone=info.lives_alone,
        service_type=details.service,
        description=details.description,
        urgency=details.urgency,
        window_start=details.windows[0][0],
        window_end=max(end for _, end in details.windows),
        status=VisitStatus.REQUESTED,
        requested_at=now,
    )
    session.add(visit)
    session.flush()
    state = VisitState(
        visit_id=visit.id,
        reference=new_reference(),
        resident=resident,
        windows=[[a.isoformat(), b.isoformat()] for a, b in details.windows],
        booked=False,
        pinned=False,
    )
    session.add(state)
    log_event(session, visit, VisitStatus.REQUESTED, now=now)
    session.flush()
    return state


def intake(session: Session, station: Station, data: Mapping[str, Any], *, now: datetime) -> VisitState:
    """A coordinator's phone intake: validate every field, then store; nothing stored on bad input."""
    return record_request(session, station, parse_visit(session, station, data, now=now), now=now)


def state_of(session: Session, visit: VisitRequest) -> VisitState:
    """The live state of a request (made on first use for requests from before booking existed).

    Two processes may meet the same stateless request at once: the row is inserted with "on conflict
    do nothing" and then read, so the second one reads the first one's row instead of failing.
    """
    state = session.get(VisitState, visit.id)
    if state is not None:
        return state
    session.flush()
    values = {
        "visit_id": visit.id,
        "reference": new_reference(),
        "windows": [],
        "booked": False,
        "pinned": False,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(VisitState).values(values).on_conflict_do_nothing(index_elements=["visit_id"]))
    found = session.get(VisitState, visit.id, populate_existing=True)
    if found is None:  # pragma: no cover - the row was just inserted or already there
        raise StateConflict(f"visit {visit.id} has no state")
    return found


def states_of(session: Session, visits: Sequence[VisitRequest]) -> list[VisitState]:
    """The live states of many requests in their order, in one query (``state_of`` for each)."""
    ids = [v.id for v in visits]
    query = select(VisitState).where(VisitState.visit_id.in_(ids)).options(selectinload(VisitState.person))
    found = {s.visit_id: s for s in session.scalars(query)} if ids else {}
    return [found.get(v.id) or state_of(session, v) for v in visits]


def find_visit(session: Session, ref: str) -> VisitState:
    """A visit by its booking reference or id; NotFound otherwise."""
    state = session.scalars(
        select(VisitState).where(VisitState.reference == ref.strip().upper())
    ).one_or_none()
    # Only ASCII digits of a 32-bit id: int() reads other scripts' digits, the database no larger ids.
    is_id = ref.isascii() and ref.isdigit() and int(ref) <= MAX_DB_ID
    if state is None and is_id and (visit := session.get(VisitRequest, int(ref))) is not None:
        state = state_of(session, visit)
    if state is None:
        raise NotFound(f"no visit {ref!r}")
    return state


def log_event(
    session: Session, visit: VisitRequest, status: VisitStatus, *, now: datetime, note: str | None = None
) -> None:
    """Append a step to the visit's history, with its butler and start at that moment."""
    state = session.get(VisitState, visit.id)
    session.add(
        VisitEvent(
            visit_id=visit.id,
            status=status,
            at=now,
            person_id=state.person_id if state else None,
            start_at=state.start_at if state else None,
            note=note,
        )
    )
    sync_visit_change(session, visit, now)  # the butler's calendar follows without waiting for a publish


def transition(
    session: Session, state: VisitState, to: VisitStatus, *, now: datetime, note: str | None = None
) -> VisitState:
    """Move a visit along its lifecycle, stamping the time and keeping the butler's note."""
    visit = state.visit
    if to not in TRANSITIONS.get(visit.status, frozenset()):
        raise StateConflict(f"a {visit.status.value} visit cannot become {to.value}")
    visit.status = to
    stamp = {
        VisitStatus.SCHEDULED: "scheduled_at",
        VisitStatus.IN_PROGRESS: "started_at",
        VisitStatus.DONE: "finished_at",
        VisitStatus.COULD_NOT_SERVE: "finished_at",
        VisitStatus.CANCELLED: "cancelled_at",
    }.get(to)
    if stamp:
        setattr(state, stamp, now)
    if to == VisitStatus.IN_PROGRESS:
        state.pinned = True  # under way: re-planning keeps it
    if note:
        state.note = note[:500]
    if to in (VisitStatus.CANCELLED, VisitStatus.COULD_NOT_SERVE, VisitStatus.DONE):
        release(session, state)
    log_event(session, visit, to, now=now, note=note)
    session.flush()
    return state


def release(session: Session, state: VisitState) -> None:
    """Free a finished or cancelled visit's booking lock."""
    for slot in session.scalars(select(BookingSlot).where(BookingSlot.visit_id == state.visit_id)):
        session.delete(slot)


def history(session: Session, state: VisitState) -> list[VisitState]:
    """Every visit of the same elder (by phone), newest first."""
    phone = state.visit.resident_phone
    if not phone:
        return [state]
    return list(
        session.scalars(
            select(VisitState)
            .join(VisitState.visit)
            .where(VisitRequest.resident_phone == phone, VisitRequest.station_id == state.visit.station_id)
            .order_by(VisitRequest.window_start.desc())
        )
    )


def events(session: Session, visit_id: int) -> list[VisitEvent]:
    """A visit's lifecycle log, oldest first."""
    return list(
        session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit_id).order_by(VisitEvent.id))
    )


def staff_visits(session: Session, person_id: int, since: datetime) -> list[VisitState]:
    """A butler's live visits from ``since`` on, in time order."""
    return list(
        session.scalars(
            select(VisitState)
            .join(VisitState.visit)
            .where(VisitState.person_id == person_id, VisitState.start_at >= since)
            .where(VisitRequest.status.in_([*ACTIVE, VisitStatus.DONE]))
            .order_by(VisitState.start_at)
        )
    )


def may_see_contact(state: VisitState, *, coordinator: bool, person_id: int | None) -> bool:
    """Full address and phone: coordinators and the assigned butler only."""
    return coordinator or (person_id is not None and state.person_id == person_id)


# --- planning ------------------------------------------------------------------------------------


def week_requests(
    session: Session, station_ids: Iterable[int], clock: WeekClock, days: int
) -> list[VisitRequest]:
    """The stations' live requests whose window starts in the week, in time order."""
    first = clock.epoch
    last = first + timedelta(days=days)
    return list(
        session.scalars(
            select(VisitRequest)
            .where(
                VisitRequest.station_id.in_(list(station_ids)),
                VisitRequest.window_start >= first,
                VisitRequest.window_start < last,
                VisitRequest.status.in_(ACTIVE),
            )
            .options(selectinload(VisitRequest.station))
            .order_by(VisitRequest.window_start, VisitRequest.id)
        )
    )


def problem_compounds(
    stations: Sequence[Station],
) -> tuple[tuple[si.Compound, ...], dict[tuple[str, str], int]]:
    """The stations' compounds and the travel minutes between them."""
    compounds = tuple(
        si.Compound(compound_key(c.id), c.name, station.code)
        for station in stations
        for c in station.compounds
    )
    travel = {
        (compound_key(t.from_compound_id), compound_key(t.to_compound_id)): t.minutes
        for station in stations
        for c in station.compounds
        for t in c.travel_from
        if t.from_compound_id != t.to_compound_id
    }
    return compounds, travel


def problem_visits(
    session: Session, requests: Sequence[VisitRequest], clock: WeekClock, people: Mapping[int, str]
) -> tuple[si.Visit, ...]:
    """The requests as the solver's visits; ``people`` maps Person.id to problem id (others ignored)."""
    states = _states(session, [r.id for r in requests])
    previous = previous_butlers(session, requests, clock.epoch, people)
    return tuple(
        _problem_visit(r, states.get(r.id), clock, people, previous.get(r.resident_phone or "", ()))
        for r in requests
    )


def _problem_visit(
    request: VisitRequest,
    state: VisitState | None,
    clock: WeekClock,
    people: Mapping[int, str],
    previous: tuple[str, ...],
) -> si.Visit:
    """One request as a solver visit."""
    duration = SERVICE_MINUTES[request.service_type]
    person = people.get(state.person_id) if state and state.person_id else None
    start = clock.minute(state.start_at) if state and state.start_at else None
    pinned = bool(state and state.pinned and person and start is not None)
    return si.Visit(
        id=visit_key(request.id),
        service=request.service_type.value,
        skill=SERVICE_SKILLS[request.service_type],
        compound=compound_key(request.compound_id),
        duration=duration,
        windows=_windows(request, state, clock, duration),
        station=request.station.code,
        urgency=URGENCY_LEVEL[request.urgency],
        language=request.language,
        previous_butlers=previous,
        person=person if pinned else None,
        start=start if pinned else None,
        published_person=person if not pinned and request.status == VisitStatus.SCHEDULED else None,
        published_start=start if not pinned and request.status == VisitStatus.SCHEDULED and person else None,
    )


def _windows(
    request: VisitRequest, state: VisitState | None, clock: WeekClock, duration: int
) -> tuple[tuple[int, int], ...]:
    """A booked or pinned visit's promised slot, else its preferred windows, as minutes."""
    if state is not None and (state.booked or state.pinned) and state.start_at is not None:
        start = clock.minute(state.start_at)
        return ((start, start + duration),)
    if state is not None and state.windows:
        return tuple(
            (clock.minute(datetime.fromisoformat(a)), clock.minute(datetime.fromisoformat(b)))
            for a, b in state.windows
        )
    return ((clock.minute(request.window_start), clock.minute(request.window_end)),)


def _states(session: Session, visit_ids: Sequence[int]) -> dict[int, VisitState]:
    """Live states of the given requests."""
    found: dict[int, VisitState] = {}
    for chunk in range(0, len(visit_ids), 500):
        ids = visit_ids[chunk : chunk + 500]
        found |= {
            s.visit_id: s for s in session.scalars(select(VisitState).where(VisitState.visit_id.in_(ids)))
        }
    return found


def previous_butlers(
    session: Session, requests: Sequence[VisitRequest], before: datetime, people: Mapping[int, str]
) -> dict[str, tuple[str, ...]]:
    """Per elder's phone, who served them before ``before`` (done visits), most recent first."""
    phones = sorted({r.resident_phone for r in requests if r.resident_phone})
    found: dict[str, list[str]] = defaultdict(list)
    for chunk in range(0, len(phones), 500):
        rows = session.execute(
            select(VisitRequest.resident_phone, VisitState.person_id)
            .join(VisitState, VisitState.visit_id == VisitRequest.id)
            .where(
                VisitRequest.resident_phone.in_(phones[chunk : chunk + 500]),
                VisitRequest.status == VisitStatus.DONE,
                VisitState.start_at < before,
                VisitState.person_id.is_not(None),
            )
            .order_by(VisitState.start_at.desc())
        )
        for phone, person_id in rows:
            key = people.get(person_id) if person_id is not None else None
            if phone and key and key not in found[phone]:
                found[phone].append(key)
    return {phone: tuple(keys) for phone, keys in found.items()}


def save_visit_plans(
    session: Session,
    rotas: Mapping[int, Rota],
    outcomes: Sequence[VisitOutcome],
    *,
    visit_station: Mapping[str, int],
    visits: Mapping[str, int],
    people: Mapping[str, int],
    clock: WeekClock,
    durations: Mapping[str, int],
) -> None:
    """Store each outcome on its station's new draft: a butler and start, or the reason."""
    for outcome in outcomes:
        rota = rotas.get(visit_station.get(outcome.visit, -1))
        if rota is None:
            continue
        served = outcome.person is not None and outcome.start is not None
        start = (
            clock.epoch + timedelta(minutes=outcome.start) if served and outcome.start is not None else None
        )
        session.add(
            VisitPlan(
                rota_id=rota.id,
                visit_id=visits[outcome.visit],
                person_id=people[outcome.person] if served and outcome.person else None,
                start_at=start,
                end_at=start + timedelta(minutes=durations[outcome.visit]) if start else None,
                reason=None if outcome.reason is None else asdict(outcome.reason),
            )
        )
    session.flush()


def plans_of(session: Session, rota_id: int) -> list[VisitPlan]:
    """A rota version's visit plan in time order (unserved ones last)."""
    rows = session.scalars(
        select(VisitPlan)
        .where(VisitPlan.rota_id == rota_id)
        .options(selectinload(VisitPlan.visit), selectinload(VisitPlan.person))
    )
    return sorted(rows, key=lambda p: (p.start_at is None, p.start_at or p.visit.window_start, p.visit_id))


def apply_published_plan(session: Session, rota: Rota, *, now: datetime) -> int:
    """Make a published version's visit plan the live one; returns how many visits changed.

    Visits under way, finished, cancelled or dispatched (pinned) are left alone.
    """
    changed = 0
    for plan in plans_of(session, rota.id):
        visit = plan.visit
        state = state_of(session, visit)
        if visit.status not in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED) or state.pinned:
            continue
        if (state.person_id, state.start_at) == (
            plan.person_id,
            plan.start_at,
        ) and state.reason == plan.reason:
            continue
        state.person_id, state.start_at, state.end_at = plan.person_id, plan.start_at, plan.end_at
        state.reason = plan.reason
        status = VisitStatus.SCHEDULED if plan.person_id else VisitStatus.REQUESTED
        if status == VisitStatus.SCHEDULED and visit.status != status:
            state.scheduled_at = now
        visit.status = status
        log_event(session, visit, status, now=now, note="published" if plan.person_id else "not served")
        changed += 1
    session.flush()
    return changed
