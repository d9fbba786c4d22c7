"""Feed tokens, calendar event state across re-plans, and the feeds of the demo station."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rota.errors import NotFound
from rota.feeds import (
    CANCELLED_KEPT,
    CalendarEvent,
    FeedToken,
    SyncReport,
    active_tokens,
    event_uid,
    issue_token,
    org_feed,
    person_feed,
    person_for_token,
    person_week,
    revoke_and_reissue,
    station_feed,
    station_week,
    still_shown,
    subscription_urls,
)
from rota.feeds_cli import feed_url
from rota.ical import EventStatus
from rota.models import Person, Shift, Station, VisitRequest
from tests.feed_data import WEEK, demo_station, publish_plan, simple_plan, week_shifts
from tests.icalcheck import assert_icalcheck_accepts

FIRST = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(days=1)


@dataclass(frozen=True)
class Demo:
    """The demo station and its first published week."""

    session: Session
    station: Station
    shifts: list[Shift]
    plan: dict[int, list[int]]  # shift id -> person ids


def _events(session: Session) -> dict[tuple[int, int], CalendarEvent]:
    """Every stored event by (shift id, person id)."""
    return {(e.shift_id, e.person_id): e for e in session.scalars(select(CalendarEvent))}


@pytest.fixture
def demo(session: Session) -> Demo:
    """The demo station with its first week published at FIRST."""
    station = demo_station(session)
    shifts = week_shifts(session, station)
    plan = simple_plan(station, shifts)
    publish_plan(session, station, plan, FIRST)
    return Demo(session, station, shifts, plan)


@dataclass(frozen=True)
class Replan:
    """The changes of the second publication."""

    dropped: tuple[int, int]  # (shift, person) removed
    added: tuple[int, int]  # (shift, person) put in its place
    moved: int  # shift whose time changed
    untouched: tuple[int, int]


def _replan(demo: Demo) -> tuple[Replan, SyncReport]:
    """Someone falls ill on the first shift and is replaced; the last shift starts an hour later."""
    plan = {s: list(people) for s, people in demo.plan.items()}
    first, last, middle = demo.shifts[0], demo.shifts[-1], demo.shifts[len(demo.shifts) // 2]
    ill = plan[first.id][0]
    stand_in = next(p.id for p in demo.station.people if p.id not in plan[first.id])
    plan[first.id] = [stand_in, *plan[first.id][1:]]
    last.start_at += timedelta(hours=1)
    report = publish_plan(demo.session, demo.station, plan, SECOND)
    change = Replan((first.id, ill), (first.id, stand_in), last.id, (middle.id, plan[middle.id][0]))
    return change, report


def test_first_publish_creates_confirmed_events_at_sequence_zero(demo: Demo) -> None:
    events = _events(demo.session)

    assert set(events) == {(s, p) for s, people in demo.plan.items() for p in people}
    assert {(e.sequence, e.status, e.last_modified, e.cancelled_at) for e in events.values()} == {
        (0, EventStatus.CONFIRMED, FIRST, None)
    }


def test_uid_is_derived_from_station_shift_and_person(demo: Demo) -> None:
    shift_id, people = next(iter(demo.plan.items()))

    event = _events(demo.session)[(shift_id, people[0])]

    assert event.uid == f"station{demo.station.id}-shift{shift_id}-person{people[0]}@eldercare-rota"
    assert event.uid == event_uid(demo.station.id, shift_id, people[0])


def test_replan_keeps_every_uid(demo: Demo) -> None:
    before = {key: e.uid for key, e in _events(demo.session).items()}

    change, _report = _replan(demo)

    after = {key: e.uid for key, e in _events(demo.session).items()}
    assert {k: v for k, v in after.items() if k != change.added} == before


def test_replan_bumps_sequence_only_where_the_calendar_changes(demo: Demo) -> None:
    change, report = _replan(demo)

    events = _events(demo.session)
    colleague = (change.dropped[0], demo.plan[change.dropped[0]][1])  # sees a new colleague
    moved = [(change.moved, p) for p in demo.plan[change.moved]]
    changed = [events[key] for key in (colleague, *moved)]
    assert [(e.sequence, e.last_modified, e.status) for e in changed] == [
        (1, SECOND, EventStatus.CONFIRMED)
    ] * 3
    assert (events[change.untouched].sequence, events[change.untouched].last_modified) == (0, FIRST)
    assert (events[change.added].sequence, events[change.added].created_at) == (0, SECOND)
    assert sorted(report.changed) == sorted(e.uid for e in changed)


def test_removed_assignment_is_cancelled_with_a_higher_sequence(demo: Demo) -> None:
    change, report = _replan(demo)

    dropped = _events(demo.session)[change.dropped]
    assert (dropped.status, dropped.sequence, dropped.cancelled_at, dropped.last_modified) == (
        EventStatus.CANCELLED,
        1,
        SECOND,
        SECOND,
    )
    assert report.cancelled == (dropped.uid,)


def test_cancelled_event_stays_in_the_persons_feed(demo: Demo) -> None:
    change, _report = _replan(demo)
    ill = demo.session.get(Person, change.dropped[1])
    assert ill is not None
    uid = _events(demo.session)[change.dropped].uid

    shown = [e for e in person_feed(demo.session, ill, SECOND + timedelta(days=10)).events if e.uid == uid]

    assert [(e.status, e.sequence) for e in shown] == [(EventStatus.CANCELLED, 1)]


@pytest.mark.parametrize(
    ("status", "cancelled_at", "shown"),
    [
        (EventStatus.CONFIRMED, None, True),
        (EventStatus.CANCELLED, SECOND - CANCELLED_KEPT, True),
        (EventStatus.CANCELLED, SECOND - CANCELLED_KEPT - timedelta(seconds=1), False),
    ],
)
def test_cancelled_events_are_kept_for_thirty_days(
    status: EventStatus, cancelled_at: datetime | None, shown: bool
) -> None:
    assert still_shown(status, cancelled_at, SECOND) is shown


def test_republishing_the_same_plan_changes_nothing(demo: Demo) -> None:
    person = demo.station.people[0]
    before = person_feed(demo.session, person, SECOND).to_ical()

    report = publish_plan(demo.session, demo.station, demo.plan, SECOND)

    assert (report, person_feed(demo.session, person, SECOND).to_ical()) == (SyncReport(), before)


def test_reinstated_assignment_is_confirmed_again_with_a_higher_sequence(demo: Demo) -> None:
    change, _report = _replan(demo)

    publish_plan(demo.session, demo.station, demo.plan, SECOND + timedelta(hours=1))

    event = _events(demo.session)[change.dropped]
    assert (event.status, event.sequence, event.cancelled_at) == (EventStatus.CONFIRMED, 2, None)


def test_person_feed_runs_from_four_weeks_back(demo: Demo) -> None:
    person = demo.station.people[0]
    last_end = max(s.end_at for s in demo.shifts if person.id in demo.plan[s.id])

    shown_now = person_feed(demo.session, person, FIRST).events
    shown_later = person_feed(demo.session, person, last_end + timedelta(weeks=4, seconds=1)).events

    assert (len(shown_now), len(shown_later)) == (sum(person.id in p for p in demo.plan.values()), 0)


def test_person_week_has_only_that_weeks_confirmed_duty(demo: Demo) -> None:
    change, _report = _replan(demo)
    ill = demo.session.get(Person, change.dropped[1])
    assert ill is not None

    uids = {e.uid for e in person_week(demo.session, ill, WEEK).events}
    next_week = person_week(demo.session, ill, WEEK + timedelta(weeks=1)).events

    assert _events(demo.session)[change.dropped].uid not in uids
    assert (len(uids), next_week) == (sum(ill.id in p for p in demo.plan.values()) - 1, ())


def test_station_feed_has_one_event_per_shift_naming_everyone_on_duty(demo: Demo) -> None:
    names = {p.id: p.name for p in demo.station.people}

    feed = station_feed(demo.session, demo.station, FIRST)

    first = demo.shifts[0]
    event = next(
        e for e in feed.events if e.uid == f"station{demo.station.id}-shift{first.id}@eldercare-rota"
    )
    assert (len(feed.events), event.details.people) == (  # type: ignore[union-attr]
        len(demo.shifts),
        tuple(names[p] for p in demo.plan[first.id]),
    )


def test_station_feed_sequence_rises_when_someone_is_replaced(demo: Demo) -> None:
    before = {e.uid: e.sequence for e in station_feed(demo.session, demo.station, SECOND).events}

    change, _report = _replan(demo)

    after = {e.uid: e.sequence for e in station_feed(demo.session, demo.station, SECOND).events}
    uid = f"station{demo.station.id}-shift{change.dropped[0]}@eldercare-rota"
    assert after[uid] > before[uid]
    assert after.keys() == before.keys()


def test_station_week_shares_the_station_feeds_uids_and_sequences(demo: Demo) -> None:
    _replan(demo)

    feed = {e.uid: e.sequence for e in station_feed(demo.session, demo.station, SECOND).events}
    week = {e.uid: e.sequence for e in station_week(demo.session, demo.station, WEEK).events}

    assert week == feed


def test_shared_feeds_hold_no_residents_data(demo: Demo) -> None:
    visits = demo.session.scalars(select(VisitRequest).where(VisitRequest.station_id == demo.station.id))
    private = {v for r in visits for v in (r.resident_name, r.resident_phone) if v}
    feeds = [station_feed(demo.session, demo.station, FIRST), station_week(demo.session, demo.station, WEEK)]
    feeds += [org_feed(demo.session, org, FIRST) for org in demo.station.organisations]

    texts = [feed.to_ical().decode("utf-8") for feed in feeds]

    assert private
    assert [value for value in private if any(value in t for t in texts)] == []


def test_org_feed_names_only_the_organisations_people(demo: Demo) -> None:
    org = demo.station.organisations[0]
    members = {p.name for p in org.people}

    feed = org_feed(demo.session, org, FIRST)

    named = {n for e in feed.events for n in e.details.people}  # type: ignore[union-attr]
    assert named
    assert named <= members


def test_issued_token_opens_the_persons_feed_and_only_its_hash_is_stored(demo: Demo) -> None:
    person = demo.station.people[3]

    secret = issue_token(demo.session, person, FIRST)

    stored = demo.session.scalars(select(FeedToken)).one()
    assert (person_for_token(demo.session, secret), len(secret) >= 43) == (person, True)
    assert secret not in (stored.token_hash, stored.language)


def test_revoked_token_is_not_found_and_the_new_one_works(demo: Demo) -> None:
    person = demo.station.people[3]
    old = issue_token(demo.session, person, FIRST, language="en")

    new = revoke_and_reissue(demo.session, person, SECOND)

    with pytest.raises(NotFound, match=r"^no such feed$"):
        person_for_token(demo.session, old)
    assert person_for_token(demo.session, new) == person
    assert [(t.language, t.revoked_at) for t in active_tokens(demo.session, person)] == [("en", None)]


def test_unknown_or_station_token_does_not_open_a_personal_feed(demo: Demo) -> None:
    station_secret = issue_token(demo.session, demo.station, FIRST)

    for secret in ("not-a-token", station_secret):
        with pytest.raises(NotFound, match=r"^no such feed$"):
            person_for_token(demo.session, secret)


def test_subscription_urls_are_http_and_webcal() -> None:
    assert subscription_urls("https://rota.example.org/app/", "/feeds/abc.ics") == (
        "https://rota.example.org/app/feeds/abc.ics",
        "webcal://rota.example.org/app/feeds/abc.ics",
    )


def test_english_feed_has_english_titles(demo: Demo) -> None:
    person = demo.station.people[0]

    cal = icalendar.Calendar.from_ical(person_feed(demo.session, person, FIRST, lang="en").to_ical())

    assert {str(e["SUMMARY"]) for e in cal.events} <= {t.name_en for t in demo.station.shift_templates}
    assert str(cal["X-WR-CALNAME"]) == f"{person.name}: duty"


def test_every_feed_of_a_replanned_demo_week_passes_icalcheck(demo: Demo, tmp_path: Path) -> None:
    change, _report = _replan(demo)
    ill = demo.session.get(Person, change.dropped[1])
    assert ill is not None
    org = demo.station.organisations[0]

    feeds = {
        "person_zh": person_feed(demo.session, ill, SECOND).to_ical(),
        "person_en": person_feed(demo.session, ill, SECOND, lang="en").to_ical(),
        "person_week": person_week(demo.session, ill, WEEK).to_ical(),
        "station": station_feed(demo.session, demo.station, SECOND).to_ical(),
        "station_week_en": station_week(demo.session, demo.station, WEEK, lang="en").to_ical(),
        "org": org_feed(demo.session, org, SECOND).to_ical(),
    }

    assert b"STATUS:CANCELLED" in feeds["person_zh"]
    assert_icalcheck_accepts(tmp_path, feeds)


@pytest.fixture
def committed_person(engine: Engine) -> tuple[int, str]:
    """A demo station committed to the test database: the id and name of its first person."""
    with Session(engine) as session, session.begin():
        person = demo_station(session).people[0]
        return person.id, person.name


def _run_feed_url(database_url: str, *args: str, base_url: str | None = None) -> Result:
    """Run ``feed-url`` against the test database."""
    env = {"ROTA_DATABASE_URL": database_url, "ROTA_BASE_URL": base_url or ""}
    return CliRunner().invoke(feed_url, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("by", ["id", "name"])
def test_feed_url_prints_a_working_subscription_url(
    database_url: str, engine: Engine, committed_person: tuple[int, str], by: str
) -> None:
    person_id, name = committed_person

    result = _run_feed_url(database_url, str(person_id) if by == "id" else name)

    lines = result.output.splitlines()
    secret = lines[1].removeprefix("https:  http://127.0.0.1:5000/feeds/").removesuffix(".ics")
    assert (result.exit_code, lines[2]) == (0, f"webcal: webcal://127.0.0.1:5000/feeds/{secret}.ics")
    with Session(engine) as session:
        assert person_for_token(session, secret).id == person_id


def test_feed_url_reissue_revokes_the_old_url(
    database_url: str, engine: Engine, committed_person: tuple[int, str]
) -> None:
    person_id, _name = committed_person
    base = "https://rota.example.org"
    first = _run_feed_url(database_url, str(person_id), base_url=base).output.splitlines()[1]

    second = _run_feed_url(database_url, str(person_id), "--reissue", base_url=base).output.splitlines()[1]

    secrets = [line.removeprefix(f"https:  {base}/feeds/").removesuffix(".ics") for line in (first, second)]
    with Session(engine) as session:
        with pytest.raises(NotFound):
            person_for_token(session, secrets[0])
        assert person_for_token(session, secrets[1]).id == person_id


def test_feed_url_of_an_unknown_person_is_not_found(database_url: str, engine: Engine) -> None:
    with pytest.raises(NotFound, match="no person named 'nobody'"):
        _run_feed_url(database_url, "nobody")
