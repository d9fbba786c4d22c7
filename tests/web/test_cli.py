"""The web's additions to the ``rota`` command: ``serve`` and demo logins."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from web.cli import main


def test_demo_prints_one_login_per_role(
    database_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTA_DATABASE_URL", database_url)

    result = CliRunner().invoke(main, ["demo", "--start", "2026-12-07"])

    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[-3:]] == [
        "coordinator",
        "staff",
        "resident",
    ]


def test_serve_runs_the_app_on_the_given_address(
    database_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    calls: list[tuple[str, int]] = []
    monkeypatch.setenv("ROTA_DATABASE_URL", database_url)
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(
        "werkzeug.serving.run_simple", lambda host, port, app, **_: calls.append((host, port))
    )

    result = CliRunner().invoke(main, ["serve", "--port", "5999"])

    assert (result.exit_code, calls) == (0, [("127.0.0.1", 5999)])


def test_rota_commands_are_all_there() -> None:
    from rota.cli import main as rota_main

    assert set(main.commands) == set(rota_main.commands) | {"serve", "worker"}
