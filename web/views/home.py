"""The start page: sends each role where it works."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from rota.accounts import Role
from web.auth import role_required

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response | str:
    """Coordinators to the week grid, staff to their shifts, residents to their station page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.COORDINATOR:
        return redirect(url_for("planning.start"))
    if current_user.role == Role.STAFF:
        return redirect(url_for("staff.my_shifts"))
    return redirect(url_for("home.resident"))


@bp.get("/resident")
@role_required(Role.RESIDENT, Role.COORDINATOR)
def resident() -> str:
    """A resident's page: their station and how to reach it."""
    return render_template("resident.html", station=current_user.station)
