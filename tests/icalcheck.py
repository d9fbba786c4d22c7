"""Run ../shared/tools/icalcheck (real client parsers) over produced feeds, or skip saying why."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ICALCHECK_ENV = "ROTA_ICALCHECK"
DEFAULT_ICALCHECK = ROOT.parent / "shared" / "tools" / "icalcheck" / "icalcheck"
NOT_INSTALLED = 2  # icalcheck's exit code for a usage error or a parser that is not installed


def icalcheck_path() -> Path:
    """Where icalcheck is: ``$ROTA_ICALCHECK`` or ``../shared/tools/icalcheck/icalcheck``."""
    return Path(os.environ.get(ICALCHECK_ENV) or DEFAULT_ICALCHECK)


def write_feeds(directory: Path, feeds: dict[str, bytes]) -> list[Path]:
    """Write each feed as ``<name>.ics`` under ``directory``."""
    paths = []
    for name, data in feeds.items():
        path = directory / f"{name}.ics"
        path.write_bytes(data)
        paths.append(path)
    return paths


def assert_icalcheck_accepts(directory: Path, feeds: dict[str, bytes]) -> None:
    """Every feed passes icalcheck --strict; skip when the tool is absent or not set up."""
    tool = icalcheck_path()
    if not os.access(tool, os.X_OK):
        pytest.skip(f"icalcheck not found at {tool} (set {ICALCHECK_ENV})")
    paths = write_feeds(directory, feeds)
    run = subprocess.run(
        [str(tool), "--strict", *map(str, paths)], capture_output=True, text=True, timeout=300, check=False
    )
    if run.returncode == NOT_INSTALLED:
        pytest.skip(f"icalcheck is not set up (run {tool} --setup): {run.stderr.strip()[-300:]}")
    assert run.returncode == 0, run.stdout + run.stderr
