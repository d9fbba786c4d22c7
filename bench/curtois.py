"""Curtois benchmark run: import, solve, write the roster, re-check it independently, print a table.

    .venv/bin/python bench/curtois.py --instances 1-8 --time-limit 60 --workers 2 --seeds 0,1,2

Each (instance, seed) goes through the same path as ``rota import curtois`` + ``rota solve`` +
``rota export roster``: the instance is converted with the general rule catalogue, written to and
read back from the problem-file JSON, solved, and the roster is checked by
``rota.importers.curtois_eval`` (which reads the instance text itself).  Exit code 1 if any roster
fails that check (hard violation or an objective different from the solver's).  "CPU share" is the
CPU time the solve got per wall second and worker: well below 1 means the machine was busy and
the results understate the solver.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import click

from rota.importers.curtois import parse_file, roster_text, to_problem
from rota.importers.curtois_eval import UnreadableInput, evaluate_files
from rota.problem_file import dump_problem, load_problem
from solver.model import Progress, SolveParams, solve
from solver.result import FEASIBLE, OPTIMAL

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "ROTA_CURTOIS_DIR"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "benchmarks" / "curtois"
DEFAULT_OUT = REPO_ROOT / "out" / "bench" / "curtois"
OK = "ok"
# The evaluator's penalty families and the rule catalogue's soft rules, one to one.
CATALOGUE_RULE = {
    "shift_on_requests": "shift_on_request",
    "shift_off_requests": "shift_off_request",
    "cover_under": "coverage_under",
    "cover_over": "coverage_over",
}


@dataclass(frozen=True)
class BestKnown:
    """Published bounds of one instance (lower may be unknown)."""

    lower: int | None
    upper: int


@dataclass(frozen=True)
class Run:
    """One solve of one instance with one seed, and the evaluator's verdict on its roster."""

    instance: int
    seed: int
    status: str
    objective: int | None
    bound: int | None
    wall_time: float
    time_to_best: float | None
    verdict: str
    cpu_share: float = 1.0


class BestTracker:
    """Records, from progress callbacks, when each objective value was first reached."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started = clock()
        self.first_reached: dict[int, float] = {}

    def __call__(self, progress: Progress) -> None:
        """Progress callback: remember the first time of this objective."""
        self.first_reached.setdefault(progress.objective, self._clock() - self._started)


def parse_numbers(text: str) -> list[int]:
    """ "1-8,10,12-13" -> [1, ..., 8, 10, 12, 13]."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def read_best_known(path: Path) -> dict[int, BestKnown]:
    """best_known.csv keyed by instance number."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        int(row["instance"].removeprefix("Instance")): BestKnown(
            int(row["lower_bound"]) if row["lower_bound"] else None, int(row["upper_bound"])
        )
        for row in rows
    }


def run_one(path: Path, number: int, seed: int, params: SolveParams, out_dir: Path) -> Run:
    """Import, round-trip through the problem file, solve, write and independently check the roster."""
    problem = load_problem(json.loads(json.dumps(dump_problem(to_problem(parse_file(path))))))
    tracker = BestTracker(time.monotonic)
    cpu_before = time.process_time()
    result = solve(problem, replace(params, seed=seed), on_progress=tracker)
    # CPU seconds of all solver threads per wall second and worker: below 1 on a busy machine.
    cpu_share = (time.process_time() - cpu_before) / max(result.wall_time * params.workers, 1e-9)
    run = Run(
        number, seed, result.status, result.objective, result.bound, result.wall_time, None, "no roster"
    )
    run = replace(run, cpu_share=round(cpu_share, 2))
    if result.status not in (OPTIMAL, FEASIBLE) or result.objective is None:
        return run
    roster = out_dir / f"{path.stem}.seed{seed}.roster.txt"
    roster.write_text(roster_text(problem, result.assignments), encoding="utf-8")
    solver_penalties = {score.rule: score.penalty for score in result.breakdown}
    return replace(
        run,
        time_to_best=tracker.first_reached.get(result.objective, result.wall_time),
        verdict=_verdict(path, roster, result.objective, solver_penalties),
    )


def _verdict(instance: Path, roster: Path, objective: int, solver_penalties: dict[str, int]) -> str:
    """ "ok", or what the independent evaluator disagrees with (per penalty family on a mismatch)."""
    try:
        evaluation = evaluate_files(instance, roster)
    except UnreadableInput as exc:
        return f"UNREADABLE ({exc})"
    if not evaluation.feasible:
        return f"INFEASIBLE ({len(evaluation.violations)} violations, first: {evaluation.violations[0]})"
    if evaluation.objective != objective:
        differing = [
            f"{rule} {solver_penalties.get(rule, 0)} vs {evaluation.penalties[family]}"
            for family, rule in CATALOGUE_RULE.items()
            if solver_penalties.get(rule, 0) != evaluation.penalties[family]
        ]
        return f"MISMATCH (evaluator {evaluation.objective}; solver vs evaluator: {', '.join(differing)})"
    return OK


def _gap(objective: int | None, best: BestKnown | None) -> str:
    """Relative gap of our objective to the best known upper bound, in percent."""
    if objective is None or best is None:
        return "-"
    return f"{100.0 * (objective - best.upper) / best.upper:.1f}%"


def _best_known_text(best: BestKnown | None) -> str:
    """ "607" when proven, "1141-1143" when a gap is open, "-4631" when the lower bound is unknown."""
    if best is None:
        return "?"
    if best.lower == best.upper:
        return str(best.upper)
    return f"{best.lower if best.lower is not None else ''}-{best.upper}"


def summary_row(runs: Sequence[Run], best: BestKnown | None) -> list[str]:
    """One table row for an instance over all its seeds (the best run is reported in detail)."""
    solved = [r for r in runs if r.objective is not None]
    top = min(solved, key=lambda r: (r.objective, r.time_to_best or 0.0)) if solved else runs[0]
    objectives = sorted(r.objective for r in solved if r.objective is not None)
    bounds = [r.bound for r in runs if r.bound is not None]
    failed = [r.verdict for r in runs if r.verdict not in (OK, "no roster")]
    spread = f"{objectives[0]} / {statistics.median(objectives):g} / {objectives[-1]}" if objectives else "-"
    return [
        f"Instance{runs[0].instance}",
        _best_known_text(best),
        "-" if top.objective is None else str(top.objective),
        str(max(bounds)) if bounds else "-",
        _gap(top.objective, best),
        "-" if top.time_to_best is None else f"{top.time_to_best:.1f}",
        "/".join(sorted({r.status for r in runs})),
        failed[0] if failed else (OK if solved else "no roster"),
        f"{statistics.mean(r.cpu_share for r in runs):.2f}",
        spread,
    ]


HEADER = [
    "instance",
    "best known",
    "objective",
    "bound",
    "gap",
    "time to best (s)",
    "status",
    "evaluator",
    "CPU share",
]


def markdown_table(rows: Sequence[Sequence[str]], seeds: int) -> str:
    """The summary as a Markdown table (the spread column only with several seeds)."""
    header = [*HEADER, "min / median / max"] if seeds > 1 else HEADER
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row[: len(header)]) + " |" for row in rows]
    return "\n".join(lines)


def solve_params(time_limit: float, workers: int, settings: Sequence[str]) -> SolveParams:
    """SolveParams from the options plus `name=value` overrides (e.g. own_lns=true)."""
    params = SolveParams(time_limit=time_limit, workers=workers, explain_conflicts=False)
    defaults = {f.name: getattr(params, f.name) for f in fields(params)}
    changes: dict[str, Any] = {}
    for setting in settings:
        name, _, text = setting.partition("=")
        if name not in defaults:
            raise click.BadParameter(f"unknown solve parameter {name!r}", param_hint="--param")
        kind = type(defaults[name])
        changes[name] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
    return replace(params, **changes)


def data_dir(option: Path | None) -> Path:
    """--data, else $ROTA_CURTOIS_DIR, else ../shared/benchmarks/curtois beside the repo."""
    if option is not None:
        return option
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else DEFAULT_DATA


@click.command()
@click.option("--instances", default="1-8", show_default=True, help="Instance numbers, e.g. 1-8,10.")
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Seconds per solve.")
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--seeds", default="0", show_default=True, help="Comma-separated seeds, e.g. 0,1,2.")
@click.option(
    "--data", type=click.Path(file_okay=False, path_type=Path), default=None, help="Benchmark folder."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True
)
@click.option("--param", "settings", multiple=True, help="Solve parameter override, e.g. own_lns=true.")
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write every run here."
)
def main(
    instances: str,
    time_limit: float,
    workers: int,
    seeds: str,
    data: Path | None,
    out: Path,
    settings: tuple[str, ...],
    json_path: Path | None,
) -> None:
    """Run the Curtois benchmark and print the summary table."""
    folder = data_dir(data)
    best = read_best_known(folder / "best_known.csv")
    seed_list = parse_numbers(seeds)
    params = solve_params(time_limit, workers, settings)
    click.echo(f"# {params}", err=True)
    out.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    for number in parse_numbers(instances):
        for seed in seed_list:
            run = run_one(folder / f"Instance{number}.txt", number, seed, params, out)
            click.echo(
                f"Instance{number} seed {seed}: {run.status} {run.objective} bound {run.bound} "
                f"best at {run.time_to_best} s, CPU share {run.cpu_share}, evaluator {run.verdict}",
                err=True,
            )
            runs.append(run)
    rows = [
        summary_row([r for r in runs if r.instance == n], best.get(n))
        for n in dict.fromkeys(r.instance for r in runs)
    ]
    click.echo(markdown_table(rows, len(seed_list)))
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(r) for r in runs], indent=1) + "\n", encoding="utf-8")
    sys.exit(1 if any(r.verdict not in (OK, "no roster") for r in runs) else 0)


if __name__ == "__main__":
    main()
