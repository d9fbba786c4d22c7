"""The web's additions to the ``rota`` command: ``serve`` and demo logins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
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


AUTOGROUP_CHECK = (
    "import os; from web.cli import lower_priority; lower_priority(7); "
    "print(os.nice(0), open('/proc/self/autogroup').read().split()[-1])"
)


NICED = pytest.mark.skipif(os.nice(0) != 0, reason="the tests run niced already (niceness > 0)")


@NICED
@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="the kernel has no autogroups")
def test_a_worker_leading_its_session_lowers_the_whole_session() -> None:
    """In its own session (systemd, containers) the niceness must reach the session's CPU share."""
    alone = subprocess.run(
        [sys.executable, "-c", AUTOGROUP_CHECK],
        capture_output=True,
        text=True,
        start_new_session=True,
        check=True,
    )
    assert alone.stdout.split() == ["7", "7"]


@NICED
def test_a_worker_sharing_a_session_leaves_the_session_alone() -> None:
    """Started from a shell beside other programs, only the worker itself is niced."""
    before = Path("/proc/self/autogroup").read_text() if Path("/proc/self/autogroup").exists() else None
    shared = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from web.cli import lower_priority; lower_priority(5); print(os.nice(0))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shared.stdout.split() == ["5"]
    if before is not None:
        assert Path("/proc/self/autogroup").read_text() == before
