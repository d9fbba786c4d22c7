"""The "My calendar" page: the subscription link shown once with its QR code, and revoking it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rota.accounts import User
from rota.feeds import FeedToken
from rota.models import Person, Station
from tests.web.conftest import Demo, login
from web.db import database

LINK = re.compile(r'href="(https?://[^"]+/feeds/([A-Za-z0-9_-]+)\.ics)"')


def new_link(client: FlaskClient, path: str) -> tuple[str, str]:
    """POST the page's button and return (https link, secret) from the answer."""
    response = client.post(f"{path}/renew")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    found = LINK.search(response.text)
    assert found is not None, response.text
    assert f'href="webcal://localhost/feeds/{found.group(2)}.ics"' in response.text
    assert 'src="data:image/svg+xml' in response.text
    return found.group(1), found.group(2)


def other_person(app: Flask, demo: Demo) -> int:
    """Another person of the demo station."""
    with database(app).sessions() as session:
        return (
            session.scalars(
                select(Person.id).where(
                    Person.station_id == demo.station_id, Person.id != demo.staff_person_id
                )
            ).first()
            or 0
        )


def test_staff_page_has_no_link_until_one_is_made(client: FlaskClient) -> None:
    login(client, "staff")

    page = client.get("/me/calendar")

    assert page.status_code == 200
    assert "/feeds/" not in page.text
    assert 'id="link-status"' in page.text
    assert 'id="link-note"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_revoke_and_new_link_old_token_gets_404(app: Flask, client: FlaskClient, demo: Demo) -> None:
    login(client, "staff")
    url, first = new_link(client, "/me/calendar")
    assert client.get(f"/feeds/{first}.ics").status_code == 200

    shown_again = client.get("/me/calendar").text
    _url, second = new_link(client, "/me/calendar")

    assert url.startswith("http://localhost/feeds/")
    assert first not in shown_again  # only a hash is stored: the page cannot show the link again
    assert 'id="link-status"' in shown_again
    assert client.get(f"/feeds/{first}.ics").status_code == 404
    assert client.get(f"/feeds/{second}.ics").status_code == 200
    with database(app).sessions() as session:
        tokens = session.scalars(select(FeedToken).where(FeedToken.person_id == demo.staff_person_id)).all()
    assert [t.revoked_at is not None for t in tokens] == [True, False]
    assert all(first not in t.token_hash and second not in t.token_hash for t in tokens)


def test_the_link_uses_the_configured_base_url(app: Flask, client: FlaskClient) -> None:
    app.config["FEED_BASE_URL"] = "https://rota.example.org/app"
    login(client, "staff")

    page = client.post("/me/calendar/renew").text

    assert 'href="https://rota.example.org/app/feeds/' in page
    assert 'href="webcal://rota.example.org/app/feeds/' in page


def test_renewing_needs_a_post(client: FlaskClient) -> None:
    login(client, "staff")

    assert client.get("/me/calendar/renew").status_code == 405


def test_staff_cannot_open_another_persons_page(client: FlaskClient, demo: Demo, app: Flask) -> None:
    login(client, "staff")
    path = f"/manage/{demo.station}/people/{other_person(app, demo)}/calendar"

    assert client.get(path).status_code == 403
    assert client.post(f"{path}/renew").status_code == 403


def test_coordinator_renews_a_link_for_a_person_of_their_station(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    login(client, "coordinator")
    person = other_person(app, demo)
    path = f"/manage/{demo.station}/people/{person}/calendar"

    page = client.get(path)
    _url, secret = new_link(client, path)

    assert page.status_code == 200
    assert client.get(f"/feeds/{secret}.ics").status_code == 200
    assert (
        f"/manage/{demo.station}/people/{person}/calendar"
        in client.get(f"/manage/{demo.station}/people/{person}").text
    )


def test_coordinator_of_another_station_is_refused(app: Flask, client: FlaskClient, demo: Demo) -> None:
    with database(app).sessions() as session, session.begin():
        other = Station(code="S99", name="Other station")
        session.add(other)
        session.flush()
        coordinator = session.scalars(select(User).where(User.username == "coordinator")).one()
        coordinator.station_id = other.id
    login(client, "coordinator")
    path = f"/manage/{demo.station}/people/{demo.staff_person_id}/calendar"

    assert client.get(path).status_code == 403
    assert client.post(f"{path}/renew").status_code == 403


def test_residents_are_refused(client: FlaskClient, demo: Demo) -> None:
    login(client, "resident")

    assert client.get("/me/calendar").status_code == 403
    assert client.get(f"/manage/{demo.station}/people/{demo.staff_person_id}/calendar").status_code == 403


def test_the_page_is_translated(client: FlaskClient) -> None:
    login(client, "staff")

    chinese = client.get("/me/calendar").text
    client.post("/language", data={"lang": "en"})
    english = client.get("/me/calendar").text

    assert "我的日历" in chinese
    assert "生成日历链接" in chinese
    assert "My calendar" in english
    assert "Make a calendar link" in english
