"""Coordinators download a station's rota for a week or a month as CSV or XLSX."""

from __future__ import annotations

import re

from flask import Blueprint, Response
from flask_babel import gettext as _

from rota.accounts import Role
from rota.domain import iso_week_label
from rota.errors import FieldError, InvalidInput
from rota.services import exports
from web.auth import role_required
from web.common import is_english, station_by_ref, week_of
from web.db import get_session

bp = Blueprint("exports", __name__, url_prefix="/rota")
coordinators = role_required(Role.COORDINATOR)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _headers() -> list[str]:
    """The column titles in the page's language."""
    titles = {
        "date": _("Date"),
        "weekday": _("Weekday"),
        "shift_code": _("Code"),
        "shift": _("Shift"),
        "start": _("Starts"),
        "end": _("Ends"),
        "person": _("Person"),
        "organisation": _("Organisation"),
        "pinned": _("Pinned"),
        "status": _("Status"),
        "version": _("Version"),
        "note": _("Note"),
    }
    return [titles[c] for c in exports.COLUMNS]


def _download(rows: list[exports.RotaRow], name: str, fmt: str) -> Response:
    """The rows as a CSV or XLSX attachment."""
    if fmt == "csv":
        body: str | bytes = exports.to_csv(rows, _headers())
    else:
        body = exports.to_xlsx(rows, name, _headers())
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@bp.get("/<station>/<week>/export.<any(csv, xlsx):fmt>")
@coordinators
def week(station: str, week: str, fmt: str) -> Response:
    """One station-week."""
    found = station_by_ref(station)
    week_start = week_of(week)
    rows = exports.week_rows(get_session(), found, week_start, is_english())
    return _download(rows, f"rota-{found.code}-{iso_week_label(week_start)}", fmt)


@bp.get("/<station>/month/<month>/export.<any(csv, xlsx):fmt>")
@coordinators
def month(station: str, month: str, fmt: str) -> Response:
    """One station-month (YYYY-MM)."""
    found = station_by_ref(station)
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month)
    if match is None:
        raise InvalidInput("bad month", [FieldError("month", f"{month!r} is not a month like 2026-12")])
    rows = exports.month_rows(get_session(), found, int(match.group(1)), int(match.group(2)), is_english())
    return _download(rows, f"rota-{found.code}-{month}", fmt)
