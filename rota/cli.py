"""The ``rota`` command: database, demo data, planning, publishing and offline solving.

Every command runs its database work in short transactions and never holds one open while the
solver runs.  The solver (OR-Tools) and the problem file's schema validator are imported inside
the commands that use them: they take most of a second to load, which every other command and
every mistyped argument would otherwise pay.  Errors the domain raises on purpose are turned into
messages and exit codes in one place, ``RotaGroup.invoke``; nothing is written when a command fails.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from rota import db
from rota.backup_cli import export_all_command, import_all_command
from rota.demo import seed_demo
from rota.domain import current_week_start, iso_week_label, parse_iso_week
from rota.errors import (
    FieldError,
    InfeasibleRota,
    InvalidInput,
    NotFound,
    RotaError,
    SolverTimeout,
    StateConflict,
)
from rota.feeds_cli import feed_url
from rota.importers.commands import export_group, import_group
from rota.ledger_cli import ledger
from rota.models import Station
from rota.services.planning_input import planning_problem
from rota.services.problem import save_plan
from rota.services.rotas import publish as publish_rotas
from rota.services.stations import find_stations
from rota.services.summary import format_summary
from solver.instance import Problem
from solver.result import FEASIBLE, OPTIMAL, SolveResult

if TYPE_CHECKING:
    from solver.model import Progress

# The one table from domain errors to exit codes (2 is also click's code for bad arguments).
EXIT_CODES: tuple[tuple[type[RotaError], int], ...] = (
    (InvalidInput, 2),
    (NotFound, 2),
    (StateConflict, 3),
    (InfeasibleRota, 4),
    (SolverTimeout, 5),
    (RotaError, 1),
)
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C


def exit_code(error: RotaError) -> int:
    """The exit code of a domain error."""
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def error_lines(error: RotaError) -> list[str]:
    """One line for the error, then one per field or reason."""
    lines = [f"Error: {error.message}"]
    if isinstance(error, InvalidInput):
        lines += [f"  {e.where}: {e.message}" for e in error.errors]
    if isinstance(error, InfeasibleRota):
        lines += [f"  {reason}" for reason in error.reasons]
    return lines


class RotaGroup(click.Group):
    """The command group that maps domain errors and Ctrl-C to messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, translating what it raises."""
        try:
            return super().invoke(ctx)
        except RotaError as error:
            for line in error_lines(error):
                click.echo(line, err=True)
            ctx.exit(exit_code(error))
        except KeyboardInterrupt:
            click.echo("\nInterrupted: nothing was saved or written.", err=True)
            ctx.exit(EXIT_INTERRUPTED)


class IsoWeek(click.ParamType[date, Any]):
    """A week given as ``YYYY-Www``; the value is its Monday."""

    name = "YYYY-Www"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """Parse, or fail with click's usage error naming the option."""
        if isinstance(value, date):
            return value
        try:
            return parse_iso_week(str(value))
        except InvalidInput as error:
            self.fail("; ".join(e.message for e in error.errors), param, ctx)


WEEK = click.option("--week", type=IsoWeek(), help="ISO week, e.g. 2026-W49 (default: this week).")
STATION = click.option("--station", metavar="ID", help="Station id or code (default: every station).")
LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
TIME_LIMIT = click.option(
    "--time-limit", type=click.FloatRange(min=0, min_open=True, max=86400), default=10.0, show_default=True,
    help="Seconds the solver may search.",
)  # fmt: skip
WORKERS = click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
SEED = click.option("--seed", type=int, default=0, show_default=True, help="Solver random seed.")


def now_utc() -> datetime:
    """The current time: read here, at the edge, and passed into the logic."""
    return datetime.now(UTC)


@click.group(cls=RotaGroup)
def main() -> None:
    """Duty rotas for community elder-care service stations (居家养老服务站)."""


@main.group(name="db")
def db_group() -> None:
    """The database schema."""


@db_group.command()
def upgrade() -> None:
    """Create or upgrade the database schema to the latest migration."""
    engine = db.make_engine(_url())
    try:
        db.upgrade(engine)
        revision = db.current_revision(engine)
    except sa_exc.OperationalError as error:
        raise _unreachable(error) from None
    finally:
        engine.dispose()
    click.echo(f"database {_safe_url()} is at revision {revision}")


@contextmanager
def _sessions() -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured, migrated database; the engine is disposed afterwards."""
    engine = db.make_engine(_url())
    try:
        revision = db.current_revision(engine)
        if revision is None:
            raise StateConflict(f"the database {_safe_url()} has no schema yet (run `rota db upgrade`)")
        yield db.make_session_factory(engine)
    except sa_exc.OperationalError as error:
        raise _unreachable(error) from None
    finally:
        engine.dispose()


def _url() -> str:
    """The configured database URL, checked for syntax."""
    url = db.database_url()
    try:
        make_url(url)
    except sa_exc.ArgumentError as error:
        raise InvalidInput("bad database URL", [FieldError("ROTA_DATABASE_URL", str(error))]) from None
    return url


def _safe_url() -> str:
    """The database URL without its password, for messages."""
    return make_url(db.database_url()).render_as_string(hide_password=True)


def _unreachable(error: sa_exc.OperationalError) -> InvalidInput:
    """A database that cannot be opened, as bad configuration."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return InvalidInput(
        "cannot use the database", [FieldError("ROTA_DATABASE_URL", f"{_safe_url()}: {detail}")]
    )


@main.command()
@click.option("--stations", type=click.IntRange(1, 999), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Demo data random seed.")
@click.option(
    "--start", type=click.DateTime(formats=["%Y-%m-%d"]), help="A day of the first week (default: today)."
)
def demo(stations: int, seed: int, start: datetime | None) -> None:
    """Seed a demo station (or a district of them) covering four weeks."""
    first = start.date() if start else current_week_start(now_utc())
    with _sessions() as sessions, sessions.begin() as session:
        existing = session.scalar(select(func.count()).select_from(Station)) or 0
        if existing:
            click.echo(f"The database already holds {existing} station(s); demo data not added.", err=True)
            return
        summary = seed_demo(session, stations=stations, seed=seed, start=first)
    weeks = ", ".join(iso_week_label(w) for w in summary.weeks)
    click.echo(
        f"Seeded {summary.stations} station(s), {summary.people} people, {summary.shifts} shifts and "
        f"{summary.visit_requests} visit requests for {weeks}."
    )


@main.command()
@WEEK
@STATION
@TIME_LIMIT
@WORKERS
@SEED
@LANG
def plan(
    week: date | None, station: str | None, time_limit: float, workers: int, seed: int, lang: str
) -> None:
    """Plan a week: build the problem, solve it, store the result as a new draft."""
    week_start = week or current_week_start(now_utc())
    with _sessions() as sessions:
        with sessions.begin() as session:
            station_id = find_stations(session, station)[0].id if station else None
            problem, context = planning_problem(session, week_start=week_start, station_id=station_id)
        result = _solve(problem, time_limit, workers, seed)
        click.echo(format_summary(problem, result, lang))
        with sessions.begin() as session:
            saved = [(r.station.code, r.version) for r in save_plan(session, context, result, now=now_utc())]
    for code, version in saved:
        click.echo(f"Saved draft version {version} of {code} {iso_week_label(week_start)}.")


def _solve(problem: Problem, time_limit: float, workers: int, seed: int) -> SolveResult:
    """Solve with a progress line on stderr."""
    from rota.services.solving import solve_in_child
    from solver.model import SolveParams

    params = SolveParams(time_limit=time_limit, workers=workers, seed=seed)
    click.echo(
        f"Solving: {len(problem.people)} people, {len(problem.shifts)} shifts, limit {time_limit:g} s",
        err=True,
    )
    result = solve_in_child(problem, params, on_progress=ProgressLine(sys.stderr.isatty()))
    click.echo("", err=True)
    return result


class ProgressLine:
    """Shows the best objective so far: rewritten in place on a terminal, a line at a time otherwise."""

    def __init__(self, interactive: bool, echo: Callable[[str], None] | None = None) -> None:
        self.interactive = interactive
        self.echo = echo or (lambda text: click.echo(text, err=True, nl=False))
        self.last = -1.0

    def __call__(self, progress: Progress) -> None:
        """Report one improvement (at most twice a second when not on a terminal)."""
        text = f"best objective {progress.objective}, bound {progress.bound} ({progress.wall_time:.1f} s)"
        if self.interactive:
            self.echo(f"\r{text}\033[K")
        elif progress.wall_time - self.last >= 0.5:
            self.echo(text + "\n")
            self.last = progress.wall_time


@main.command()
@WEEK
@STATION
def publish(week: date | None, station: str | None) -> None:
    """Publish the draft rota of a week (the published one it replaces becomes superseded)."""
    week_start = week or current_week_start(now_utc())
    with _sessions() as sessions, sessions.begin() as session:
        stations = find_stations(session, station)
        done = [
            (r.station.code, r.version)
            for r in publish_rotas(session, stations=stations, week_start=week_start, now=now_utc())
        ]
    for code, version in done:
        click.echo(f"Published version {version} of {code} {iso_week_label(week_start)}.")


@main.command(name="export-problem")
@WEEK
@STATION
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_problem(week: date | None, station: str | None, output: Path) -> None:
    """Write a week's planning problem as a problem file."""
    week_start = week or current_week_start(now_utc())
    _check_writable(output, "--output")
    with _sessions() as sessions, sessions.begin() as session:
        station_id = find_stations(session, station)[0].id if station else None
        problem, _ = planning_problem(session, week_start=week_start, station_id=station_id)
    from rota.problem_file import dump_problem

    _write_json(output, dump_problem(problem))
    click.echo(f"Wrote {output} ({len(problem.people)} people, {len(problem.shifts)} shifts).")


@main.command(name="solve")
@click.argument("problem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@TIME_LIMIT
@WORKERS
@SEED
@LANG
def solve_file(
    problem_file: Path, output: Path, time_limit: float, workers: int, seed: int, lang: str
) -> None:
    """Solve a problem file offline and write the solution file (exit 1 if no rota was found)."""
    from rota.problem_file import dump_solution, read_problem

    _check_writable(output, "--output")
    problem = read_problem(problem_file)
    result = _solve(problem, time_limit, workers, seed)
    _write_json(output, dump_solution(result, problem))
    click.echo(format_summary(problem, result, lang))
    click.echo(f"Wrote {output}.")
    if result.status not in (OPTIMAL, FEASIBLE):
        sys.exit(1)


@main.command()
@click.argument("problem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("solution_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(problem_file: Path, solution_file: Path) -> None:
    """Re-check a solution independently of the solver: exit 0 if it holds, 1 if not."""
    from rota.problem_file import read_problem, read_solution
    from solver.validate import format_report, validate

    problem = read_problem(problem_file)
    solution = read_solution(solution_file, problem)
    validation = validate(problem, solution.assignments, solution.visits)
    click.echo(format_report(validation))
    ok = validation.feasible
    if solution.status not in (OPTIMAL, FEASIBLE):
        click.echo(f"the solution holds no rota (status {solution.status})")
        ok = False
    elif solution.objective is not None and solution.objective != validation.objective:
        click.echo(
            f"objective mismatch: the file says {solution.objective}, "
            f"the re-check gives {validation.objective}"
        )
        ok = False
    sys.exit(0 if ok else 1)


@main.command()
def schema() -> None:
    """Print the problem file's JSON Schema."""
    from rota.problem_file import problem_schema

    click.echo(json.dumps(problem_schema(), ensure_ascii=False, indent=2))


def _check_writable(path: Path, option: str) -> None:
    """Fail before any work if ``path`` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(
            "cannot write the output", [FieldError(option, f"directory {parent} does not exist")]
        )
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidInput("cannot write the output", [FieldError(option, f"{path} is not writable")])


def _write_json(path: Path, data: object) -> None:
    """Write JSON atomically: readers never see half a file, and failures leave nothing behind."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


main.add_command(import_group)
main.add_command(export_group)
main.add_command(feed_url)
main.add_command(export_all_command)
main.add_command(import_all_command)
main.add_command(ledger)


if __name__ == "__main__":  # pragma: no cover
    main()
