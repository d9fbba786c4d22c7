"""Coordinators: the monthly service ledger (服务台账) on screen with bar charts, and as XLSX."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from rota.accounts import Role
from rota.services.ledger import build_ledger, parse_month, write_xlsx
from rota.services.stations import find_stations
from web.auth import role_required
from web.common import now, station_by_ref
from web.db import get_session

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
coordinators = role_required(Role.COORDINATOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@coordinators
def start() -> Response:
    """The coordinator's station (or the one asked for) in the current month."""
    station = current_user.station or find_stations(get_session())[0]
    ref = request.args.get("station") or station.code
    month = request.args.get("month") or now().astimezone(ZoneInfo(station.timezone)).strftime("%Y-%m")
    return redirect(url_for("ledger.month", station=ref, month=month))


@bp.get("/<station>/<month>")
@coordinators
def month(station: str, month: str) -> str:
    """The month's ledger with simple bar charts."""
    found = station_by_ref(station)
    ledger = build_ledger(get_session(), found, parse_month(month))
    return render_template("ledger/month.html", ledger=ledger, station=found, month=month)


@bp.get("/<station>/<month>.xlsx")
@coordinators
def xlsx(station: str, month: str) -> Response:
    """The month's ledger as a workbook."""
    found = station_by_ref(station)
    ledger = build_ledger(get_session(), found, parse_month(month))
    buffer = io.BytesIO()
    write_xlsx(ledger, buffer)
    buffer.seek(0)
    name = f"ledger-{found.code}-{ledger.label}.xlsx"
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)
