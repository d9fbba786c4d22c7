"""The ``rota`` command through its real entry point, in a subprocess, on the test database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rota.db import make_engine, upgrade
from rota.demo import seed_demo
from rota.models import Rota
from rota.problem_file import dump_problem, dump_solution
from rota.services.problem import build_problem
from solver.result import SolveResult
from tests.conftest import isolated_database

ROTA = str(Path(sys.executable).with_name("rota"))
START = date(2026, 11, 30)
WEEK = "2026-W49"


def run(workdir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``rota`` with the test database, in ``workdir``."""
    env = {**os.environ, "ROTA_DATABASE_URL": url}
    return subprocess.run([ROTA, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=180)


def rota_count(engine: Engine) -> int:
    """Rota versions stored."""
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Rota)) or 0


def _seed(url: str) -> Engine:
    """Migrate and seed the demo station in-process (faster than two more subprocesses)."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        seed_demo(session, start=START)
    return engine


@pytest.fixture
def seeded(engine: Engine, database_url: str) -> str:
    """The URL of this test's own database holding the demo station."""
    with Session(engine) as session, session.begin():
        seed_demo(session, start=START)
    return database_url


@pytest.fixture(scope="module")
def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """A demo database shared by tests that must leave it unchanged (and check that they do)."""
    with isolated_database(tmp_path_factory.mktemp("shared")) as url:
        engine = _seed(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory for output files."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_the_whole_flow_from_an_empty_database(database_url: str, workdir: Path) -> None:
    assert run(workdir, database_url, "db", "upgrade").returncode == 0
    seeded = run(workdir, database_url, "demo", "--start", "2026-12-02")
    assert seeded.stdout.startswith("Seeded 1 station(s), 26 people, 156 shifts and 160 visit requests")

    planned = run(workdir, database_url, "plan", "--week", WEEK, "--time-limit", "5")
    assert planned.returncode == 0, planned.stderr
    assert "江侨社区居家养老服务站 2026-W49" in planned.stdout
    for heading in ("规则得分", "人员负担", "单位负担"):
        assert heading in planned.stdout
    assert "best objective" in planned.stderr
    assert planned.stdout.rstrip().endswith("Saved draft version 1 of S01 2026-W49.")

    published = run(workdir, database_url, "publish", "--week", WEEK, "--station", "S01")
    assert published.stdout == "Published version 1 of S01 2026-W49.\n"

    exported = run(workdir, database_url, "export-problem", "--week", WEEK, "-o", "problem.json")
    assert exported.returncode == 0, exported.stderr
    args = ["solve", "problem.json", "-o", "solution.json", "--time-limit", "5", "--lang", "en"]
    solved = run(workdir, database_url, *args)
    assert solved.returncode == 0, solved.stderr
    assert "Score by rule" in solved.stdout
    solution = json.loads((workdir / "solution.json").read_text(encoding="utf-8"))
    assert solution["status"] in ("optimal", "feasible")

    checked = run(workdir, database_url, "check", "problem.json", "solution.json")
    assert (checked.returncode, checked.stdout.splitlines()[0]) == (0, "hard rules: OK"), checked.stdout
    assert f"objective {solution['objective']}" in checked.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "--week", "2026-49"],
            "Invalid value for '--week': '2026-49' is not an ISO week like 2026-W49",
        ),
        (["plan", "--week", "2026-W60"], "Invalid value for '--week': 2026 has no week 60"),
        (["plan", "--week", WEEK, "--station", "S99"], "Error: station 'S99' not found"),
        (["plan", "--week", "2031-W02"], "Error: no shifts in 2031-W02 at S01"),
        (["plan", "--time-limit", "0"], "Invalid value for '--time-limit'"),
        (["plan", "--time-limit", "soon"], "Invalid value for '--time-limit'"),
        (["plan", "--workers", "0"], "Invalid value for '--workers'"),
        (["publish", "--week", WEEK], "Error: no draft rota to publish for 2026-W49 at S01"),
        (
            ["export-problem", "--week", WEEK, "-o", "nowhere/p.json"],
            "--output: directory nowhere does not exist",
        ),
        (["export-problem", "--week", WEEK], "Missing option '-o' / '--output'"),
        (["solve", "missing.json", "-o", "s.json"], "'PROBLEM_FILE': File 'missing.json' does not exist"),
        (["solve", "garbage.json", "-o", "s.json"], "the problem file is not valid JSON"),
        (["solve", "invalid.json", "-o", "s.json"], "$.horizon.days: is required"),
        (["check", "invalid.json", "garbage.json"], "$.horizon.days: is required"),
        (["demo", "--stations", "0"], "Invalid value for '--stations'"),
        (["demo", "--start", "2026-13-01"], "Invalid value for '--start'"),
    ],
)
def test_bad_input_is_named_exits_2_and_writes_nothing(
    shared_demo: tuple[str, Engine], workdir: Path, args: list[str], message: str
) -> None:
    url, engine = shared_demo
    (workdir / "garbage.json").write_text("{not json", encoding="utf-8")
    (workdir / "invalid.json").write_text('{"format": 1, "name": "x", "horizon": {}}', encoding="utf-8")
    before = sorted(p.name for p in workdir.iterdir())

    result = run(workdir, url, *args)

    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in workdir.iterdir()) == before
    assert rota_count(engine) == 0


def test_a_database_without_schema_asks_for_the_upgrade(database_url: str, workdir: Path) -> None:
    result = run(workdir, database_url, "plan", "--week", WEEK)

    assert result.returncode == 3
    assert "has no schema yet (run `rota db upgrade`)" in result.stderr


def test_a_second_demo_leaves_the_database_alone(shared_demo: tuple[str, Engine], workdir: Path) -> None:
    result = run(workdir, shared_demo[0], "demo")

    assert result.returncode == 0
    assert result.stderr == "The database already holds 1 station(s); demo data not added.\n"


def test_check_fails_a_solution_that_breaks_a_hard_rule(
    shared_demo: tuple[str, Engine], workdir: Path
) -> None:
    url, engine = shared_demo
    with Session(engine) as session:
        problem, _ = build_problem(session, week_start=START)
    (workdir / "problem.json").write_text(json.dumps(dump_problem(problem)), encoding="utf-8")
    person = problem.people[0].id
    # The same butler on the morning duty and the day hotline of one day: double booked.
    pairs = ((person, "S01-1130-AM"), (person, "S01-1130-HL1"))
    broken = SolveResult(status="feasible", objective=0, bound=0, wall_time=1.0, assignments=pairs)
    (workdir / "solution.json").write_text(json.dumps(dump_solution(broken, problem)), encoding="utf-8")

    result = run(workdir, url, "check", "problem.json", "solution.json")

    assert result.returncode == 1
    assert "no_double_booking" in result.stdout


def test_ctrl_c_during_a_solve_saves_nothing(seeded: str, engine: Engine, workdir: Path) -> None:
    env = {**os.environ, "ROTA_DATABASE_URL": seeded}
    args = [ROTA, "plan", "--week", WEEK, "--time-limit", "120"]
    with subprocess.Popen(
        args, cwd=workdir, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("Solving:")
        time.sleep(1.0)  # let the search get going
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)

    assert proc.returncode == 130
    assert time.monotonic() - started < 10
    assert "Interrupted: nothing was saved or written." in err
    assert rota_count(engine) == 0


def test_schema_prints_the_problem_file_schema(workdir: Path, database_url: str) -> None:
    result = run(workdir, database_url, "schema")

    schema = json.loads(result.stdout)
    assert (result.returncode, schema["title"]) == (0, "eldercare-rota problem file, format 1")
