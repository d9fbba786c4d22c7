"""The Flask web app: coordinator, staff and resident pages and the JSON API.

``create_app`` is the only entry point; everything an app needs lives on the app object
(``app.extensions``), never in module-level state, so that tests can build many apps.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from rota.db import database_url


def _secret_key(instance_path: str) -> str:
    """``ROTA_SECRET_KEY`` from the environment, else a random key kept in the instance folder."""
    from_env = os.environ.get("ROTA_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _limiter_storage() -> str:
    """Rate-limit counters: an explicit URI, else the shared Redis when configured, else memory."""
    return os.environ.get("ROTA_RATELIMIT_STORAGE_URI") or os.environ.get("ROTA_REDIS_URL") or "memory://"


def _defaults() -> dict[str, Any]:
    """Configuration used unless the environment or the test config says otherwise."""
    return {
        "DATABASE_URL": database_url(),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "LANGUAGES": ("zh_CN", "en"),
        "LOGIN_RATE_LIMIT": "10 per minute",
        "REDIS_URL": os.environ.get("ROTA_REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": _limiter_storage(),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SOLVE_TIME_LIMIT": float(os.environ.get("ROTA_SOLVE_TIME_LIMIT", "10")),
        "SOLVE_WORKERS": int(os.environ.get("ROTA_SOLVE_WORKERS", "2")),
        "SOLVE_HEARTBEAT_TTL": int(os.environ.get("ROTA_SOLVE_HEARTBEAT_TTL", "15")),
        "SECURE_COOKIES": os.environ.get("ROTA_SECURE_COOKIES", "") not in ("", "0", "false"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "CLOCK": lambda: datetime.now(UTC),
    }


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build and configure an app; ``test_config`` overrides the defaults and the environment."""
    app = Flask(__name__, instance_path=os.environ.get("ROTA_INSTANCE_PATH") or None)
    app.config.from_mapping(_defaults())
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    """Database, render cache, CSRF, login, languages, rate limits, errors and the solve-job registry."""
    from web import auth, cache, db, errors, i18n, jobs, security, templating

    security.init_app(app)
    db.init_app(app)
    cache.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    jobs.init_app(app)
    templating.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per area; the calendar feeds when that module is installed."""
    from web.views import api, exports, home, manage, planning, staff, visits
    from web.views import auth as auth_views

    for module in (home, auth_views, planning, staff, api, manage, exports, visits):
        app.register_blueprint(module.bp)
    from web.views import approvals, ledger

    app.register_blueprint(approvals.bp)  # self-service: the coordinator's queue and activities
    app.register_blueprint(ledger.bp)  # the monthly service ledger
    app.register_blueprint(importlib.import_module("web.views.api_selfservice").bp)  # self-service JSON API
    app.register_blueprint(importlib.import_module("web.views.api_manage").bp)  # management JSON API
    # The API checks CSRF itself: only for cookie-authenticated calls (see web.views.api).
    app.extensions["rota_csrf"].exempt(api.bp)
    if importlib.util.find_spec("web.views.feeds") is not None:
        feeds = importlib.import_module("web.views.feeds")
        app.register_blueprint(feeds.bp)
        app.register_blueprint(importlib.import_module("web.views.calendar").bp)  # feed links, QR, revoke
