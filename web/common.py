"""Small helpers the views share: the injected clock, stations and weeks from URLs, localised labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale

from rota.domain import current_week_start, iso_week_label, parse_iso_week
from rota.models import Station
from rota.services.stations import find_stations
from web.db import get_session


def now() -> datetime:
    """The app's clock (injected in tests)."""
    return current_app.config["CLOCK"]()  # type: ignore[no-any-return]


def this_week(station: Station | None = None) -> str:
    """The current ISO week in the station's zone (the default zone without one)."""
    if station is None:
        return iso_week_label(current_week_start(now()))
    return iso_week_label(current_week_start(now(), station.timezone))


def station_by_ref(ref: str) -> Station:
    """A station by code or id; NotFound otherwise."""
    return find_stations(get_session(), ref)[0]


def week_of(text: str) -> date:
    """The Monday of an ISO week from a URL (InvalidInput if malformed)."""
    return parse_iso_week(text)


def is_english() -> bool:
    """True when the page is shown in English."""
    return str(get_locale() or "").startswith("en")


def pick(zh: str, en: str) -> str:
    """The Chinese or English text, by the page's language."""
    return en if is_english() else zh


def message_text(message: dict[str, Any] | None) -> str:
    """A stored bilingual solver message in the page's language."""
    if not message:
        return ""
    return str(message.get("en") if is_english() else message.get("zh"))
