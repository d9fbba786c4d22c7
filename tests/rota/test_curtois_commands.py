"""`rota import curtois` and `rota export roster`, driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rota.errors import InvalidInput
from rota.importers.commands import export_group, import_group
from rota.importers.curtois import parse_instance, shift_id, to_problem
from rota.problem_file import dump_solution, read_problem
from solver.result import FEASIBLE, SolveResult
from tests.rota.test_curtois_data import TINY


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    """The tiny instance written to a file."""
    path = tmp_path / "tiny.txt"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_import_curtois_writes_a_problem_file_equal_to_the_conversion(
    tiny_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "problem.json"

    result = CliRunner().invoke(import_group, ["curtois", str(tiny_file), "-o", str(out)])

    assert result.exit_code == 0, result.output
    assert read_problem(out) == to_problem(parse_instance(TINY, name="tiny"))


def test_import_curtois_malformed_instance_raises_invalid_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(TINY.replace("A,2\n", "A,99\n"), encoding="utf-8")

    result = CliRunner().invoke(import_group, ["curtois", str(bad), "-o", str(tmp_path / "p.json")])

    assert isinstance(result.exception, InvalidInput)
    assert [e.where for e in result.exception.errors] == ["SECTION_DAYS_OFF, line 13"]


def test_export_roster_curtois_writes_one_line_per_employee(tiny_file: Path, tmp_path: Path) -> None:
    problem = to_problem(parse_instance(TINY, name="tiny"))
    problem_file, solution_file, roster = tmp_path / "p.json", tmp_path / "s.json", tmp_path / "roster.txt"
    CliRunner().invoke(import_group, ["curtois", str(tiny_file), "-o", str(problem_file)])
    pairs = (("A", shift_id(0, "D")), ("A", shift_id(1, "D")), ("B", shift_id(13, "N")))
    result = SolveResult(status=FEASIBLE, objective=100, bound=0, wall_time=0.1, assignments=pairs)
    solution_file.write_text(json.dumps(dump_solution(result, problem)), encoding="utf-8")

    outcome = CliRunner().invoke(
        export_group,
        [
            "roster",
            str(solution_file),
            "--problem",
            str(problem_file),
            "--format",
            "curtois",
            "-o",
            str(roster),
        ],
    )

    assert outcome.exit_code == 0, outcome.output
    assert roster.read_text(encoding="utf-8").splitlines() == [
        "A D D" + " -" * 12,
        "B" + " -" * 13 + " N",
    ]
