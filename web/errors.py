"""One place that turns errors into responses: JSON ``{"error", "message", "details"}`` or an HTML page.

Domain errors (``RotaError`` subclasses) and HTTP errors alike roll the request's session back
first.  A database that cannot be reached (restarting, failing over) is a 503 asking to retry, never
a traceback.  API paths and clients asking for JSON get JSON; browsers get a flash and a redirect back
after a form post, or an error page otherwise.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from rota.errors import InfeasibleRota, InvalidInput, NotFound, RotaError, SolverTimeout, StateConflict
from rota.jobs import QueueUnavailable
from web.db import rollback

STATUS: dict[type[RotaError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    StateConflict: 409,
    InfeasibleRota: 422,
    SolverTimeout: 503,
    QueueUnavailable: 503,
}
DATABASE_RETRY_AFTER = 30  # seconds: a PostgreSQL restart or failover takes a few


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(RotaError, handle_rota_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)


def handle_stale_data(_error: StaleDataError) -> Any:
    """Another coordinator saved the same rota first (optimistic lock): refuse, never overwrite."""
    return handle_rota_error(StateConflict("the rota was changed by someone else; reload and try again"))


def handle_database_unavailable(error: OperationalError | InterfaceError) -> Any:
    """The database cannot be reached (restart, failover, network): a 503 asking to try again.

    A save in flight either landed whole or not at all; its commit may have failed on the way back,
    so the message says to reload and look.  The page is drawn without the database: the user who
    could not be loaded is shown as logged out, and a loaded one is not touched after the rollback.
    """
    with suppress(SQLAlchemyError):  # the connection is gone; the pool discards it
        rollback()
    current_app.logger.warning("database unavailable: %s", str(error.orig or error).strip().splitlines()[0])
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    message = _(
        "The database cannot be reached right now (it may be restarting). Please try again in a minute; "
        "if you were saving something, reload the page to see whether it was saved."
    )
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if wants_json():
        return jsonify(error_body("database_unavailable", message)), 503, headers
    return render_template("error.html", status=503, message=message, details=[]), 503, headers


def wants_json() -> bool:
    """True for API paths and for clients that prefer JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def status_of(error: RotaError) -> int:
    """The HTTP status of a domain error (its closest mapped ancestor; 400 if none)."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def details_of(error: RotaError) -> list[Any]:
    """Field messages of invalid input, reasons of an infeasible rota, else nothing."""
    if isinstance(error, InvalidInput):
        return [{"where": e.where, "message": e.message} for e in error.errors]
    if isinstance(error, InfeasibleRota):
        return list(error.reasons)
    return []


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": code, "message": message, "details": details or []}


def handle_rota_error(error: RotaError) -> Any:
    """A domain error as JSON, as a flash after a form post, or as an error page."""
    rollback()
    status = status_of(error)
    details = details_of(error)
    if wants_json():
        return jsonify(error_body(error.code, error.message, details)), status
    if request.method == "POST":
        flash(_message_with_details(error.message, details), "error")
        return redirect(back_url(), 303)
    return render_template("error.html", status=status, message=error.message, details=details), status


def _message_with_details(message: str, details: list[Any]) -> str:
    """A flash line: the message then each detail."""
    parts = [message] + [d["message"] if isinstance(d, dict) else str(d) for d in details]
    return " — ".join(parts)


def back_url() -> str:
    """Where to send the browser after a refused form post: the page it came from, on this host."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("home.index")


def handle_http_error(error: HTTPException) -> Any:
    """HTTP errors (404, 403, CSRF 400, 429...) in the same two forms."""
    rollback()
    status = error.code or 500
    if isinstance(error, RateLimitExceeded):
        message = _("Too many attempts. Please wait a minute and try again.")
    else:
        message = _http_message(status, error.description or "")
    # Keep the error's own headers (Allow on a 405, Retry-After on a 429), not its HTML content type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        response: Response = jsonify(error_body(code, message))
        return response, status, headers
    return render_template("error.html", status=status, message=message, details=[]), status, headers


def _http_message(status: int, description: str) -> str:
    """A translated sentence for the common HTTP errors."""
    messages = {
        400: _("The request was not accepted (perhaps the form expired). Please reload and try again."),
        401: _("Please log in."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
    }
    return str(messages.get(status, description))
