"""Calendar feeds over HTTP: secret-token subscriptions and logged-in one-off week downloads.

Feeds are opened by their own secret tokens (``/feeds/<token>.ics``, and ``?token=`` on the
station and organisation feeds) so that calendar apps can poll them without a login; a logged-in
coordinator (or staff member of the station) may open the shared feeds without one.  Unknown or
revoked tokens get a bare 404 that says nothing about why.  Responses carry an ETag (a hash of
the body) and Last-Modified (the newest event edit) and answer conditional requests with 304.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.errors import NotFound
from rota.feeds import (
    Feed,
    FeedScope,
    hash_secret,
    org_feed,
    person_feed,
    person_week,
    station_feed,
    station_week,
    token_for_secret,
)
from rota.models import Organisation, Person, Station
from web.auth import signed_in
from web.cache import cached
from web.common import now, week_of
from web.db import get_session

bp = Blueprint("feeds", __name__)


def not_found() -> Response:
    """A 404 with nothing in it that tells a revoked token from one that never existed."""
    return Response("Not Found\n", 404, mimetype="text/plain")


@dataclass(frozen=True)
class Calendar:
    """A feed rendered once: its bytes, their validators, and when time alone changes it."""

    body: bytes
    etag: str
    last_modified: datetime | None
    expires: datetime | None

    @classmethod
    def of(cls, feed: Feed) -> Calendar:
        """Render a feed."""
        body = feed.to_ical()
        return cls(body, hashlib.sha256(body).hexdigest(), feed.last_modified, feed.expires)


def calendar_response(feed: Feed | Calendar, download: str | None = None) -> Response:
    """The feed as ``text/calendar; charset=utf-8`` with ETag and Last-Modified, 304 when unchanged."""
    rendered = feed if isinstance(feed, Calendar) else Calendar.of(feed)
    response = Response(rendered.body, mimetype="text/calendar")
    response.set_etag(rendered.etag)
    response.last_modified = rendered.last_modified
    # Secret URLs: no shared cache may keep them; clients revalidate with the validators.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response.make_conditional(request)


def _lang(default: str | None = None) -> str | None:
    """The ``?lang=`` choice, else the given default (the token's language)."""
    return request.args.get("lang") or default


def _may_see_station(station_id: int) -> bool:
    """Coordinators see every station; staff the stations they serve."""
    if not current_user.is_authenticated:
        return False
    if current_user.role == Role.COORDINATOR:
        return True
    person = current_user.person if current_user.role == Role.STAFF else None
    return person is not None and station_id in {person.station_id, *(s.id for s in person.extra_stations)}


def _token_opens(scope: FeedScope, subject_id: int) -> str | None:
    """The language of the ``?token=`` if it opens this station's or organisation's feed, else None."""
    secret = request.args.get("token")
    if not secret:
        return None
    try:
        token = token_for_secret(get_session(), secret, scope)
    except NotFound:
        return None
    opened = token.station_id if scope is FeedScope.STATION else token.org_id
    return token.language if opened == subject_id else None


@bp.get("/feeds/<string:token>.ics")
def personal(token: str) -> Response:
    """A person's own feed, opened by its secret token (rendered once per database version)."""
    lang = request.args.get("lang")
    found = cached(("feed", hash_secret(token), lang), lambda: _personal(token, lang), lambda c: c.expires)
    return not_found() if found is None else calendar_response(found)


def _personal(token: str, lang: str | None) -> Calendar | None:
    """The rendered feed a personal token opens; None for unknown or revoked tokens."""
    session = get_session()
    try:
        found = token_for_secret(session, token, FeedScope.PERSON)
    except NotFound:
        return None
    person = session.get(Person, found.person_id)
    if person is None:
        return None
    return Calendar.of(person_feed(session, person, now(), lang or found.language))


@bp.get("/feeds/station/<int:station_id>.ics")
def station(station_id: int) -> Response:
    """A station's noticeboard feed: its own token, or a logged-in coordinator or staff member."""
    language = _token_opens(FeedScope.STATION, station_id)
    found = get_session().get(Station, station_id)
    if found is None or (language is None and not _may_see_station(station_id)):
        return not_found()
    return calendar_response(station_feed(get_session(), found, now(), _lang(language)))


@bp.get("/feeds/org/<int:org_id>.ics")
def organisation(org_id: int) -> Response:
    """An organisation's feed: its own token, or a logged-in coordinator."""
    language = _token_opens(FeedScope.ORGANISATION, org_id)
    found = get_session().get(Organisation, org_id)
    coordinator = current_user.is_authenticated and current_user.role == Role.COORDINATOR
    if found is None or (language is None and not coordinator):
        return not_found()
    return calendar_response(org_feed(get_session(), found, now(), _lang(language)))


@bp.get("/ics/station/<int:station_id>/<string:week>.ics")
@signed_in
def station_download(station_id: int, week: str) -> Response:
    """A one-off .ics of a station's week, for its coordinators and staff."""
    found = get_session().get(Station, station_id)
    if found is None:
        abort(404)
    if not _may_see_station(station_id):
        abort(403)
    monday = week_of(week)
    feed = station_week(get_session(), found, monday, _lang())
    return calendar_response(feed, f"rota-{found.code}-{week}.ics")


@bp.get("/ics/person/<int:person_id>/<string:week>.ics")
@signed_in
def person_download(person_id: int, week: str) -> Response:
    """A one-off .ics of a person's week: coordinators anyone's, staff only their own."""
    found = get_session().get(Person, person_id)
    if found is None:
        abort(404)
    own = current_user.role == Role.STAFF and current_user.person_id == person_id
    if not (own or current_user.role == Role.COORDINATOR):
        abort(403)
    feed = person_week(get_session(), found, week_of(week), _lang())
    return calendar_response(feed, f"duty-{person_id}-{week}.ics")
