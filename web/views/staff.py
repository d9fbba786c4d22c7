"""Staff and volunteers: their own shifts in the published rotas."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from flask_login import current_user

from rota.accounts import Role
from rota.domain import DEFAULT_TIMEZONE
from web.auth import role_required
from web.common import now
from web.db import get_session
from web.shifts import published_shifts, since_last_week

bp = Blueprint("staff", __name__, url_prefix="/me")


@bp.get("/shifts")
@role_required(Role.STAFF)
def my_shifts() -> str:
    """The logged-in butler's published shifts from last week on."""
    person = current_user.person
    zone = person.station.timezone if person else DEFAULT_TIMEZONE
    today = now().astimezone(ZoneInfo(zone)).date()
    shifts = published_shifts(get_session(), person.id, since_last_week(today)) if person else []
    return render_template("my_shifts.html", person=person, shifts=shifts, today=today)
