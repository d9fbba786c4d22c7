"""Where the Curtois benchmark files are, for the tests that need them (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "ROTA_CURTOIS_DIR"
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "benchmarks" / "curtois"


def curtois_dir() -> Path:
    """The benchmark folder: $ROTA_CURTOIS_DIR, else ../shared/benchmarks/curtois from the repo root."""
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else DEFAULT_DIR


def instance_path(number: int) -> Path:
    """Path of InstanceN.txt, skipping the calling test when the benchmark folder is absent."""
    path = curtois_dir() / f"Instance{number}.txt"
    if not path.is_file():
        pytest.skip(f"Curtois benchmark file {path} not found (set {ENV_VAR} to the folder holding it)")
    return path


def test_curtois_dir_honours_the_environment_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))

    assert curtois_dir() == tmp_path


def test_curtois_dir_defaults_to_the_shared_folder_beside_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)

    assert curtois_dir() == REPO_ROOT.parent / "shared" / "benchmarks" / "curtois"


# A tiny instance for hand-made cases; line numbers matter to the parser tests.
TINY = """\
SECTION_HORIZON
14

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=14|N=2,1920,960,3,2,2,1
B,D=14|N=14,9999,0,14,2,2,2

SECTION_DAYS_OFF
A,2

SECTION_SHIFT_ON_REQUESTS
A,0,D,2

SECTION_SHIFT_OFF_REQUESTS
A,1,N,3

SECTION_COVER
0,D,1,100,1
1,N,1,100,1
"""
