"""Logins (Flask-Login), CSRF (Flask-WTF), the login rate limit (Flask-Limiter) and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import joinedload

from rota.accounts import Role, User, authenticate
from rota.models import Person
from web.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
LIMITER = "rota_limiter"
CSRF = "rota_csrf"


def init_app(app: Flask) -> None:
    """Attach the login manager, CSRF protection and the rate limiter to the app."""
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = None  # the login page says what to do; no flash on every redirect
    manager.user_loader(_load_user)
    manager.request_loader(_basic_auth_user)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)
    app.extensions[CSRF] = CSRFProtect(app)
    app.extensions[LIMITER] = Limiter(
        get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"], default_limits=[]
    )


def _load_user(user_id: str) -> User | None:
    """The logged-in user of the session cookie, if still active."""
    # Pages ask for the account's station and person (and the person's station): one query for all.
    options = (joinedload(User.station), joinedload(User.person).joinedload(Person.station))
    user = get_session().get(User, int(user_id), options=options) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _basic_auth_user(_request: Any) -> User | None:
    """API clients may send HTTP Basic credentials instead of a session cookie (rate-limited)."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not request.path.startswith("/api/"):
        return None
    with login_limit():
        user = authenticate(get_session(), auth.username or "", auth.password or "")
    g.basic_auth = user is not None
    return user


def _unauthorized() -> Any:
    """Send browsers to the login page; API clients get a 401 in the one error shape."""
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_limit() -> Any:
    """The login rate limit as a context manager (raises RateLimitExceeded when exceeded)."""
    limiter: Limiter = current_app.extensions[LIMITER]
    return limiter.limit(current_app.config["LOGIN_RATE_LIMIT"], scope="login")


def csrf() -> CSRFProtect:
    """The app's CSRF protection."""
    return cast(CSRFProtect, current_app.extensions[CSRF])


def signed_in(view: F) -> F:
    """Flask-Login's ``login_required`` with its type kept: any logged-in account may see the view."""
    return cast(F, login_required(view))


def has_role(*roles: Role) -> bool:
    """True if the current user is logged in with one of the roles."""
    return bool(current_user.is_authenticated and current_user.role in roles)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Decorator: log in first, then 403 unless the user has one of the roles."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate
