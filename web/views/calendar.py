"""The "My calendar" page: a person's feed subscription link, its QR code, and revoking it.

Only a hash of a feed token is stored, so a link can be shown once: in the answer to the POST that
makes it (which revokes any older link).  The page says so; whoever loses the link makes a new one.
Staff see their own page; coordinators the page of any person of their own station.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.errors import NotFound
from rota.feeds import active_tokens, person_feed_path, revoke_and_reissue, subscription_urls
from rota.models import Person
from rota.services import people
from web.auth import role_required
from web.common import now, station_by_ref
from web.db import get_session, unit_of_work
from web.forms import ActionForm, validated

bp = Blueprint("calendar", __name__)
BASE_URL_ENV = "ROTA_BASE_URL"  # as the ``rota feed-url`` command reads it


@dataclass(frozen=True)
class Link:
    """A freshly made subscription link: https and webcal forms and a QR code (a data: URI)."""

    https: str
    webcal: str
    qr: str


def base_url() -> str:
    """The public base URL of feed links: config ``FEED_BASE_URL``, ``$ROTA_BASE_URL``, else this host."""
    configured = current_app.config.get("FEED_BASE_URL") or os.environ.get(BASE_URL_ENV)
    return str(configured or request.url_root)


def make_link(secret: str) -> Link:
    """The link of a new secret, with its QR code rendered here as SVG (no script needed)."""
    https, webcal = subscription_urls(base_url(), person_feed_path(secret))
    qr = segno.make(https, error="m").svg_data_uri(scale=4, border=2)
    return Link(https, webcal, qr)


def _own() -> Person:
    """The logged-in butler (NotFound for a staff account linked to nobody)."""
    person: Person | None = current_user.person
    if person is None:
        raise NotFound(_("This account is not linked to a butler."))
    return person


def _page(person: Person, action: str, link: Link | None) -> Response:
    """The calendar page of a person, with the new link when one was just made; never cached."""
    tokens = active_tokens(get_session(), person)
    since: datetime | None = tokens[-1].created_at if tokens else None
    zone = ZoneInfo(person.station.timezone)
    body = render_template(
        "calendar.html",
        person=person,
        action=action,
        link=link,
        since=since.astimezone(zone).strftime("%Y-%m-%d %H:%M") if since else None,
        own=current_user.role == Role.STAFF,
        form=ActionForm(),
    )
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # the page may hold a secret link
    return response


def _renew(person_id: int) -> Link:
    """Revoke the person's links and make a new one (one unit of work)."""
    validated(ActionForm())
    with unit_of_work() as session:
        person = session.get_one(Person, person_id)
        secret = revoke_and_reissue(session, person, now())
    return make_link(secret)


@bp.get("/me/calendar")
@role_required(Role.STAFF)
def mine() -> Response:
    """The logged-in butler's calendar page."""
    return _page(_own(), url_for("calendar.renew_mine"), None)


@bp.post("/me/calendar/renew")
@role_required(Role.STAFF)
def renew_mine() -> Response:
    """Revoke the butler's feed links and show a new one, once."""
    link = _renew(_own().id)
    return _page(_own(), url_for("calendar.renew_mine"), link)


def _station_person(station: str, person_id: int) -> Person:
    """A person of the coordinator's own station; 403 for a person of another station."""
    found = station_by_ref(station)
    if current_user.station_id is not None and current_user.station_id != found.id:
        abort(403)
    return people.get_person(get_session(), found, person_id)


@bp.get("/manage/<station>/people/<int:person_id>/calendar")
@role_required(Role.COORDINATOR)
def person_page(station: str, person_id: int) -> Response:
    """A person's calendar page, for a coordinator of their station."""
    found = _station_person(station, person_id)
    return _page(found, url_for("calendar.renew_person", station=station, person_id=person_id), None)


@bp.post("/manage/<station>/people/<int:person_id>/calendar/renew")
@role_required(Role.COORDINATOR)
def renew_person(station: str, person_id: int) -> Response:
    """Revoke a person's feed links and show a new one, once (to hand to them)."""
    person = _station_person(station, person_id)
    link = _renew(person.id)
    action = url_for("calendar.renew_person", station=station, person_id=person_id)
    return _page(_station_person(station, person_id), action, link)
