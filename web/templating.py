"""Helpers the templates call: localised day and shift names, durations, organisation colours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, session

from rota.domain import WEEKDAYS_EN, WEEKDAYS_ZH
from rota.models import ShiftTemplate
from web.common import is_english, message_text, pick


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.globals.update(
        day_label=day_label,
        template_name=template_name,
        message_text=message_text,
        pick=pick,
        hours=hours,
        local_time=local_time,
        large_text=lambda: bool(session.get("large_text")),
    )


def day_label(day: date) -> str:
    """ "周二 12-08" or "Tue 12-08"."""
    names = WEEKDAYS_EN if is_english() else WEEKDAYS_ZH
    return f"{names[day.weekday()]} {day:%m-%d}"


def template_name(template: ShiftTemplate) -> str:
    """A shift template's name in the page's language."""
    return template.name_en if is_english() else template.name_zh


def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal ("7.5")."""
    if minutes is None:
        return "-"
    return f"{minutes / 60:.1f}".removesuffix(".0")


def local_time(moment: datetime, zone: str) -> str:
    """An aware datetime as local HH:MM in a zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")
