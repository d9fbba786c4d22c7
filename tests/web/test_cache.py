"""The render cache: reused only while the database is unchanged, so every change shows at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota.feeds import issue_token, revoke_and_reissue
from rota.models import Person
from tests.web.conftest import NOW, WEEK, Demo
from web.cache import RenderCache, cached, data_version, render_cache
from web.db import database, get_session


def test_cache_drops_the_least_recently_used_entry() -> None:
    cache = RenderCache(2)
    cache.put("a", 1, None)
    cache.put("b", 2, None)
    cache.get("a", NOW)

    cache.put("c", 3, None)

    assert [cache.get(key, NOW) for key in "abc"] == [1, None, 3]


def test_cache_entry_ends_when_time_alone_changes_it() -> None:
    cache = RenderCache(2)
    cache.put("feed", b"ics", NOW)

    assert cache.get("feed", NOW) == b"ics"
    assert cache.get("feed", NOW + timedelta(microseconds=1)) is None


def test_sqlite_has_no_data_version_so_nothing_is_cached(app: Flask) -> None:
    if database(app).engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    made = []
    with app.test_request_context():
        for _ in range(2):
            cached(("x",), lambda: made.append(1) or "page")

        assert data_version(get_session()) is None
    assert (made, len(render_cache(app))) == ([1, 1], 0)


@pytest.mark.postgres
def test_data_version_changes_when_another_session_commits(app: Flask, demo: Demo) -> None:
    with app.test_request_context():
        before = data_version(get_session())
        with Session(database(app).engine) as other, other.begin():
            other.execute(update(Person).where(Person.id == demo.staff_person_id).values(name="改名"))

        after = data_version(get_session())

    assert None not in (before, after)
    assert before != after


@pytest.mark.postgres
def test_no_data_version_once_the_request_has_written(app: Flask, demo: Demo) -> None:
    with app.test_request_context():
        session = get_session()
        session.execute(update(Person).where(Person.id == demo.staff_person_id).values(name="改名"))

        assert data_version(session) is None


@pytest.mark.postgres
def test_week_grid_is_reused_until_a_publish_shows_at_once(
    app: Flask, coordinator: FlaskClient, demo: Demo
) -> None:
    url = f"/rota/{demo.station}/{WEEK}"
    draft = coordinator.get(url).text
    again = coordinator.get(url).text
    hits = render_cache(app).hits

    coordinator.post(f"{url}/publish")
    published = coordinator.get(url).text

    assert (hits, 'id="status-badge">草稿 v1' in draft, draft == again) == (1, True, True)
    assert 'id="status-badge">已发布 v1' in published
    assert 'id="publish"' not in published


@pytest.mark.postgres
def test_week_grid_shows_a_renamed_person_at_once(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    url = f"/rota/{demo.station}/{WEEK}"
    coordinator.get(url)
    with Session(database(app).engine) as other, other.begin():
        person = other.scalars(select(Person).where(Person.station_id == demo.station_id)).first()
        assert person is not None
        old, person.name = person.name, "新名字"

    page = coordinator.get(url).text

    assert ("新名字" in page, f'data-person="{old}"' in page) == (True, False)


@pytest.mark.postgres
def test_personal_feed_is_reused_until_the_person_changes(
    app: Flask, client: FlaskClient, demo: Demo
) -> None:
    with Session(database(app).engine) as other, other.begin():
        secret = issue_token(other, other.get_one(Person, demo.staff_person_id), NOW)
    first = client.get(f"/feeds/{secret}.ics")
    second = client.get(f"/feeds/{secret}.ics")
    hits = render_cache(app).hits
    with Session(database(app).engine) as other, other.begin():
        other.get_one(Person, demo.staff_person_id).name = "新名字"

    third = client.get(f"/feeds/{secret}.ics")

    assert (hits, first.data == second.data, first.headers["ETag"] == second.headers["ETag"]) == (
        1,
        True,
        True,
    )
    assert "新名字" in third.text
    assert third.headers["ETag"] != first.headers["ETag"]


@pytest.mark.postgres
def test_revoked_feed_token_is_refused_at_once(app: Flask, client: FlaskClient, demo: Demo) -> None:
    with Session(database(app).engine) as other, other.begin():
        person = other.get_one(Person, demo.staff_person_id)
        secret = issue_token(other, person, NOW)
    client.get(f"/feeds/{secret}.ics")
    with Session(database(app).engine) as other, other.begin():
        revoke_and_reissue(other, other.get_one(Person, demo.staff_person_id), NOW)

    assert client.get(f"/feeds/{secret}.ics").status_code == 404
