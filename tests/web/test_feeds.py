"""Calendar feeds over HTTP: tokens, access rules, conditional requests and valid bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rota.accounts import Role, User
from rota.feeds import CANCELLED_KEPT, PAST_WINDOW, issue_token, person_feed, revoke_and_reissue
from rota.models import Person, Station, VisitRequest
from tests.feed_data import demo_station, publish_plan, simple_plan, week_shifts
from tests.icalcheck import assert_icalcheck_accepts
from web import create_app
from web.db import dispose

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
PUBLISHED = datetime(2026, 12, 4, 10, 0, 30, 123456, tzinfo=UTC)
ISO_WEEK = "2026-W50"
CALENDAR = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Site:
    """The demo station published, with tokens and accounts, as ids (the app has its own sessions)."""

    station_id: int
    org_id: int
    person_id: int
    other_person_id: int
    person_secret: str
    station_secret: str
    org_secret: str
    users: dict[str, int]  # role -> user id


@pytest.fixture
def site(engine: Engine) -> Site:
    """Seed and publish the demo week, issue feed tokens and make one account per role."""
    with Session(engine) as session, session.begin():
        station = demo_station(session)
        publish_plan(session, station, simple_plan(station, week_shifts(session, station)), PUBLISHED)
        person, other = station.people[0], station.people[1]
        org = person.org
        # Tests log in through the session, so the accounts need no (slow) password hash.
        users = {
            role.value: User(username=role.value, password_hash="!", role=role, station=station)
            for role in Role
        }
        users["staff"].person = person
        session.add_all(users.values())
        session.flush()
        return Site(
            station_id=station.id,
            org_id=org.id,
            person_id=person.id,
            other_person_id=other.id,
            person_secret=issue_token(session, person, PUBLISHED),
            station_secret=issue_token(session, station, PUBLISHED),
            org_secret=issue_token(session, org, PUBLISHED, language="en"),
            users={role: user.id for role, user in users.items()},
        )


@pytest.fixture
def app(database_url: str, site: Site) -> Iterator[Flask]:
    """The real app on the seeded database, with the clock fixed at NOW."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "CLOCK": lambda: NOW,
        }
    )
    yield app
    dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client that is not logged in."""
    return app.test_client()


def login(client: FlaskClient, user_id: int) -> FlaskClient:
    """Log the client in as a user through Flask-Login's session key."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def test_personal_feed_is_the_persons_calendar(client: FlaskClient, site: Site, engine: Engine) -> None:
    response = client.get(f"/feeds/{site.person_secret}.ics")

    with Session(engine) as session:
        person = session.get_one(Person, site.person_id)
        expected = person_feed(session, person, NOW).to_ical()
    assert (response.status_code, response.content_type, response.data) == (200, CALENDAR, expected)
    assert response.headers["Last-Modified"] == "Fri, 04 Dec 2026 10:00:30 GMT"
    assert response.headers["Cache-Control"] in ("private, no-cache", "no-cache, private")


def test_etag_is_a_hash_of_the_body(client: FlaskClient, site: Site) -> None:
    first = client.get(f"/feeds/{site.person_secret}.ics")
    again = client.get(f"/feeds/{site.person_secret}.ics")

    assert first.headers["ETag"] == again.headers["ETag"]
    assert len(first.headers["ETag"].strip('"')) == 64


def test_if_none_match_gets_304_without_a_body(client: FlaskClient, site: Site) -> None:
    etag = client.get(f"/feeds/{site.person_secret}.ics").headers["ETag"]

    response = client.get(f"/feeds/{site.person_secret}.ics", headers={"If-None-Match": etag})

    assert (response.status_code, response.data, response.headers["ETag"]) == (304, b"", etag)


def test_if_modified_since_gets_304_without_a_body(client: FlaskClient, site: Site) -> None:
    last_modified = client.get(f"/feeds/{site.person_secret}.ics").headers["Last-Modified"]

    response = client.get(f"/feeds/{site.person_secret}.ics", headers={"If-Modified-Since": last_modified})

    assert (response.status_code, response.data) == (304, b"")


@pytest.mark.parametrize(
    "headers",
    [{"If-None-Match": '"stale"'}, {"If-Modified-Since": "Thu, 03 Dec 2026 00:00:00 GMT"}],
)
def test_changed_feed_is_sent_in_full(client: FlaskClient, site: Site, headers: dict[str, str]) -> None:
    response = client.get(f"/feeds/{site.person_secret}.ics", headers=headers)

    assert (response.status_code, response.data.startswith(b"BEGIN:VCALENDAR\r\n")) == (200, True)


def test_republished_change_gives_a_new_etag(client: FlaskClient, site: Site, engine: Engine) -> None:
    etag = client.get(f"/feeds/{site.person_secret}.ics").headers["ETag"]
    with Session(engine) as session, session.begin():
        station = session.get_one(Station, site.station_id)
        shifts = week_shifts(session, station)
        plan = simple_plan(station, shifts)
        plan[shifts[0].id] = [site.other_person_id]
        publish_plan(session, station, plan, PUBLISHED + timedelta(hours=1))

    response = client.get(f"/feeds/{site.person_secret}.ics", headers={"If-None-Match": etag})

    assert (response.status_code, b"STATUS:CANCELLED" in response.data) == (200, True)
    assert response.headers["Last-Modified"] == "Fri, 04 Dec 2026 11:00:30 GMT"


def test_revoked_token_gets_a_bare_404(client: FlaskClient, site: Site, engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        new = revoke_and_reissue(session, session.get_one(Person, site.person_id), NOW)

    revoked = client.get(f"/feeds/{site.person_secret}.ics")
    unknown = client.get("/feeds/no-such-token.ics")

    assert [(r.status_code, r.data) for r in (revoked, unknown)] == [(404, b"Not Found\n")] * 2
    assert client.get(f"/feeds/{new}.ics").status_code == 200


def test_station_token_opens_only_the_station_feed(client: FlaskClient, site: Site) -> None:
    own = client.get(f"/feeds/station/{site.station_id}.ics?token={site.station_secret}")
    as_person = client.get(f"/feeds/{site.station_secret}.ics")
    as_org = client.get(f"/feeds/org/{site.org_id}.ics?token={site.station_secret}")

    assert [r.status_code for r in (own, as_person, as_org)] == [200, 404, 404]
    assert own.content_type == CALENDAR


@pytest.mark.parametrize(
    ("role", "status"), [(None, 404), ("resident", 404), ("staff", 200), ("coordinator", 200)]
)
def test_station_feed_without_token_needs_a_station_login(
    client: FlaskClient, site: Site, role: str | None, status: int
) -> None:
    if role is not None:
        login(client, site.users[role])

    assert client.get(f"/feeds/station/{site.station_id}.ics").status_code == status


def test_org_feed_with_its_token_is_in_the_tokens_language(client: FlaskClient, site: Site) -> None:
    response = client.get(f"/feeds/org/{site.org_id}.ics?token={site.org_secret}")

    assert (response.status_code, b"X-WR-CALNAME:" in response.data, "值班".encode() in response.data) == (
        200,
        True,
        False,
    )


def test_shared_feeds_hold_no_residents_data(client: FlaskClient, site: Site, engine: Engine) -> None:
    with Session(engine) as session:
        rows = session.scalars(select(VisitRequest).where(VisitRequest.station_id == site.station_id))
        private = {v.encode() for r in rows for v in (r.resident_name, r.resident_phone) if v}
    login(client, site.users["coordinator"])
    bodies = [
        client.get(f"/feeds/station/{site.station_id}.ics").data,
        client.get(f"/feeds/org/{site.org_id}.ics").data,
        client.get(f"/ics/station/{site.station_id}/{ISO_WEEK}.ics").data,
    ]

    assert private
    assert [v for v in private if any(v in body for body in bodies)] == []


def test_downloads_need_a_login(client: FlaskClient, site: Site) -> None:
    response = client.get(f"/ics/station/{site.station_id}/{ISO_WEEK}.ics")

    assert (response.status_code, response.location.split("?")[0]) == (302, "/login")


@pytest.mark.parametrize(
    ("role", "whose", "status"),
    [("staff", "own", 200), ("staff", "other", 403), ("coordinator", "other", 200), ("resident", "own", 403)],
)
def test_person_download_is_for_the_person_or_a_coordinator(
    client: FlaskClient, site: Site, role: str, whose: str, status: int
) -> None:
    person_id = site.person_id if whose == "own" else site.other_person_id
    login(client, site.users[role])

    assert client.get(f"/ics/person/{person_id}/{ISO_WEEK}.ics").status_code == status


def test_station_download_is_an_attachment_of_the_week(client: FlaskClient, site: Site) -> None:
    login(client, site.users["staff"])

    response = client.get(f"/ics/station/{site.station_id}/{ISO_WEEK}.ics")

    assert (response.status_code, response.content_type, response.headers["Content-Disposition"]) == (
        200,
        CALENDAR,
        f'attachment; filename="rota-S01-{ISO_WEEK}.ics"',
    )


def test_malformed_week_is_invalid_input(client: FlaskClient, site: Site) -> None:
    login(client, site.users["coordinator"])

    assert client.get(f"/ics/station/{site.station_id}/next-week.ics").status_code == 422


def test_served_feeds_pass_icalcheck(client: FlaskClient, site: Site, tmp_path: Path) -> None:
    login(client, site.users["coordinator"])
    urls = {
        "person": f"/feeds/{site.person_secret}.ics",
        "person_en": f"/feeds/{site.person_secret}.ics?lang=en",
        "station": f"/feeds/station/{site.station_id}.ics",
        "org": f"/feeds/org/{site.org_id}.ics?token={site.org_secret}",
        "person_week": f"/ics/person/{site.person_id}/{ISO_WEEK}.ics",
        "station_week": f"/ics/station/{site.station_id}/{ISO_WEEK}.ics",
    }
    responses = {name: client.get(url) for name, url in urls.items()}

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(urls, 200)
    assert_icalcheck_accepts(tmp_path, {name: r.data for name, r in responses.items()})


def test_person_feed_expires_when_its_first_past_event_drops_out(site: Site, engine: Engine) -> None:
    with Session(engine) as session:
        feed = person_feed(session, session.get_one(Person, site.person_id), NOW)

    assert feed.expires == min(e.end for e in feed.events) + PAST_WINDOW


def test_person_feed_expires_when_a_cancelled_event_drops_out(site: Site, engine: Engine) -> None:
    cancelled_at = PUBLISHED + timedelta(hours=1)
    with Session(engine) as session, session.begin():
        station = session.get_one(Station, site.station_id)
        shifts = week_shifts(session, station)
        plan = simple_plan(station, shifts)
        plan[shifts[0].id] = [site.other_person_id]
        publish_plan(session, station, plan, cancelled_at)

        feed = person_feed(session, session.get_one(Person, site.person_id), NOW)

    assert feed.expires == cancelled_at + CANCELLED_KEPT
