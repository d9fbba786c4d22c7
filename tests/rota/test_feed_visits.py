"""Published home visits in the feeds: the butler's own feed only, stable UIDs, SEQUENCE, CANCELLED."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import VisitStatus
from rota.feeds import (
    CalendarEvent,
    org_feed,
    person_feed,
    person_week,
    station_feed,
    station_week,
    sync_published_events,
)
from rota.ical import EventStatus
from rota.models import Person, Station, VisitRequest
from rota.services import booking
from rota.services.visits import state_of
from tests.feed_data import WEEK, demo_station, publish_plan, simple_plan, week_shifts
from tests.icalcheck import assert_icalcheck_accepts

FIRST = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(days=1)
THIRD = SECOND + timedelta(days=1)


@dataclass(frozen=True)
class Visits:
    """The demo week published, with two of its visits given to a butler."""

    session: Session
    station: Station
    butler: Person
    other: Person
    visits: list[VisitRequest]


def schedule(session: Session, visit: VisitRequest, person: Person, start: datetime) -> None:
    """Put a visit in the live plan, as publishing a version's visit plan does."""
    state = state_of(session, visit)
    state.person_id, state.start_at, state.end_at = person.id, start, start + timedelta(minutes=45)
    visit.status = VisitStatus.SCHEDULED


@pytest.fixture
def demo(session: Session) -> Visits:
    """The demo week published at FIRST, then two visits scheduled for one butler and synced at SECOND."""
    station = demo_station(session)
    publish_plan(session, station, simple_plan(station, week_shifts(session, station)), FIRST)
    butler, other = station.people[0], station.people[1]
    query = select(VisitRequest).where(
        VisitRequest.station_id == station.id, VisitRequest.building_id.is_not(None)
    )
    visits = list(session.scalars(query.order_by(VisitRequest.window_start, VisitRequest.id).limit(2)))
    for visit in visits:
        schedule(session, visit, butler, visit.window_start)
    sync_published_events(session, station.id, WEEK, SECOND)
    return Visits(session, station, butler, other, visits)


def visit_events(calendar: bytes) -> dict[str, icalendar.Event]:
    """The visit VEVENTs of a calendar by UID."""
    parsed = icalendar.Calendar.from_ical(calendar)
    return {str(e["UID"]): e for e in parsed.events if "-visit" in str(e["UID"])}


def uid(demo: Visits, visit: VisitRequest, person: Person) -> str:
    """The UID a butler's event of a visit must have."""
    return f"station{demo.station.id}-visit{visit.id}-person{person.id}@eldercare-rota"


def test_published_visits_are_in_the_butlers_feed_with_private_details(demo: Visits) -> None:
    feed = person_feed(demo.session, demo.butler, SECOND, lang="en").to_ical()
    events = visit_events(feed)
    visit = demo.visits[0]
    event = events[uid(demo, visit, demo.butler)]

    assert set(events) == {uid(demo, v, demo.butler) for v in demo.visits}
    assert str(event["SUMMARY"]).startswith("Home visit: ")
    assert event["DTSTART"].dt == visit.window_start
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert visit.resident_phone in str(event["DESCRIPTION"])
    assert visit.resident_name in str(event["DESCRIPTION"])
    assert visit.flat is not None
    assert visit.flat in str(event["LOCATION"])
    assert visit.building is not None
    assert visit.building.name in str(event["LOCATION"])


def test_shared_feeds_hold_no_visits_and_no_residents_data(demo: Visits) -> None:
    feeds = [station_feed(demo.session, demo.station, SECOND), station_week(demo.session, demo.station, WEEK)]
    feeds += [org_feed(demo.session, org, SECOND) for org in demo.station.organisations]
    texts = [feed.to_ical().decode("utf-8") for feed in feeds]
    private = {v for r in demo.visits for v in (r.resident_name, r.resident_phone) if v}

    assert [value for value in private if any(value in t for t in texts)] == []
    assert not any("-visit" in t for t in texts)
    assert not any(
        value in person_feed(demo.session, demo.other, SECOND).to_ical().decode() for value in private
    )


def test_moved_visit_keeps_its_uid_and_bumps_sequence(demo: Visits) -> None:
    visit = demo.visits[0]
    schedule(demo.session, visit, demo.butler, visit.window_start + timedelta(minutes=30))

    report = sync_published_events(demo.session, demo.station.id, WEEK, THIRD)
    event = visit_events(person_feed(demo.session, demo.butler, THIRD).to_ical())[
        uid(demo, visit, demo.butler)
    ]

    assert report.changed == (uid(demo, visit, demo.butler),)
    assert (int(event["SEQUENCE"]), event["DTSTART"].dt) == (1, visit.window_start + timedelta(minutes=30))
    assert event["LAST-MODIFIED"].dt == THIRD


def test_resyncing_unchanged_visits_changes_nothing(demo: Visits) -> None:
    report = sync_published_events(demo.session, demo.station.id, WEEK, THIRD)

    assert not [u for u in (*report.created, *report.changed, *report.cancelled) if "-visit" in u]


def test_visit_given_to_another_butler_is_cancelled_for_the_first(demo: Visits) -> None:
    visit = demo.visits[0]
    schedule(demo.session, visit, demo.other, visit.window_start)

    report = sync_published_events(demo.session, demo.station.id, WEEK, THIRD)
    old = visit_events(person_feed(demo.session, demo.butler, THIRD).to_ical())[uid(demo, visit, demo.butler)]
    new = visit_events(person_feed(demo.session, demo.other, THIRD).to_ical())

    assert report.cancelled == (uid(demo, visit, demo.butler),)
    assert report.created == (uid(demo, visit, demo.other),)
    assert (str(old["STATUS"]), int(old["SEQUENCE"])) == ("CANCELLED", 1)
    assert list(new) == [uid(demo, visit, demo.other)]


def test_cancelled_visit_is_cancelled_in_the_feed(demo: Visits) -> None:
    visit = demo.visits[1]
    visit.status = VisitStatus.CANCELLED

    sync_published_events(demo.session, demo.station.id, WEEK, THIRD)
    stored = demo.session.scalars(select(CalendarEvent).where(CalendarEvent.visit_id == visit.id)).one()

    assert (stored.status, stored.sequence, stored.cancelled_at) == (EventStatus.CANCELLED, 1, THIRD)


def test_feeds_with_visits_pass_icalcheck(demo: Visits, tmp_path: Path) -> None:
    visit = demo.visits[0]
    schedule(demo.session, visit, demo.other, visit.window_start)
    sync_published_events(demo.session, demo.station.id, WEEK, THIRD)
    feeds = {
        "butler_zh": person_feed(demo.session, demo.butler, THIRD).to_ical(),
        "butler_en": person_feed(demo.session, demo.butler, THIRD, lang="en").to_ical(),
        "other": person_feed(demo.session, demo.other, THIRD).to_ical(),
        "station": station_feed(demo.session, demo.station, THIRD).to_ical(),
    }

    assert b"STATUS:CANCELLED" in feeds["butler_zh"]
    assert_icalcheck_accepts(tmp_path, feeds)


def test_cancelling_a_visit_between_publishes_cancels_its_event_at_once(demo: Visits) -> None:
    visit = demo.visits[0]
    booking.cancel(demo.session, state_of(demo.session, visit), now=THIRD, note="resident is away")

    events = visit_events(person_feed(demo.session, demo.butler, THIRD, lang="en").to_ical())
    event = events[uid(demo, visit, demo.butler)]
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1


def test_person_week_download_holds_the_weeks_visits_beside_duty(demo: Visits) -> None:
    calendar = person_week(demo.session, demo.butler, WEEK, lang="en").to_ical()
    parsed = icalendar.Calendar.from_ical(calendar)
    uids = {str(e["UID"]) for e in parsed.events}
    next_week = person_week(demo.session, demo.butler, WEEK + timedelta(weeks=1)).events

    assert set(visit_events(calendar)) == {uid(demo, v, demo.butler) for v in demo.visits}
    assert any("-visit" not in u for u in uids)  # the duty shifts are still there
    assert not {e.uid for e in next_week} & {uid(demo, v, demo.butler) for v in demo.visits}
