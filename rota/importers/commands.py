"""The ``rota import`` and ``rota export`` command groups (registered by ``rota.cli``).

Domain errors (``InvalidInput``) propagate unchanged: the CLI maps ``RotaError`` to messages and
exit codes in one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click

from rota.importers.curtois import parse_file, roster_text, to_problem
from rota.problem_file import dump_problem, read_problem, read_solution

ROSTER_FORMATS = ("curtois",)


@click.group("import")
def import_group() -> None:
    """Convert external problem formats into a problem file."""


@import_group.command("curtois")
@click.argument("instance", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Problem file.")
def import_curtois(instance: Path, output: TextIO) -> None:
    """Convert a Curtois benchmark INSTANCE (text) into a problem file."""
    problem = to_problem(parse_file(instance))
    json.dump(dump_problem(problem), output, ensure_ascii=False, indent=1)
    output.write("\n")


@click.group("export")
def export_group() -> None:
    """Write solutions in external formats."""


@export_group.command("roster")
@click.argument("solution", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--problem",
    "problem_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The problem file the solution solves (maps shifts to days and types).",
)
@click.option(
    "--format", "roster_format", type=click.Choice(ROSTER_FORMATS), default="curtois", show_default=True
)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Roster file.")
def export_roster(solution: Path, problem_path: Path, roster_format: str, output: TextIO) -> None:
    """Write a SOLUTION as a roster: one line per person, a shift type or `-` per day."""
    problem = read_problem(problem_path)
    assignments = read_solution(solution, problem).assignments
    output.write(roster_text(problem, assignments))
