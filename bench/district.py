"""District-week benchmark: the demo district (``--stations 26``, about 650 people) solved as one problem.

    .venv/bin/python bench/district.py --stations 26 --time-limit 60

Targets (issue 2): first feasible solution in 10 s or less, gap 2% or less at 60 s, model building
under 20% of the total time.  Same path and table as ``bench/station.py``.
"""

from __future__ import annotations

import click
from station import bench


@click.command()
@click.option("--stations", default=26, show_default=True)
@click.option("--time-limit", default=60.0, show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option("--seeds", default="0", show_default=True, help="Comma-separated solver seeds.")
def main(stations: int, time_limit: float, workers: int, seeds: str) -> None:
    """Run the district-week benchmark and print the table."""
    bench(f"district-week ({stations} stations)", stations, time_limit, workers, seeds)


if __name__ == "__main__":
    main()
