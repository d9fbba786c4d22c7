"""Home visits through the services: phone intake, bad input, planning, publishing, booking, lifecycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from rota.demo import seed_demo
from rota.domain import RotaStatus, ServiceType, VisitStatus
from rota.errors import InvalidInput, StateConflict
from rota.models import Station, VisitRequest
from rota.services import booking
from rota.services import visits as home
from rota.services.dispatch import dispatch_now
from rota.services.problem import build_problem, save_plan
from rota.services.rotas import publish, rota_with_status
from rota.visits import VisitEvent, VisitPlan, VisitState
from solver.result import OPTIMAL, Message, SolveResult, VisitOutcome

WEEK = date(2026, 12, 7)
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # the Sunday before the week


@pytest.fixture
def station(session: Session) -> Station:
    """The demo station with its week of visit requests."""
    seed_demo(session, stations=1, seed=0, start=WEEK)
    found = session.scalars(select(Station)).first()
    assert found is not None
    return found


def request_data(station: Station, **changes: Any) -> dict[str, Any]:
    """A valid phone-intake request, with some fields changed."""
    compound = station.compounds[0]
    data: dict[str, Any] = {
        "name": "陈婆婆",
        "phone": "138 0013 8000",
        "compound": compound.id,
        "building": compound.buildings[0].id,
        "flat": "1203",
        "language": "yue",
        "lives_alone": True,
        "service_type": "appliance_repair",
        "description": "热水器不出热水",
        "urgency": "urgent",
        "windows": [{"start": "2026-12-09T09:00", "end": "2026-12-09T12:00"}],
    }
    return data | changes


def count(session: Session) -> int:
    """How many visit requests are stored."""
    return session.scalar(select(func.count()).select_from(VisitRequest)) or 0


def test_intake_stores_the_request_with_resident_reference_and_history(
    session: Session, station: Station
) -> None:
    state = home.intake(session, station, request_data(station), now=NOW)

    assert state.visit.status == VisitStatus.REQUESTED
    assert state.visit.resident_phone == "+8613800138000"
    assert state.resident is not None
    assert state.resident.lives_alone is True
    assert state.reference.startswith("BK-")
    assert state.windows == [["2026-12-09T09:00:00+08:00", "2026-12-09T12:00:00+08:00"]]
    assert [e.status for e in home.events(session, state.visit_id)] == [VisitStatus.REQUESTED]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"service_type": "massage"}, "service_type"),
        ({"windows": [{"start": "2026-12-01T09:00", "end": "2026-12-01T10:00"}]}, "windows[0]"),
        ({"windows": [{"start": "2026-12-09T12:00", "end": "2026-12-09T09:00"}]}, "windows[0]"),
        ({"windows": [{"start": "soon", "end": "later"}]}, "windows[0]"),
        ({"windows": []}, "windows"),
        ({"building": 999999}, "building"),
        ({"compound": 999999}, "compound"),
        ({"language": "fr"}, "language"),
        ({"name": ""}, "name"),
        ({"urgency": "whenever"}, "urgency"),
    ],
)
def test_intake_refuses_bad_input_naming_the_field(
    session: Session, station: Station, changes: dict[str, Any], field: str
) -> None:
    before = count(session)

    with pytest.raises(InvalidInput) as raised:
        home.intake(session, station, request_data(station, **changes), now=NOW)

    assert field in [e.where for e in raised.value.errors]
    assert count(session) == before


def test_intake_refuses_a_building_of_another_compound(session: Session, station: Station) -> None:
    other = station.compounds[1].buildings[0].id

    with pytest.raises(InvalidInput) as raised:
        home.intake(session, station, request_data(station, building=other), now=NOW)

    assert [e.where for e in raised.value.errors] == ["building"]


def test_the_weeks_requests_enter_the_problem_with_skill_windows_and_compounds(
    session: Session, station: Station
) -> None:
    problem, context = build_problem(session, week_start=WEEK)

    assert len(problem.visits) == 40
    skills = {"appliance_repair", "health_consult", "cleaning", "first_aid"}
    assert {v.skill for v in problem.visits} <= skills
    assert all(0 <= v.windows[0][0] < 7 * 1440 for v in problem.visits)
    assert {v.compound for v in problem.visits} <= {c.id for c in problem.compounds}
    assert problem.travel
    assert set(context.visits) == {v.id for v in problem.visits}


def _served_result(problem_visits: list[str], person: str) -> SolveResult:
    """A result serving the first visit and leaving the others with a reason."""
    reason = Message("visit_no_free_butler", "没有空闲人员", "nobody free")
    outcomes = [VisitOutcome(problem_visits[0], person, 3 * 1440 + 9 * 60)]
    outcomes += [VisitOutcome(v, None, None, reason) for v in problem_visits[1:]]
    return SolveResult(OPTIMAL, 0, 0, 0.1, visits=tuple(outcomes))


def test_a_draft_stores_every_visit_and_publishing_makes_them_live(
    session: Session, station: Station
) -> None:
    problem, context = build_problem(session, week_start=WEEK)
    person = next(iter(context.people))
    save_plan(session, context, _served_result([v.id for v in problem.visits], person), now=NOW)
    draft = rota_with_status(session, station.id, WEEK, RotaStatus.DRAFT)
    assert draft is not None
    plans = session.scalars(select(VisitPlan).where(VisitPlan.rota_id == draft.id)).all()
    assert len(plans) == 40
    assert sum(1 for p in plans if p.reason) == 39

    publish(session, stations=[station], week_start=WEEK, now=NOW)

    served = session.get(VisitState, context.visits[problem.visits[0].id])
    assert served is not None
    assert served.visit.status == VisitStatus.SCHEDULED
    assert served.start_at == datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)
    unserved = session.get(VisitState, context.visits[problem.visits[1].id])
    assert unserved is not None
    assert unserved.visit.status == VisitStatus.REQUESTED
    assert unserved.reason is not None
    assert unserved.reason["en"] == "nobody free"


def test_a_published_visit_is_kept_in_the_next_plan_and_a_dispatched_one_pinned(
    session: Session, station: Station
) -> None:
    problem, context = build_problem(session, week_start=WEEK)
    person = next(iter(context.people))
    save_plan(session, context, _served_result([v.id for v in problem.visits], person), now=NOW)
    publish(session, stations=[station], week_start=WEEK, now=NOW)
    second = session.get(VisitState, context.visits[problem.visits[1].id])
    assert second is not None
    second.person_id, second.start_at, second.pinned = context.people[person], second.visit.window_start, True

    again, _ = build_problem(session, week_start=WEEK)

    kept, pinned = again.visits[0], again.visits[1]
    assert (kept.published_person, kept.published_start) == (person, 3 * 1440 + 9 * 60)
    assert kept.person is None
    assert pinned.person == person
    assert pinned.start is not None


def test_continuity_knows_who_served_the_elder_before(session: Session, station: Station) -> None:
    old = home.intake(
        session,
        station,
        request_data(station, windows=[{"start": "2026-12-01T09:00", "end": "2026-12-01T11:00"}]),
        now=datetime(2026, 11, 30, tzinfo=UTC),
    )
    old.person_id, old.start_at = station.people[3].id, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
    old.visit.status = VisitStatus.DONE
    new = home.intake(session, station, request_data(station), now=NOW)

    problem, _ = build_problem(session, week_start=WEEK)

    visit = next(v for v in problem.visits if v.id == home.visit_key(new.visit_id))
    assert visit.previous_butlers == (f"P{station.people[3].id}",)
    assert visit.urgency == 1
    assert visit.language == "yue"


def booking_data(station: Station, start: datetime, **changes: Any) -> dict[str, Any]:
    """A valid online booking of an appliance repair at ``start``."""
    return request_data(station, start=start.isoformat(), **changes)


def test_slots_are_offered_only_when_someone_qualified_can_come(session: Session, station: Station) -> None:
    compound = station.compounds[0].id

    slots = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)

    assert slots
    assert all(s.start >= NOW + booking.LEAD for s in slots)
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)
    assert all(s.start.astimezone(ZONE).hour >= 8 for s in slots)


def test_booking_takes_a_butler_away_from_the_slot(session: Session, station: Station) -> None:
    compound = station.compounds[0].id
    slot = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)[0]

    state = booking.book(session, station, booking_data(station, slot.start), now=NOW)

    assert state.visit.status == VisitStatus.SCHEDULED
    assert (state.booked, state.start_at) == (True, slot.start)
    after = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)
    same = [s for s in after if s.start == slot.start]
    assert (same[0].butlers if same else 0) == slot.butlers - 1


def test_published_duty_shifts_remove_slots(session: Session, station: Station) -> None:
    compound = station.compounds[0].id
    before = booking.available_slots(session, station, ServiceType.HEALTH_CONSULT, compound, now=NOW)
    problem, context = build_problem(session, week_start=WEEK)
    # Everyone on every shift: nobody is free during duty hours any more.
    pairs = tuple((p, s.id) for p in context.people for s in problem.shifts)
    save_plan(session, context, SolveResult(OPTIMAL, 0, 0, 0.1, assignments=pairs), now=NOW)
    publish(session, stations=[station], week_start=WEEK, now=NOW)

    after = booking.available_slots(session, station, ServiceType.HEALTH_CONSULT, compound, now=NOW)

    assert len(after) < len(before)


def test_booking_the_last_butler_twice_is_refused(session: Session, station: Station) -> None:
    compound = station.compounds[0].id
    slot = booking.available_slots(session, station, ServiceType.FIRST_AID, compound, now=NOW)[0]
    data = booking_data(station, slot.start, service_type="first_aid")
    for n in range(slot.butlers):
        booking.book(session, station, data | {"phone": f"1380013{n:04d}"}, now=NOW)

    with pytest.raises(StateConflict):
        booking.book(session, station, data | {"phone": "13900139000"}, now=NOW)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2026-12-01T09:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"service_type": "massage"}, "service_type"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_booking_refuses_bad_input(
    session: Session, station: Station, changes: dict[str, Any], field: str
) -> None:
    before = count(session)
    data = booking_data(station, datetime(2026, 12, 9, 10, 0, tzinfo=ZONE)) | changes

    with pytest.raises(InvalidInput) as raised:
        booking.book(session, station, data, now=NOW)

    assert field in [e.where for e in raised.value.errors]
    assert count(session) == before


def test_cancel_frees_the_slot_and_reschedule_moves_it(session: Session, station: Station) -> None:
    compound = station.compounds[0].id
    slots = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)
    state = booking.book(session, station, booking_data(station, slots[0].start), now=NOW)

    booking.reschedule(session, state, slots[5].start.isoformat(), now=NOW)
    assert (state.start_at, state.visit.window_start) == (slots[5].start, slots[5].start)
    booking.cancel(session, state, now=NOW, note="resident fixed it")

    assert state.visit.status == VisitStatus.CANCELLED
    assert state.cancelled_at == NOW
    after = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)
    assert [s.butlers for s in after if s.start == slots[5].start] == [slots[5].butlers]


def test_the_lifecycle_stamps_times_and_keeps_the_note(session: Session, station: Station) -> None:
    compound = station.compounds[0].id
    slot = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)[0]
    state = booking.book(session, station, booking_data(station, slot.start), now=NOW)
    later = NOW + timedelta(days=2)

    home.transition(session, state, VisitStatus.IN_PROGRESS, now=later)
    home.transition(session, state, VisitStatus.DONE, now=later + timedelta(hours=1), note="换了温控器")

    assert (state.started_at, state.finished_at) == (later, later + timedelta(hours=1))
    assert state.note == "换了温控器"
    logged = session.scalars(select(VisitEvent).where(VisitEvent.visit_id == state.visit_id))
    steps = [e.status for e in logged]
    assert steps == [VisitStatus.REQUESTED, VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.DONE]
    with pytest.raises(StateConflict):
        home.transition(session, state, VisitStatus.CANCELLED, now=later)
    assert [h.visit_id for h in home.history(session, state)] == [state.visit_id]


def test_only_coordinators_and_the_assigned_butler_see_contact_details(
    session: Session, station: Station
) -> None:
    compound = station.compounds[0].id
    slot = booking.available_slots(session, station, ServiceType.APPLIANCE_REPAIR, compound, now=NOW)[0]
    state = booking.book(session, station, booking_data(station, slot.start), now=NOW)

    assert home.may_see_contact(state, coordinator=True, person_id=None)
    assert home.may_see_contact(state, coordinator=False, person_id=state.person_id)
    assert not home.may_see_contact(state, coordinator=False, person_id=-1)


def test_dispatch_now_sends_the_nearest_qualified_butler_on_duty(session: Session, station: Station) -> None:
    problem, context = build_problem(session, week_start=WEEK)
    pairs = tuple((p, s.id) for p in context.people for s in problem.shifts)
    save_plan(session, context, SolveResult(OPTIMAL, 0, 0, 0.1, assignments=pairs), now=NOW)
    publish(session, stations=[station], week_start=WEEK, now=NOW)
    at = datetime(2026, 12, 9, 10, 0, tzinfo=ZONE)
    window = [{"start": "2026-12-09T10:00", "end": "2026-12-09T11:00"}]
    emergency = home.intake(
        session,
        station,
        request_data(station, service_type="first_aid", urgency="emergency", windows=window),
        now=at - timedelta(minutes=1),
    )

    sent = dispatch_now(session, emergency, now=at)

    assert any(s.skill == "first_aid" for s in sent.person.skills)
    assert (emergency.person_id, emergency.pinned) == (sent.person.id, True)
    assert emergency.start_at == at + timedelta(minutes=sent.travel_minutes)
    assert emergency.visit.status == VisitStatus.SCHEDULED
    assert all(c.reference != emergency.reference for c in sent.changes)


def test_states_of_many_requests_takes_one_query_and_matches_state_of(
    session: Session, station: Station
) -> None:
    visits = list(session.scalars(select(VisitRequest).order_by(VisitRequest.id)))
    # Requests from before booking existed have no state; the demo makes one with each request.
    session.execute(delete(VisitState).where(VisitState.visit_id.in_([v.id for v in visits[1::2]])))
    made = [home.state_of(session, v) for v in visits[::2]]
    session.expire_all()
    statements: list[str] = []
    engine = session.get_bind()
    listen = event.listens_for(engine, "before_cursor_execute")

    @listen
    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    states = home.states_of(session, visits[::2])
    event.remove(engine, "before_cursor_execute", record)
    again = home.states_of(session, visits)

    assert [s.visit_id for s in states] == [v.id for v in visits[::2]]
    assert [s.reference for s in states] == [s.reference for s in made]
    assert len([q for q in statements if "visit_states" in q]) == 1
    assert [s.visit_id for s in again] == [v.id for v in visits]
    assert len({s.reference for s in again}) == len(visits)  # the missing ones were made
