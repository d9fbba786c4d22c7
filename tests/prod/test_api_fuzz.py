"""The JSON API fuzzed from its own OpenAPI document (schemathesis), in-process, as each role.

Every documented operation is called with generated valid and invalid input by every role that may
call it, each (operation, role) on a freshly seeded database of its own, and every response must be
no server error, a documented status code and content type, and a body matching the documented
schema.  Deterministic (fixed seed, derandomized).  ``ROTA_FUZZ_EXAMPLES`` (default 8) raises the
examples per operation for a longer run:

    ROTA_FUZZ_EXAMPLES=100 .venv/bin/python -m pytest tests/prod/test_api_fuzz.py
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import ignored_auth

from tests.web.conftest import Demo, login, make_app
from web import create_app
from web.db import dispose
from web.jobs import registry
from web.openapi import openapi_document

EXAMPLES = int(os.environ.get("ROTA_FUZZ_EXAMPLES", "8"))
ID_PARAMETERS = ("assignment_id", "person_id", "org_id", "template_id", "compound_id", "window_id",
                 "leave_id", "swap_id", "activity_id", "signup_id", "preference_id")  # fmt: skip


def _config() -> SchemathesisConfig:
    """Fixed seed, derandomized, a bounded number of examples, every built-in response check."""
    return SchemathesisConfig.from_dict(
        {
            "seed": 0,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
                # the role's session cookie is sent with every case; no made-up credentials
                "with-security-parameters": False,
            },
            # Often the seeded station, weeks and ids, so that valid input reaches past "not found".
            "dictionaries": {
                "station": {"values": ["S01", "1"]},
                "week": {"values": ["2026-W50", "2026-W51"]},
                "month": {"values": ["2026-12"]},
                "id": {"values": [1, 2, 3]},
            },
            "parameters": {
                **{
                    f"path.{name}": {"dictionary": name, "probability": 0.7}
                    for name in ("station", "week", "month")
                },
                **{f"path.{name}": {"dictionary": "id", "probability": 0.5} for name in ID_PARAMETERS},
            },
            # Business rules (a slot not offered, a hard rule broken) refuse valid-looking input with a
            # 422 naming the field or rule; schema-valid input must never be a 400 or a 405.
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}
            },
        }
    )


def _allowed_roles() -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, path under /api/v1) -> the roles its view lets in, read from the app's own routes."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "routes only"})
    found: dict[tuple[str, str], frozenset[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]*:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        roles = getattr(app.view_functions[rule.endpoint], "required_roles", ())
        for method in rule.methods or ():
            found[(method, path)] = frozenset(r.value for r in roles)
    return found


# One database per (operation, role), shared by that operation's examples: suppress the health check.
FUZZ = hypothesis.settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)  # fmt: skip
SCHEMA = schemathesis.openapi.from_dict(openapi_document(), config=_config())
ALLOWED = _allowed_roles()


def _for(role: str) -> schemathesis.schemas.BaseSchema:
    """The operations ``role`` may call (the others answer 403, covered by test_permissions)."""
    return SCHEMA.include(
        lambda ctx: role in ALLOWED.get((ctx.operation.method.upper(), ctx.operation.path), ())
    )


@pytest.fixture
def fuzz_app(seeded: tuple[str, Demo], tmp_path: Path) -> Iterator[Flask]:
    """An app on a freshly seeded database of this (operation, role); short solves; no login limit."""
    application = make_app(seeded[0], tmp_path, RATELIMIT_ENABLED=False, SOLVE_TIME_LIMIT=1)
    yield application
    registry(application).shutdown()
    dispose(application)


@pytest.fixture
def sessions(fuzz_app: Flask) -> dict[str, dict[str, str]]:
    """Per role, the session cookie of a login (logged in once, on first use: hashing is slow)."""
    return {}


def _call(case: Case, app: Flask, sessions: dict[str, dict[str, str]], role: str) -> None:
    """Send the case with ``role``'s session cookie (the API's browser authentication) and check it."""
    if role not in sessions:
        client = app.test_client()
        login(client, role)
        cookie = client.get_cookie("session")
        assert cookie is not None
        sessions[role] = {"session": cookie.value}
    # The cookie goes with the call, outside the generated case, so the ignored-auth check could not take
    # it away; that every route refuses a caller without a login is tests/web/test_permissions.py's job.
    case.call_and_validate(app=app, cookies=sessions[role], excluded_checks=[ignored_auth])


@_for("coordinator").parametrize()
@FUZZ
def test_api_fuzz_as_coordinator(case: Case, fuzz_app: Flask, sessions: dict[str, dict[str, str]]) -> None:
    _call(case, fuzz_app, sessions, "coordinator")


@_for("staff").parametrize()
@FUZZ
def test_api_fuzz_as_staff(case: Case, fuzz_app: Flask, sessions: dict[str, dict[str, str]]) -> None:
    _call(case, fuzz_app, sessions, "staff")


@_for("resident").parametrize()
@FUZZ
def test_api_fuzz_as_resident(case: Case, fuzz_app: Flask, sessions: dict[str, dict[str, str]]) -> None:
    _call(case, fuzz_app, sessions, "resident")


def test_served_document_is_the_fuzzed_one_and_valid(fuzz_app: Flask) -> None:
    served = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)

    assert served.raw_schema == openapi_document()
    served.validate()
