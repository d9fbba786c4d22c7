"""build_problem: the database's week as the solver's Problem."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import InvalidInput, NotFound
from rota.models import ShiftBan
from rota.problem_file import dump_problem, load_problem
from rota.services.problem import apportion, build_problem, org_key, person_key
from rota.services.stations import materialise_shifts
from solver.instance import History, Pin, SkillGrant, Unavailability
from tests.conftest import TinyStation, make_tiny_station

WEEK = date(2026, 11, 30)
LAST_WEEK = WEEK - timedelta(weeks=1)
DAY = 1440


def test_shifts_and_types_follow_the_templates(session: Session, tiny: TinyStation) -> None:
    problem, context = build_problem(session, week_start=WEEK)

    assert (problem.start_date, problem.days, problem.timezone) == ("2026-11-30", 7, "Asia/Shanghai")
    assert [s.id for s in problem.shifts[:3]] == ["T1-1130-AM", "T1-1130-NT", "T1-1201-AM"]
    night = problem.shifts_by_id["T1-1130-NT"]
    assert (night.day, night.start, night.end, night.station) == (0, 20 * 60, DAY + 8 * 60, "T1")
    assert problem.shift_types_by_id["NT"].forbidden_next == frozenset({"AM"})
    assert problem.shift_types_by_id["NT"].night is True
    assert context.type_names == {"AM": ("上午班", "Morning"), "NT": ("夜班", "Night")}


def test_approved_leave_becomes_unavailability_and_other_leave_is_ignored(
    session: Session, tiny: TinyStation
) -> None:
    problem, _ = build_problem(session, week_start=WEEK)

    person = problem.people_by_id[person_key(tiny.on_leave.id)]

    assert person.unavailable == (Unavailability(DAY, 2 * DAY, "leave"),)


def test_weekly_availability_leaves_only_its_windows(session: Session, tiny: TinyStation) -> None:
    problem, _ = build_problem(session, week_start=WEEK)

    person = problem.people_by_id[person_key(tiny.part_timer.id)]

    # Mondays 08:00-12:00 only; the span ends with the last night shift, Monday 08:00 next week.
    last_end = 7 * DAY + 8 * 60
    assert person.unavailable == (
        Unavailability(0, 8 * 60, "unavailable"),
        Unavailability(12 * 60, last_end, "unavailable"),
    )
    # One 4-hour morning of the week's 7 x 4 h + 7 x 12 h of duty.
    assert person.fair_share == 240 * 1000 // (7 * 240 + 7 * 720)


def test_certificates_become_grants_with_day_validity(session: Session, tiny: TinyStation) -> None:
    problem, _ = build_problem(session, week_start=WEEK)

    person = problem.people_by_id[person_key(tiny.part_timer.id)]

    assert person.skills == (SkillGrant("health_consult", None, 2), SkillGrant("bathing", 3, None))


def test_without_published_weeks_history_is_unknown(session: Session, tiny: TinyStation) -> None:
    problem, _ = build_problem(session, week_start=WEEK)

    assert {p.history for p in problem.people} == {None}


def _last_week_published(session: Session, tiny: TinyStation) -> None:
    """The full-timer worked Friday and Saturday mornings and the Sunday night into Monday."""
    rows = [
        (tiny.shift(session, WEEK - timedelta(days=3), "AM"), tiny.full_timer, False),
        (tiny.shift(session, WEEK - timedelta(days=2), "AM"), tiny.full_timer, False),
        (tiny.shift(session, WEEK - timedelta(days=1), "NT"), tiny.full_timer, False),
    ]
    tiny.rota(session, LAST_WEEK, RotaStatus.PUBLISHED, rows)


def test_history_comes_from_the_published_week_before(session: Session, tiny: TinyStation) -> None:
    _last_week_published(session, tiny)

    problem, _ = build_problem(session, week_start=WEEK)

    worker = problem.people_by_id[person_key(tiny.full_timer.id)]
    assert worker.history == History(
        consecutive_days_worked=3,
        consecutive_days_off=0,
        last_shift_type="NT",
        last_shift_end=0,  # the night ended at 08:00 on day 0: kept at the start, see unavailability
        weekends_worked=2,
        nights_worked=1,
        holidays_worked=0,
    )
    assert worker.unavailable == (Unavailability(0, 8 * 60 + 660, "unavailable"),)
    assert worker.limits.max_weekends == 1  # two per four weeks, one already worked
    idle = problem.people_by_id[person_key(tiny.part_timer.id)]
    assert idle.history == History(consecutive_days_off=7)


def test_carried_minutes_measure_last_weeks_share_against_the_quota(
    session: Session, tiny: TinyStation
) -> None:
    _last_week_published(session, tiny)

    problem, _ = build_problem(session, week_start=WEEK)

    orgs = problem.organisations_by_id
    # Cadres worked 4 + 4 + 12 hours = 1200 minutes of 1200 against a 60 % quota.
    cadres, clinic = tiny.full_timer.org, tiny.part_timer.org
    assert orgs[org_key(cadres.id)].carried_minutes == 1200 - 720
    assert orgs[org_key(clinic.id)].carried_minutes == 0 - 480
    assert (orgs[org_key(cadres.id)].quota_permille, orgs[org_key(clinic.id)].quota_permille) == (600, 400)


def test_superseded_and_draft_weeks_are_not_history(session: Session, tiny: TinyStation) -> None:
    shift = tiny.shift(session, WEEK - timedelta(days=1), "AM")
    tiny.rota(session, LAST_WEEK, RotaStatus.SUPERSEDED, [(shift, tiny.full_timer, False)])
    tiny.rota(session, LAST_WEEK, RotaStatus.DRAFT, [(shift, tiny.full_timer, False)], version=2)

    problem, _ = build_problem(session, week_start=WEEK)

    assert {p.history for p in problem.people} == {None}


def test_pins_come_from_the_current_draft_and_bans(session: Session, tiny: TinyStation) -> None:
    tuesday, monday = tiny.shift(session, WEEK + timedelta(days=1), "AM"), tiny.shift(session, WEEK, "AM")
    rows = [(tuesday, tiny.full_timer, True), (monday, tiny.on_leave, False)]
    tiny.rota(session, WEEK, RotaStatus.DRAFT, rows)
    session.add(ShiftBan(shift=monday, person=tiny.part_timer, reason="与住户有纠纷"))
    session.flush()

    problem, context = build_problem(session, week_start=WEEK)

    assert problem.pins == (
        Pin(person_key(tiny.full_timer.id), "T1-1201-AM", True),
        Pin(person_key(tiny.part_timer.id), "T1-1130-AM", False),
    )
    assert context.pinned == {(person_key(tiny.full_timer.id), "T1-1201-AM")}
    assert problem.previous is None


def test_the_published_rota_of_the_week_is_the_previous_plan(session: Session, tiny: TinyStation) -> None:
    tiny.rota(
        session, WEEK, RotaStatus.PUBLISHED, [(tiny.shift(session, WEEK, "AM"), tiny.full_timer, False)]
    )

    problem, _ = build_problem(session, week_start=WEEK)

    assert problem.previous is not None
    assert problem.previous.assignments == {(person_key(tiny.full_timer.id), "T1-1130-AM")}
    assert problem.previous.shifts == {s.id for s in problem.shifts}


def test_chinese_public_holidays_are_marked(session: Session, tiny: TinyStation) -> None:
    golden_week = date(2026, 9, 28)
    materialise_shifts(session, tiny.station, golden_week)
    session.flush()

    problem, _ = build_problem(session, week_start=golden_week)

    assert problem.holidays == {3, 4, 5}  # 1-3 October


def test_preferences_become_requests(session: Session, tiny: TinyStation) -> None:
    from rota.models import Preference

    night = next(t for t in tiny.station.shift_templates if t.code == "NT")
    tiny.full_timer.preferences.extend(
        [
            Preference(weekday=6, wants_work=False, weight=5),
            Preference(on_date=WEEK + timedelta(days=2), template=night, wants_work=True, weight=3),
        ]
    )
    session.flush()

    problem, _ = build_problem(session, week_start=WEEK)

    key = person_key(tiny.full_timer.id)
    assert [(r.day, r.shift_type, r.on, r.weight) for r in problem.requests if r.person == key] == [
        (2, "NT", True, 3),
        (6, None, False, 5),
    ]


def test_a_district_plans_every_station_with_shared_quotas(session: Session, tiny: TinyStation) -> None:
    other = make_tiny_station(session, "T2")
    tiny.full_timer.extra_stations.append(other.station)
    session.flush()

    problem, context = build_problem(session, week_start=WEEK)

    assert set(context.stations.values()) == {"T1", "T2"}
    assert len(problem.shifts) == 28
    assert problem.people_by_id[person_key(tiny.full_timer.id)].stations == ("T1", "T2")
    assert problem.people_by_id[person_key(other.full_timer.id)].stations == ("T2",)
    # Both stations have the same duty, so each organisation's quota is half its station's.
    assert problem.organisations_by_id[org_key(tiny.full_timer.org_id)].quota_permille == 300


def test_a_helper_is_busy_where_the_other_station_already_has_them(
    session: Session, tiny: TinyStation
) -> None:
    other = make_tiny_station(session, "T2")
    tiny.full_timer.extra_stations.append(other.station)
    tiny.rota(session, WEEK, RotaStatus.DRAFT, [(tiny.shift(session, WEEK, "NT"), tiny.full_timer, False)])

    problem, _ = build_problem(session, week_start=WEEK, station_id=other.station.id)

    helper = problem.people_by_id[person_key(tiny.full_timer.id)]
    assert helper.unavailable == (Unavailability(20 * 60, DAY + 8 * 60, "unavailable"),)
    assert {s.station for s in problem.shifts} == {"T2"}


def test_the_problem_is_a_valid_problem_file(session: Session, tiny: TinyStation) -> None:
    _last_week_published(session, tiny)
    problem, _ = build_problem(session, week_start=WEEK)

    assert load_problem(dump_problem(problem)) == problem


@pytest.mark.parametrize(
    ("week", "station", "error", "message"),
    [
        (date(2027, 3, 1), None, NotFound, "no shifts in 2027-W09"),
        (WEEK, 999, NotFound, "station '999' not found"),
        (WEEK + timedelta(days=1), None, InvalidInput, "bad week"),
    ],
)
def test_bad_requests_are_typed_errors(
    session: Session, tiny: TinyStation, week: date, station: int | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build_problem(session, week_start=week, station_id=station)


def test_an_empty_database_has_nothing_to_plan(session: Session) -> None:
    with pytest.raises(NotFound, match="rota demo"):
        build_problem(session, week_start=WEEK)


def test_district_quotas_keep_their_sum_where_rounding_each_would_not() -> None:
    # 26 stations of equal duty, each with quotas of 300, 250, 250 and 200 permille (1000).
    shares = {
        4 * station + i: Fraction(quota, 26)
        for station in range(26)
        for i, quota in enumerate((300, 250, 250, 200))
    }

    quotas = apportion(shares)

    assert sum(round(share) for share in shares.values()) == 1040  # each rounded on its own
    assert sum(quotas.values()) == 1000
    assert all(math.floor(shares[k]) <= quotas[k] <= math.ceil(shares[k]) for k in shares)


def test_apportioned_quotas_go_to_the_largest_remainders_first() -> None:
    shares = {1: Fraction(5, 2), 2: Fraction(27, 10), 3: Fraction(48, 10)}  # 2.5 + 2.7 + 4.8 = 10

    assert apportion(shares) == {1: 2, 2: 3, 3: 5}
    assert apportion({1: Fraction(1, 2), 2: Fraction(1, 2)}) == {1: 1, 2: 0}  # a tie: the lower key
