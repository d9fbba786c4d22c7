"""``rota ledger --month 2026-12 [--station ID] -o ledger.xlsx``: the monthly service ledger as XLSX."""

from __future__ import annotations

import io
from pathlib import Path

import click
from sqlalchemy.orm import Session

from rota import db
from rota.errors import RotaError
from rota.services.ledger import build_ledger, parse_month, write_xlsx
from rota.services.stations import find_stations


@click.command(name="ledger")
@click.option("--month", required=True, help="The month, e.g. 2026-12.")
@click.option("--station", default=None, help="Station id or code (default: the first station).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def ledger(month: str, station: str | None, output: Path) -> None:
    """Write a station's monthly service ledger (服务台账) to an XLSX file."""
    engine = db.make_engine()
    try:
        with Session(engine) as session:
            first = parse_month(month)
            found = find_stations(session, station)[0]
            result = build_ledger(session, found, first)
    except RotaError as error:
        raise click.UsageError(str(error)) from None
    finally:
        engine.dispose()
    buffer = io.BytesIO()  # written whole, so a failure leaves no half-written file behind
    write_xlsx(result, buffer)
    output.write_bytes(buffer.getvalue())
    click.echo(
        f"{result.station} {result.label}: {result.visits} visits, {len(result.people)} people -> {output}"
    )
