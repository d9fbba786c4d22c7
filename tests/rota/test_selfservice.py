"""Self-service use cases on the tiny station: leave, preferences, swaps, activities, changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from rota.domain import LeaveStatus, RotaStatus
from rota.errors import InvalidInput, StateConflict
from rota.selfservice import SelfServiceSettings, SignupStatus, SwapStatus
from rota.services import selfservice as ss
from rota.services import selfservice_activities as acts
from rota.services import selfservice_swaps as swaps
from rota.services.planning_input import planning_problem
from rota.services.problem import build_problem, person_key
from rota.services.rotas import rota_with_status
from rota.services.selfservice_queue import leave_effects, queue
from tests.conftest import TinyStation

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # Sunday before the tiny week, 10:00 in Shanghai


def _published(tiny: TinyStation, session: Session) -> None:
    """Publish a tiny week: 张一 on Tuesday and Wednesday AM, 王三 on Monday night, 李二 on Monday AM."""
    monday, tuesday = tiny.week, tiny.week + timedelta(days=1)
    rows = [
        (tiny.shift(session, tuesday, "AM"), tiny.full_timer, False),
        (tiny.shift(session, tuesday + timedelta(days=1), "AM"), tiny.full_timer, False),
        (tiny.shift(session, monday, "NT"), tiny.on_leave, False),
        (tiny.shift(session, monday, "AM"), tiny.part_timer, False),
    ]
    tiny.rota(session, tiny.week, RotaStatus.PUBLISHED, rows)


def test_approved_leave_request_keeps_the_person_off_the_rota(session: Session, tiny: TinyStation) -> None:
    thursday = tiny.week + timedelta(days=3)
    leave = ss.request_leave(session, tiny.full_timer, thursday, thursday, "体检", now=NOW)
    ss.decide_leave(session, leave.id, approve=True, note="", user_id=None, now=NOW)

    problem, _ = build_problem(session, week_start=tiny.week, station_id=tiny.station.id)
    person = problem.people_by_id[person_key(tiny.full_timer.id)]

    assert [(u.start, u.end, u.kind) for u in person.unavailable] == [(3 * 1440, 4 * 1440, "leave")]
    assert ss.decision_of(session, leave).decided_at == NOW  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first", "last", "reason", "field"),
    [
        (date(2026, 12, 3), date(2026, 12, 2), "", "last"),
        (date(2026, 11, 20), date(2026, 11, 21), "", "first"),
        (date(2026, 12, 3), date(2026, 12, 3), "x" * 201, "reason"),
    ],
)
def test_bad_leave_requests_name_the_field(
    session: Session, tiny: TinyStation, first: date, last: date, reason: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        ss.request_leave(session, tiny.full_timer, first, last, reason, now=NOW)

    assert [e.where for e in caught.value.errors] == [field]


def test_declining_leave_needs_a_reason(session: Session, tiny: TinyStation) -> None:
    leave = ss.request_leave(session, tiny.full_timer, tiny.week, tiny.week, "", now=NOW)

    with pytest.raises(InvalidInput):
        ss.decide_leave(session, leave.id, approve=False, note=" ", user_id=None, now=NOW)
    ss.decide_leave(session, leave.id, approve=False, note="人手不足", user_id=None, now=NOW)

    assert (leave.status, ss.decision_of(session, leave).note) == (LeaveStatus.DECLINED, "人手不足")  # type: ignore[union-attr]


def test_leave_effect_names_the_shift_left_short(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    tuesday = tiny.week + timedelta(days=1)
    leave = ss.request_leave(session, tiny.full_timer, tuesday, tuesday, "", now=NOW)

    effects = leave_effects(session, leave)

    assert [(e.shift.date, e.shift.template.code, e.delta) for e in effects] == [(tuesday, "AM", -1)]


def test_preference_becomes_a_solver_request(session: Session, tiny: TinyStation) -> None:
    template = tiny.station.shift_templates[0]
    ss.add_preference(
        session, tiny.full_timer, wants_work=False, weight=4, weekday=2, template_id=template.id
    )

    problem, _ = build_problem(session, week_start=tiny.week, station_id=tiny.station.id)

    assert [(r.person, r.day, r.shift_type, r.on, r.weight) for r in problem.requests] == [
        (person_key(tiny.full_timer.id), 2, "AM", False, 4)
    ]


def test_preference_needs_a_date_or_a_weekday(session: Session, tiny: TinyStation) -> None:
    with pytest.raises(InvalidInput) as caught:
        ss.add_preference(session, tiny.full_timer, wants_work=True, weight=1)

    assert [e.where for e in caught.value.errors] == ["on_date"]


def test_availability_window_limits_planning(session: Session, tiny: TinyStation) -> None:
    ss.add_window(session, tiny.full_timer, 0, time(8), time(12))

    problem, _ = build_problem(session, week_start=tiny.week, station_id=tiny.station.id)
    person = problem.people_by_id[person_key(tiny.full_timer.id)]

    assert person.unavailable[0].end == 8 * 60


def test_handover_refused_for_too_little_rest_with_the_reason(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    night = tiny.shift(session, tiny.week, "NT")

    with pytest.raises(swaps.SwapRefused) as caught:
        swaps.request_swap(
            session, tiny.on_leave, shift_id=night.id, colleague_id=tiny.full_timer.id,
            other_shift_id=None, note="", now=NOW,
        )  # fmt: skip

    rules = {r.rule for r in caught.value.refusals}
    assert rules == {"min_rest", "forbidden_succession"}
    rest = next(r for r in caught.value.refusals if r.rule == "min_rest")
    assert (rest.zh, tiny.full_timer.name in rest.detail) == ("最短休息时间", True)


def test_accepted_and_approved_swap_publishes_a_new_version(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    wednesday_am = tiny.shift(session, tiny.week + timedelta(days=2), "AM")
    swap = swaps.request_swap(
        session, tiny.full_timer, shift_id=wednesday_am.id, colleague_id=tiny.on_leave.id,
        other_shift_id=None, note="家里有事", now=NOW,
    )  # fmt: skip
    with pytest.raises(StateConflict):
        swaps.decide_swap(session, swap.id, approve=True, note="", now=NOW)

    swaps.answer_swap(session, swap.id, tiny.on_leave, accept=True, now=NOW)
    swaps.decide_swap(session, swap.id, approve=True, note="", now=NOW)

    new = rota_with_status(session, tiny.station.id, tiny.week, RotaStatus.PUBLISHED)
    assert new is not None
    assert (new.version, swap.status, swap.rota_id) == (2, SwapStatus.APPROVED, new.id)
    assert (wednesday_am.id, tiny.on_leave.id, True) in {
        (a.shift_id, a.person_id, a.pinned) for a in new.assignments
    }
    assert tiny.full_timer.id not in {a.person_id for a in new.assignments if a.shift_id == wednesday_am.id}


def test_approval_free_station_applies_the_swap_on_acceptance(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    session.add(SelfServiceSettings(station_id=tiny.station.id, swaps_need_approval=False))
    wednesday_am = tiny.shift(session, tiny.week + timedelta(days=2), "AM")
    swap = swaps.request_swap(
        session, tiny.full_timer, shift_id=wednesday_am.id, colleague_id=tiny.on_leave.id,
        other_shift_id=None, note="", now=NOW,
    )  # fmt: skip

    swaps.answer_swap(session, swap.id, tiny.on_leave, accept=True, now=NOW)

    assert swap.status == SwapStatus.APPROVED


def _activity(session: Session, tiny: TinyStation, places: int = 2) -> acts.Activity:
    """A Friday afternoon gathering with a sign-up window open now."""
    return acts.create_activity(
        session, tiny.station, title="中秋游园会", kind="gathering", day=tiny.week + timedelta(days=4),
        start=time(14), end=time(17), places=places,
        signup_opens_at=NOW - timedelta(days=1), signup_closes_at=NOW + timedelta(days=1),
    )  # fmt: skip


def test_signup_becomes_a_pin_once_confirmed(session: Session, tiny: TinyStation) -> None:
    activity = _activity(session, tiny)
    signup = acts.sign_up(session, activity.id, tiny.full_timer, now=NOW)
    acts.decide_signup(session, signup.id, approve=True, now=NOW)

    problem, context = build_problem(session, week_start=tiny.week, station_id=tiny.station.id)
    pinned, _ = acts.with_signup_pins(session, problem, context)

    assert [(p.person, p.shift) for p in pinned.pins] == [(person_key(tiny.full_timer.id), "T1-1204-ACT3")]
    assert [s.type for s in problem.shifts if s.type.startswith("ACT")] == ["ACT3"]


def test_signup_refused_when_full_or_closed(session: Session, tiny: TinyStation) -> None:
    activity = _activity(session, tiny, places=1)
    acts.sign_up(session, activity.id, tiny.full_timer, now=NOW)

    with pytest.raises(StateConflict, match="full"):
        acts.sign_up(session, activity.id, tiny.on_leave, now=NOW)
    with pytest.raises(StateConflict, match="deadline"):
        acts.withdraw(session, activity.id, tiny.full_timer, now=NOW + timedelta(days=2))
    acts.withdraw(session, activity.id, tiny.full_timer, now=NOW)
    assert activity.signups[0].status == SignupStatus.WITHDRAWN


def test_signup_outside_availability_is_refused(session: Session, tiny: TinyStation) -> None:
    activity = _activity(session, tiny)

    with pytest.raises(InvalidInput) as caught:
        acts.sign_up(session, activity.id, tiny.part_timer, now=NOW)

    assert [e.where for e in caught.value.errors] == ["Availability and leave"]


def test_queue_shows_each_request_with_its_effect(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    activity = _activity(session, tiny, places=1)
    acts.sign_up(session, activity.id, tiny.full_timer, now=NOW)
    tuesday = tiny.week + timedelta(days=1)
    ss.request_leave(session, tiny.full_timer, tuesday, tuesday, "", now=NOW)

    found = queue(session, tiny.station.id)

    assert [e.delta for e in found.signups[0].effects] == [1]
    assert [(len(found.leaves), found.size)] == [(2, 3)]  # the tiny station's own request too


def test_changes_since_last_seen(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    today = tiny.week
    ss.mark_seen(session, tiny.full_timer, today=today, now=NOW)
    wednesday_am = tiny.shift(session, tiny.week + timedelta(days=2), "AM")
    swap = swaps.request_swap(
        session, tiny.full_timer, shift_id=wednesday_am.id, colleague_id=tiny.on_leave.id,
        other_shift_id=None, note="", now=NOW + timedelta(hours=1),
    )  # fmt: skip
    swaps.answer_swap(session, swap.id, tiny.on_leave, accept=True, now=NOW + timedelta(hours=1))
    swaps.decide_swap(session, swap.id, approve=True, note="", now=NOW + timedelta(hours=2))

    changes = ss.changes_since_seen(session, tiny.full_timer, today=today)

    assert ([s.id for s in changes.removed], [s.id for s in changes.added]) == ([wednesday_am.id], [])
    assert [s.id for s in changes.swaps] == [swap.id]
    ss.mark_seen(session, tiny.full_timer, today=today, now=NOW + timedelta(hours=3))
    assert ss.changes_since_seen(session, tiny.full_timer, today=today).empty


def test_planning_problem_pins_confirmed_signups(session: Session, tiny: TinyStation) -> None:
    activity = _activity(session, tiny)
    signup = acts.sign_up(session, activity.id, tiny.full_timer, now=NOW)
    acts.decide_signup(session, signup.id, approve=True, now=NOW)

    problem, context = planning_problem(session, week_start=tiny.week, station_id=tiny.station.id)

    assert (person_key(tiny.full_timer.id), "T1-1204-ACT3") in {(p.person, p.shift) for p in problem.pins}
    assert (person_key(tiny.full_timer.id), "T1-1204-ACT3") in context.pinned


def test_no_shift_is_handed_to_a_colleague_who_left(session: Session, tiny: TinyStation) -> None:
    _published(tiny, session)
    wednesday_am = tiny.shift(session, tiny.week + timedelta(days=2), "AM")
    tiny.on_leave.active = False

    with pytest.raises(InvalidInput) as refused:
        swaps.request_swap(
            session, tiny.full_timer, shift_id=wednesday_am.id, colleague_id=tiny.on_leave.id,
            other_shift_id=None, note="", now=NOW,
        )  # fmt: skip

    assert [e.where for e in refused.value.errors] == ["colleague_id"]
