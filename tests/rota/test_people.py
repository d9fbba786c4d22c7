"""Managing organisations, people, availability, leave, shift templates and compounds: field checks
that change nothing, and what a good form stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import InvalidInput, NotFound
from rota.models import Compound, Leave, Organisation, Person, ShiftTemplate, TravelTime
from rota.services import people, templates
from rota.services.problem import build_problem, person_key
from tests.conftest import TinyStation

GOOD_PERSON = {
    "name": "赵六",
    "org": "T1居委会",
    "phone": "13800138000",
    "languages": "yue, cmn",
    "skills": "intake, first_aid:2027-03-31",
    "fte": "0.6",
    "max_shifts_per_week": "4",
}


def _count(session: Session, model: type[object]) -> int:
    """Rows of a model."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def _problems(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    """(field, message) of a refusal."""
    return [(e.where, e.message) for e in error.value.errors]


def test_save_person_stores_every_field(session: Session, tiny: TinyStation) -> None:
    person = people.save_person(session, tiny.station, GOOD_PERSON)

    assert (person.name, person.org.name, person.phone, person.languages) == (
        "赵六", "T1居委会", "13800138000", ["yue", "cmn"]
    )  # fmt: skip
    assert [(s.skill, s.valid_until) for s in person.skills] == [
        ("intake", None), ("first_aid", date(2027, 3, 31))
    ]  # fmt: skip
    assert (person.fte_permille, person.max_shifts_per_week, person.max_minutes_per_week) == (600, 4, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "required"),
        ("name", "x" * 101, "at most 100 characters"),
        ("org", "nobody", "no organisation 'nobody' at this station"),
        ("phone", "call me", "'call me' is not a phone number"),
        ("languages", "fr", "'fr' is not one of yue, cmn"),
        ("skills", "first_aid:2027-02-30", "'2027-02-30' (first_aid) is not a date like 2027-03-31"),
        ("fte", "1.5", "1.5 is not between 0 and 1"),
        ("fte", "half", "'half' is not a number"),
        ("max_shifts_per_day", "0", "0 is not between 1 and 3"),
        ("max_shifts_per_week", "4.5", "'4.5' is not a whole number"),
        ("min_rest_minutes", "2000", "2000 is not between 0 and 1440"),
    ],
)
def test_save_person_refuses_a_bad_field_and_stores_nothing(
    session: Session, tiny: TinyStation, field: str, value: str, message: str
) -> None:
    before = _count(session, Person)

    with pytest.raises(InvalidInput) as error:
        people.save_person(session, tiny.station, GOOD_PERSON | {field: value})

    assert _problems(error) == [(field, message)]
    assert _count(session, Person) == before


def test_save_person_reports_every_bad_field_at_once(session: Session, tiny: TinyStation) -> None:
    with pytest.raises(InvalidInput) as error:
        people.save_person(session, tiny.station, {"name": "", "org": "", "skills": "flying"})

    assert [where for where, _ in _problems(error)] == ["name", "org", "skills"]


def test_min_minutes_above_max_is_refused(session: Session, tiny: TinyStation) -> None:
    values = GOOD_PERSON | {"min_minutes_per_week": "600", "max_minutes_per_week": "300"}

    with pytest.raises(InvalidInput) as error:
        people.save_person(session, tiny.station, values)

    assert _problems(error) == [("min_minutes_per_week", "600 is more than the maximum 300")]


def test_editing_skills_keeps_the_certificate_details(session: Session, tiny: TinyStation) -> None:
    values = people.person_fields(tiny.part_timer) | {"skills": "first_aid:2028-01-31, cooking"}

    people.save_person(session, tiny.station, values, tiny.part_timer)

    assert [(s.skill, s.valid_until) for s in tiny.part_timer.skills] == [
        ("first_aid", date(2028, 1, 31)), ("cooking", None)
    ]  # fmt: skip


def test_person_fields_round_trip(session: Session, tiny: TinyStation) -> None:
    before = people.person_fields(tiny.part_timer)

    people.save_person(session, tiny.station, before, tiny.part_timer)

    assert people.person_fields(tiny.part_timer) == before


def test_certificate_warnings_list_expired_and_soon_expiring(tiny: TinyStation) -> None:
    # The part-timer's first aid lapsed the day before the week, health_consult lapses two days in.
    warnings = people.certificate_warnings(list(tiny.station.people), tiny.week)

    assert [(w.person.name, w.skill.skill, w.days_left, w.expired) for w in warnings] == [
        ("T1李二", "first_aid", -1, True), ("T1李二", "health_consult", 2, False)
    ]  # fmt: skip


def test_certificates_beyond_thirty_days_are_not_flagged(tiny: TinyStation) -> None:
    assert people.certificate_warnings(list(tiny.station.people), date(2026, 10, 1)) == []


@pytest.mark.parametrize(
    ("values", "problems"),
    [
        ({"name": "T1中医馆", "kind": "clinic", "quota": "0"},
         [("name", "'T1中医馆' already exists at this station")]),
        ({"name": "新", "kind": "bank", "quota": "0"}, [("kind", "'bank' is not one of cadre, property, "
                                                          "housekeeping, clinic, volunteer")]),
        ({"name": "新", "kind": "volunteer", "quota": "5"},
         [("quota", "the quotas of the station's organisations would add up to more than 100%")]),
    ],
)  # fmt: skip
def test_save_org_refusals(
    session: Session, tiny: TinyStation, values: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as error:
        people.save_org(session, tiny.station, values)

    assert _problems(error) == problems
    assert _count(session, Organisation) == 2


def test_save_org_stores_quota_in_permille(session: Session, tiny: TinyStation) -> None:
    clinic = tiny.part_timer.org

    people.save_org(session, tiny.station, {"name": "中医馆", "kind": "clinic", "quota": "37.5"}, clinic)

    assert (clinic.name, clinic.quota_permille) == ("中医馆", 375)


def test_leave_covers_whole_local_days(session: Session, tiny: TinyStation) -> None:
    values = {"start": "2026-12-10", "end": "2026-12-11", "status": "approved", "reason": "体检"}

    leave = people.add_leave(session, tiny.full_timer, values)

    assert (leave.start_at, leave.end_at) == (
        datetime(2026, 12, 9, 16, tzinfo=UTC), datetime(2026, 12, 11, 16, tzinfo=UTC)
    )  # fmt: skip
    assert people.leave_days(leave, tiny.station.timezone) == (date(2026, 12, 10), date(2026, 12, 11))


def test_leave_ending_before_it_starts_is_refused(session: Session, tiny: TinyStation) -> None:
    before = _count(session, Leave)

    with pytest.raises(InvalidInput) as error:
        people.add_leave(
            session, tiny.full_timer, {"start": "2026-12-10", "end": "2026-12-09", "status": "approved"}
        )

    assert _problems(error) == [("end", "2026-12-09 is before the first day 2026-12-10")]
    assert _count(session, Leave) == before


def test_availability_window_and_its_removal(session: Session, tiny: TinyStation) -> None:
    window = people.add_availability(
        session, tiny.full_timer, {"weekday": "2", "start": "20:00", "end": "08:00"}
    )
    added = (window.weekday, window.start_time, window.end_time)
    people.remove_availability(session, tiny.full_timer, window.id)

    assert added == (2, time(20), time(8))
    assert tiny.full_timer.availability == []


def test_someone_elses_window_is_not_found(session: Session, tiny: TinyStation) -> None:
    window = tiny.part_timer.availability[0]

    with pytest.raises(NotFound):
        people.remove_availability(session, tiny.full_timer, window.id)


def test_save_template_with_needs(session: Session, tiny: TinyStation) -> None:
    values = {"code": "EVE", "name_zh": "晚班", "name_en": "Evening", "weekdays": "0,1,Sat", "start": "17:30",
              "end": "20:30", "required_skills": "hotline", "forbidden_next": "AM",
              "needs": "2\n1 skill=first_aid under_weight=500\n1 org_kind=clinic over_weight=0"}  # fmt: skip

    template = templates.save_template(session, tiny.station, values)

    assert (template.weekdays, template.start_time, template.end_time, template.crosses_midnight) == (
        [0, 1, 5], time(17, 30), time(20, 30), False
    )  # fmt: skip
    assert template.needs == [
        {"count": 2}, {"count": 1, "skill": "first_aid", "under_weight": 500},
        {"count": 1, "org_kind": "clinic", "over_weight": 0},
    ]  # fmt: skip
    assert templates.template_fields(template)["needs"] == values["needs"]


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"code": "NT"}, [("code", "'NT' already exists at this station")]),
        ({"code": "a b"}, [("code", "letters, digits, - and _ only")]),
        ({"weekdays": ""}, [("weekdays", "choose at least one day")]),
        ({"weekdays": "Funday"}, [("weekdays", "'Funday' is not a weekday (0-6, Mon-Sun)")]),
        ({"start": "25:00"}, [("start", "'25:00' is not a time like 08:30")]),
        ({"forbidden_next": "XX"}, [("forbidden_next", "no shift template 'XX' at this station")]),
        ({"needs": "2\nmany"}, [("needs line 2", "'many': the line must start with a count from 1 to 20")]),
        ({"needs": "1 skill=flying"},
         [("needs line 1", "'skill=flying' is not skill=, org_kind=, under_weight= or over_weight=")]),
        ({"needs": ""}, [("needs", "at least one need (e.g. 2)")]),
    ],
)  # fmt: skip
def test_save_template_refusals(
    session: Session, tiny: TinyStation, change: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    values = {"code": "EVE", "name_zh": "晚班", "name_en": "Evening", "weekdays": "0", "start": "17:00",
              "end": "20:00", "needs": "1"} | change  # fmt: skip

    with pytest.raises(InvalidInput) as error:
        templates.save_template(session, tiny.station, values)

    assert _problems(error) == problems
    assert _count(session, ShiftTemplate) == 2


def test_compounds_buildings_and_travel_both_ways(session: Session, tiny: TinyStation) -> None:
    east = templates.save_compound(session, tiny.station, {"name": "东湖花园", "buildings": "1栋, 2栋"})
    west = templates.save_compound(session, tiny.station, {"name": "西江新村", "buildings": ""})
    templates.save_compound(session, tiny.station, {"name": "东湖花园", "buildings": "2栋, 3栋"}, east)

    templates.set_travel_time(
        session, tiny.station, {"from": str(east.id), "to": str(west.id), "minutes": "12"}
    )
    templates.set_travel_time(
        session, tiny.station, {"from": str(west.id), "to": str(east.id), "minutes": "15"}
    )

    assert [b.name for b in east.buildings] == ["2栋", "3栋"]
    rows = session.execute(select(TravelTime.from_compound_id, TravelTime.to_compound_id, TravelTime.minutes))
    assert sorted(rows) == sorted([(east.id, west.id, 15), (west.id, east.id, 15)])


def test_travel_to_an_unknown_compound_is_refused(session: Session, tiny: TinyStation) -> None:
    east = templates.save_compound(session, tiny.station, {"name": "东湖花园"})

    with pytest.raises(InvalidInput) as error:
        templates.set_travel_time(session, tiny.station, {"from": str(east.id), "to": "999", "minutes": "-1"})

    assert _problems(error) == [
        ("to", "no compound '999' at this station"),
        ("minutes", "-1 is not between 0 and 240"),
    ]
    assert (_count(session, TravelTime), _count(session, Compound)) == (0, 1)


# --- leaving the station --------------------------------------------------------------------------


def test_a_deactivated_person_is_not_planned_and_counts_published_shifts_ahead(
    session: Session, tiny: TinyStation
) -> None:
    monday, tuesday = tiny.week, tiny.week + timedelta(days=1)
    rows = [(tiny.shift(session, day, "AM"), tiny.full_timer, False) for day in (monday, tuesday)]
    tiny.rota(session, tiny.week, RotaStatus.PUBLISHED, rows)
    between = datetime.combine(monday, time(13), tzinfo=ZoneInfo("Asia/Shanghai"))  # Monday's shift is over

    ahead = people.set_active(session, tiny.full_timer, False, now=between)
    problem, _context = build_problem(session, week_start=tiny.week)

    assert ahead == 1  # Tuesday's morning
    assert person_key(tiny.full_timer.id) not in {p.id for p in problem.people}
    assert len(problem.people) == 2
    assert people.station_people(session, tiny.station)[-1] is tiny.full_timer  # listed last


def test_bringing_a_person_back_plans_them_again(session: Session, tiny: TinyStation) -> None:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    people.set_active(session, tiny.part_timer, False, now=moment)

    back = people.set_active(session, tiny.part_timer, True, now=moment)
    problem, _context = build_problem(session, week_start=tiny.week)

    assert back == 0
    assert person_key(tiny.part_timer.id) in {p.id for p in problem.people}
