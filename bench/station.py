"""Station-week benchmark: seed the demo station into a temporary SQLite database, build its week, solve.

    .venv/bin/python bench/station.py --time-limit 5 --seeds 0,1,2

Target (issue 2): proven optimal in 5 s or less on the 2-core machine.  ``bench/district.py`` runs
the same path for a district of stations.  Each row times the whole path a coordinator waits for:
reading the week from the database into a ``Problem``, building the CP-SAT model, and solving.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

from rota.db import make_engine, make_session_factory, upgrade
from rota.demo import seed_demo
from rota.services.problem import build_problem
from solver.instance import Problem
from solver.model import Progress, SolveParams, build, solve

START = date(2026, 11, 30)  # a Monday: the demo covers this week and the three after it


@dataclass(frozen=True)
class Row:
    """One solve of one demo week."""

    instance: str
    people: int
    shifts: int
    seed: int
    status: str
    objective: int | None
    bound: int | None
    wall: float
    first_solution: float | None
    problem_seconds: float
    model_seconds: float

    @property
    def gap(self) -> str:
        """Relative gap between objective and bound, in percent."""
        if self.objective is None or self.bound is None:
            return "-"
        return f"{100.0 * (self.objective - self.bound) / max(1, abs(self.objective)):.2f}%"

    def cells(self) -> list[str]:
        """The table row."""
        first = "-" if self.first_solution is None else f"{self.first_solution:.2f}"
        total = self.problem_seconds + self.wall
        share = 100 * self.model_seconds / total
        return [
            self.instance,
            f"{self.people}/{self.shifts}",
            str(self.seed),
            self.status,
            "-" if self.objective is None else str(self.objective),
            "-" if self.bound is None else str(self.bound),
            self.gap,
            f"{total:.2f}",
            first,
            f"{self.problem_seconds:.2f} + {self.model_seconds:.2f} ({share:.0f}%)",
        ]


HEADER = [
    "instance",
    "people/shifts",
    "seed",
    "status",
    "objective",
    "bound",
    "gap",
    "time (s)",
    "first solution (s)",
    "db→problem + model build (s)",
]


def demo_problem(stations: int, demo_seed: int = 0) -> tuple[Problem, float]:
    """The first demo week of ``stations`` stations, and the seconds spent reading it from the database."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            seed_demo(session, stations=stations, seed=demo_seed, start=START)
        started = time.monotonic()
        with sessions() as session, session.begin():
            problem, _ = build_problem(session, week_start=START)
        seconds = time.monotonic() - started
        engine.dispose()
    return problem, seconds


def run(name: str, problem: Problem, problem_seconds: float, seed: int, params: SolveParams) -> Row:
    """Solve once, recording when the first solution arrived (model build timed on its own)."""
    model_seconds = build(problem).build_seconds
    started = time.monotonic()
    firsts: list[float] = []

    def progress(_: Progress) -> None:
        if not firsts:
            firsts.append(time.monotonic() - started)

    result = solve(
        problem, SolveParams(time_limit=params.time_limit, workers=params.workers, seed=seed), progress
    )
    return Row(
        name,
        len(problem.people),
        len(problem.shifts),
        seed,
        result.status,
        result.objective,
        result.bound,
        result.wall_time,
        firsts[0] if firsts else None,
        problem_seconds,
        model_seconds,
    )


def markdown(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def bench(name: str, stations: int, time_limit: float, workers: int, seeds: str) -> None:
    """Build the demo once, solve it with each seed, print the table."""
    problem, problem_seconds = demo_problem(stations)
    params = SolveParams(time_limit=time_limit, workers=workers)
    rows = []
    for seed in (int(s) for s in seeds.split(",")):
        rows.append(run(name, problem, problem_seconds, seed, params))
        click.echo(" ".join(rows[-1].cells()), err=True)
    click.echo(markdown(rows))


@click.command()
@click.option("--time-limit", default=5.0, show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option("--seeds", default="0", show_default=True, help="Comma-separated solver seeds.")
def main(time_limit: float, workers: int, seeds: str) -> None:
    """Run the station-week benchmark and print the table."""
    bench("station-week", 1, time_limit, workers, seeds)


if __name__ == "__main__":
    main()
