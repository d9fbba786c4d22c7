"""Security headers on every response and secure session cookies in production.

The pages load scripts only from ``/static`` (no inline scripts or handlers), so the content
security policy allows scripts from this origin only.  Inline ``style`` attributes remain (bar
widths computed in templates), which CSP treats as far less dangerous than scripts.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Posting to these books a home visit: limited per client address like the login form.
BOOKING_ENDPOINTS = frozenset({"visits.book", "visits.api_book"})


def init_app(app: Flask) -> None:
    """Add the headers to every response; mark cookies Secure when ``SECURE_COOKIES`` is set."""
    if app.config.get("SECURE_COOKIES"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.config.setdefault("BOOKING_RATE_LIMIT", "30 per minute")
    app.before_request(limit_bookings)
    app.after_request(add_headers)


def limit_bookings() -> None:
    """Count a booking attempt against the booking rate limit (RateLimitExceeded, a 429, when over)."""
    if request.method != "POST" or request.endpoint not in BOOKING_ENDPOINTS:
        return
    from web.auth import LIMITER

    limiter = current_app.extensions[LIMITER]
    with limiter.limit(current_app.config["BOOKING_RATE_LIMIT"], scope="booking"):
        pass


def add_headers(response: Response) -> Response:
    """Set the security headers the view did not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
