"""Logging in and out, and the per-session display choices (language, large text)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from rota.accounts import authenticate
from web.auth import login_limit, signed_in
from web.db import get_session
from web.errors import back_url
from web.forms import ActionForm, LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """The ``next`` page if it is a path on this site, else the start page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """Show the login form; on a valid post (rate-limited per address) log in and go on."""
    form = LoginForm()
    if request.method == "POST":
        with login_limit():
            if form.validate_on_submit():
                user = authenticate(get_session(), form.username.data or "", form.password.data or "")
                if user is not None:
                    keep = {k: session[k] for k in ("lang", "large_text") if k in session}
                    session.clear()  # nothing from before the login carries over but display choices
                    session.update(keep)
                    login_user(user)
                    return redirect(_safe_next(request.args.get("next")), 303)
            flash(_("Wrong username or password."), "error")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form)


@bp.post("/logout")
@signed_in
def logout() -> Response:
    """Log out (a POST with a CSRF token, so that no link can log anyone out)."""
    ActionForm().validate_on_submit()
    logout_user()
    return redirect(url_for("auth.login"), 303)


@bp.post("/language")
def language() -> Response:
    """Remember the chosen language for this session."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(back_url(), 303)


@bp.post("/text-size")
def text_size() -> Response:
    """Toggle large text for this session."""
    if ActionForm().validate_on_submit():
        session["large_text"] = not session.get("large_text", False)
    return redirect(back_url(), 303)
